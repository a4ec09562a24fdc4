"""Issue #26's training / loading defects, each through the CLI in a fresh process: ``--resume``
of the command that started the run, a full disk while training and exporting, messages that
said the wrong thing, whole-run progress with an ETA, TensorFlow/LiteRT noise on stderr, and
the warning before a SavedModel keras-sr did not write runs its graph.

Tiny models (1 block, 8 filters), 2-3 steps, 48 px images. Several commands share one fresh
process (``keras_sr.cli.main`` per command, stdout/stderr captured per command) where the
defect does not need a process of its own.
"""

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--patch-size", "8", "--set", 'model_overrides={"num_blocks": 1, "filters": 8}', "--batch-size", "2"]
NOISE = ("oneDNN supports DT_UINT8 only", "Created TensorFlow Lite XNNPACK delegate", "fully_quantize: 0",
         "All log messages before absl::InitializeLog()")
BATCH = r"""
import contextlib, io, json, sys
from keras_sr.cli import main
results = []
for argv in json.load(open(sys.argv[1])):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as e:
            rc = e.code
    results.append({"argv": argv, "rc": rc, "out": out.getvalue(), "err": err.getvalue()})
json.dump(results, open(sys.argv[2], "w"))
"""


def env():
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    out = {**os.environ, "PYTHONPATH": path}
    out.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI must hide TensorFlow's lines itself
    return out


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "keras_sr.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env(), cwd=str(ROOT))


def batch(tmp_path, *commands):
    """Run each argv with ``keras_sr.cli.main`` in one fresh process: ``(results, process)``."""
    spec, results = tmp_path / "commands.json", tmp_path / "results.json"
    spec.write_text(json.dumps([[str(a) for a in argv] for argv in commands]))
    proc = subprocess.run([sys.executable, "-c", BATCH, str(spec), str(results)], capture_output=True, text=True,
                          timeout=600, env=env(), cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(results.read_text()), proc


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from PIL import Image
    from skimage import data as skdata

    root = tmp_path_factory.mktemp("defects")
    (root / "train").mkdir()
    (root / "val").mkdir()
    for i, img in enumerate([skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.rocket()]):
        Image.fromarray(img[100:148, 120:168]).save(root / "train" / f"t{i}.png")
    Image.fromarray(skdata.coffee()[150:174, 200:232]).save(root / "val" / "v0.png")
    Image.fromarray(skdata.astronaut()[60:84, 200:232]).save(root / "photo.png")
    return root


def train_args(images, out, *extra):
    return ["train", "--model", "edsr-baseline", "--scale", "2", "--data", images / "train", "--val",
            images / "val", *TINY, "--out", out, *extra]


def one_line(result, *parts):
    """The error line of a refused command (after a warning line, if any): one line, no traceback."""
    err = "\n".join(line for line in result["err"].strip().splitlines() if not line.startswith("keras-sr: warning:"))
    assert result["rc"] == 2, result
    assert "\n" not in err and "Traceback" not in err, err
    for part in parts:
        assert part in err, err
    return err


def with_value(argv, option, value):
    """``argv`` with ``option``'s value replaced."""
    i = argv.index(option)
    return argv[:i + 1] + [value] + argv[i + 2:]


def mount_small_disk(folder, size):
    """Mount a tmpfs of ``size`` on ``folder``; the reason when that is not permitted, else None."""
    folder.mkdir()
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    return proc.stderr.strip() or "mount failed" if proc.returncode else None


def leftovers(folder):
    return [str(p) for p in Path(folder).rglob("*") if ".tmp-" in p.name]


def _savedmodels(folder):
    """A SavedModel with two inputs and one that upscales x2 (nearest), neither written by keras-sr."""
    import tensorflow as tf

    class Two(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)] * 2)
        def serve(self, a, b):
            return {"out": a + b}

    class Nearest(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32, name="lr")])
        def serve(self, lr):
            return {"sr": tf.repeat(tf.repeat(lr, 2, axis=1), 2, axis=2)}

    for name, module in (("two_savedmodel", Two()), ("foreign_savedmodel", Nearest())):
        tf.saved_model.save(module, str(folder / name), signatures={"serve": module.serve})


def loading_files(root):
    """good/corrupt/evil .keras, a cut .weights.h5, SavedModels keras-sr did not write (one with
    two inputs) and a copy with the export metadata keras-sr writes beside its own."""
    import shutil
    import zipfile

    import keras_sr
    from keras_sr.export import metadata

    model = keras_sr.models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    model.save(root / "good.keras")
    model.save_weights(root / "good.weights.h5")
    (root / "corrupt.keras").write_bytes(os.urandom(3000))
    weights = (root / "good.weights.h5").read_bytes()
    (root / "cut.weights.h5").write_bytes(weights[: len(weights) // 2])
    with zipfile.ZipFile(root / "good.keras") as zin, zipfile.ZipFile(root / "evil.keras", "w") as zout:
        config = zin.read("config.json").decode().replace(
            '"activation": "linear"', '"activation": {"module": "os", "class_name": "function", '
                                      '"config": "system", "registered_name": "function"}', 1)
        assert "system" in config
        for item in zin.infolist():
            zout.writestr(item, config if item.filename == "config.json" else zin.read(item.filename))
    _savedmodels(root)
    shutil.copytree(root / "foreign_savedmodel", root / "trusted_savedmodel")
    (root / "trusted_savedmodel.json").write_text(metadata.dumps(metadata.build_metadata(
        model_name="trusted", scale=2, fmt="savedmodel", input_shape=[-1, -1, -1, 3],
        output_shape=[-1, -1, -1, 3], channels=3, file_name="trusted_savedmodel")))


@pytest.fixture(scope="module")
def verbs(images, tmp_path_factory):
    """Every batch command of this module, run in one fresh process: ``({label: result}, process, disks)``.

    ``disks``: {"train": folder, "export": folder} of mounted 200k / 24k tmpfs, or {"skip": reason}."""
    root = tmp_path_factory.mktemp("verbs")
    loading_files(root)
    photo, out = images / "photo.png", root / "out"
    run = root / "run"
    first = train_args(images, run, "--steps", "2", "--steps-per-epoch", "1", "--quiet")
    again = first + ["--resume"]
    cmds = {"train": first, "resume same": again, "resume batch": with_value(again, "--batch-size", "4"),
            "resume patch": with_value(again, "--patch-size", "12"), "resume longer": with_value(again, "--steps", "5"),
            "corrupt": ["upscale", photo, "-o", out / "a.png", "--model", root / "corrupt.keras"],
            "evil": ["upscale", photo, "-o", out / "b.png", "--model", root / "evil.keras"],
            "cut": ["upscale", photo, "-o", out / "c.png", "--model", "edsr-baseline", "--scale", "2",
                    "--weights", root / "cut.weights.h5"],
            "two inputs": ["upscale", photo, "-o", out / "d.png", "--model", root / "two_savedmodel"],
            "data file": ["eval", "--model", "bicubic", "--scale", "2", "--data", photo],
            "foreign": ["upscale", photo, "-o", out / "e.png", "--model", root / "foreign_savedmodel"],
            "trusted": ["upscale", photo, "-o", out / "f.png", "--model", root / "trusted_savedmodel"]}
    disks = {"train": root / "disk_train", "export": root / "disk_export"}
    reason = mount_small_disk(disks["train"], "200k") or mount_small_disk(disks["export"], "24k")
    if reason:
        disks = {"skip": reason}
    else:
        cmds["train full"] = train_args(images, disks["train"] / "run", "--steps", "6", "--steps-per-epoch", "1",
                                        "--quiet")
        cmds["export full"] = ["export", "--model", "edsr-baseline", "--scale", "2", "--set", "num_blocks=4",
                               "--set", "filters=32", "--weights", "none", "--formats", "savedmodel,fp32",
                               "--input-size", "16x12", "--parity-images", "1", "--out", disks["export"] / "exp"]
    try:
        results, proc = batch(root, *cmds.values())
        yield dict(zip(cmds, results)), proc, disks
    finally:
        for folder in (root / "disk_train", root / "disk_export"):
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


# --- item 2: --resume of the command that started the run; item 9: whole-run ETA in logs -----

def test_resume_accepts_the_same_command_and_refuses_only_real_changes(verbs):
    results, _, _ = verbs
    started, resumed = results["train"], results["resume same"]
    assert started["rc"] == 0, started
    # Whole-run progress in a log: plain lines with steps done / total, elapsed and ETA
    assert "progress: epoch 1/2, 1/2 steps (50 %)" in started["out"] and "ETA" in started["out"], started["out"]
    assert resumed["rc"] == 0, resumed  # the very same command (--batch-size 2 --patch-size 8) resumes
    assert "vs bicubic" in resumed["out"]
    one_line(results["resume batch"], "cannot change batch_size 2 -> 4 (--batch-size)")
    one_line(results["resume patch"], "patch_size 8 -> 12 (--patch-size)")
    one_line(results["resume longer"], "length 2 epochs x 1 steps -> 5 x 1 (--steps 5)")


def test_workers_failure_message_asks_for_what_works():
    """A lost worker asks to rerun the same command with --resume: the test above shows that works."""
    from keras_sr.training import multiworker

    assert "rerun the same command with --resume" in Path(multiworker.__file__).read_text()


# --- item 9: whole-run progress on a terminal -------------------------------------------------

def test_training_progress_on_a_terminal_is_one_updating_line(images, tmp_path):
    import pty

    command = [sys.executable, "-m", "keras_sr.cli", *map(str, train_args(images, tmp_path / "tty", "--steps", "3",
                                                                           "--steps-per-epoch", "1"))]
    master, slave = pty.openpty()
    proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env(), cwd=str(ROOT))
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    os.close(master)
    text = b"".join(chunks).decode(errors="replace")
    assert "\repoch 3/3, 3/3 steps (100 %)" in text, text[-2000:]
    assert "ETA" in text and "elapsed" in text
    assert "Epoch 1/3" not in text  # Keras' per-epoch bar is replaced by the run's line


# --- item 6: a full disk ----------------------------------------------------------------------

def test_disk_full_while_training_and_exporting_says_one_line(verbs):
    results, proc, disks = verbs
    if "skip" in disks:
        pytest.skip(f"cannot mount a small tmpfs here ({disks['skip']})")
    run = disks["train"] / "run"
    # One line naming the file and how to continue; no h5py traceback flood, no crash (exit 139)
    err = one_line(results["train full"], "no space left on device writing " + str(run), "--resume")
    assert "h5py" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr[-2000:]
    assert not leftovers(run)  # nothing half-written
    assert json.loads((run / "config.json").read_text())["model"] == "edsr-baseline"
    backup = run / "backup" / "training_metadata.json"
    if backup.exists():  # the backup names complete weights of the epoch it records
        assert (run / "backup" / json.loads(backup.read_text())["weights"]).is_file(), err
    one_line(results["export full"], "no space left on device writing " + str(disks["export"] / "exp"))
    assert not leftovers(disks["export"])


def test_disk_full_in_process_names_the_backup_file(images, tmp_path, monkeypatch, capsys):
    from keras_sr.cli import main
    from keras_sr.utils import atomic

    write = atomic._write_new

    def full_for_weights(path, folder, data):
        if str(path).endswith(".weights.h5"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return write(path, folder, data)

    monkeypatch.setattr(atomic, "_write_new", full_for_weights)
    run = tmp_path / "run"
    assert main([str(a) for a in train_args(images, run, "--steps", "2", "--steps-per-epoch", "1",
                                            "--quiet")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, err
    assert f"no space left on device writing {run / 'backup' / 'epoch-000001.weights.h5'}" in err
    assert "rerun the same command with --resume" in err
    assert not leftovers(run) and not (run / "backup" / "training_metadata.json").exists()


# --- item 7: messages that said the wrong thing; item 11: SavedModels keras-sr did not write ---

def test_load_messages_say_what_is_wrong(verbs):
    results, _, _ = verbs
    err = one_line(results["corrupt"], "corrupt.keras exists but is not a .keras archive")
    assert "not found" not in err.lower()
    one_line(results["evil"], "evil.keras", "Could not locate function 'system'")
    err = one_line(results["cut"], "cut.weights.h5 is truncated")
    assert "another architecture" not in err
    err = one_line(results["two inputs"], "two_savedmodel", "2 input(s)",
                   "one float32 input of shape (batch, height, width, channels)")
    assert "unpack" not in err
    one_line(results["data file"], "photo.png is a file, not a folder")


def test_savedmodel_keras_sr_did_not_write_warns_once(verbs):
    results, _, _ = verbs
    foreign, trusted = results["foreign"], results["trusted"]
    assert foreign["rc"] == 0, foreign
    warning = [line for line in foreign["err"].splitlines() if "runs its own graph" in line]
    assert len(warning) == 1 and warning[0].startswith("keras-sr: warning: SavedModel "), foreign["err"]
    assert any(line.startswith("wrote ") for line in foreign["out"].splitlines()), foreign["out"]
    assert trusted["rc"] == 0 and "runs its own graph" not in trusted["err"], trusted  # export metadata beside it


# --- item 10: no TensorFlow / LiteRT lines on stderr ------------------------------------------

def test_export_and_upscale_keep_tensorflow_noise_off_stderr(images, tmp_path):
    exported = cli("export", "--model", "edsr-baseline", "--scale", "2", "--set", "num_blocks=1", "--set",
                   "filters=8", "--weights", "none", "--formats", "fp32", "--input-size", "16x12",
                   "--parity-images", "1", "--out", tmp_path / "exp")
    assert exported.returncode == 0, exported.stderr
    assert "keras-sr: warning: the Keras model is " in exported.stdout  # below bicubic: with the prefix
    import keras_sr

    keras_sr.models.build("edsr-baseline", scale=2, num_blocks=1, filters=8).save(tmp_path / "m.keras")
    upscaled = cli("upscale", images / "photo.png", "-o", tmp_path / "up.png", "--model", tmp_path / "m.keras")
    assert upscaled.returncode == 0, upscaled.stderr
    for proc in (exported, upscaled):
        for line in NOISE:
            assert line not in proc.stderr, proc.stderr
    assert np.asarray(__import__("PIL.Image", fromlist=["Image"]).open(tmp_path / "up.png")).shape == (48, 64, 3)
