"""Journeys a user walks, through the CLI in fresh processes: train each recipe kind -> eval the
checkpoint -> upscale with it (as --model FILE and as --weights FILE) -> export it (fp32 + fp16)
-> check-gpu -> run the .tflite in LiteRT against Keras; every verb with and without --weights;
every file kind opened by ``keras.saving.load_model(path, safe_mode=True)`` after a plain
``import keras_sr``.

Costs: each process pays the TensorFlow import (~5-10 s), so the four trainings run once per
module (tiny models, 2 steps) and the verbs run in one batch process (``keras_sr.cli.main`` per
command, stdout/stderr captured per command), beside a few real ``python -m keras_sr.cli``
calls.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "keras_sr" / "weights"
TINY = '{"num_blocks": 1, "filters": 8}'
# recipe kind -> (train arguments, preset the checkpoint belongs to)
RUNS = {
    "l1": (["--model", "edsr-baseline", "--patch-size", "8", "--set", f"model_overrides={TINY}"], "edsr-baseline"),
    "hf": (["--model", "rt4ksr", "--set", "hr_patch_size=16",
            "--set", 'model_overrides={"num_feats": 8, "num_blocks": 1}'], "rt4ksr"),
    "gan": (["--model", "srgan", "--set", "hr_patch_size=16", "--set", f"model_overrides={TINY}",
             "--set", 'discriminator_overrides={"filters": 4}', "--set", "content_layer=block1_conv2"], "srresnet"),
    "multi": (["--model", "mdsr-baseline", "--patch-size", "8", "--set", f"model_overrides={TINY}"],
              "mdsr-baseline"),
}
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
LOAD_EVERY_FILE = r"""
import sys
import keras
import keras_sr  # the only keras-sr import: it must register every class
for path in sys.argv[1:]:
    if path.endswith(".weights.h5"):
        name = "rt4ksr" if "rt4ksr" in path else "edsr-baseline"
        scale = int(path.split("_x")[-1][0])
        model = keras_sr.from_preset(name, scale=scale, weights=path)
    else:
        model = keras.saving.load_model(path, safe_mode=True)
    print("loaded", path, type(model).__name__, model.count_params())
"""


def run_process(args, timeout=600):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)  # the CLI must hide TensorFlow's start-up lines itself
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=str(ROOT))


def cli(*args):
    return run_process(["-m", "keras_sr.cli", *map(str, args)])


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """Images: train/ (4 crops + a 6 px image the runs skip), val/ (2 crops), photo.png (odd size)."""
    from PIL import Image
    from skimage import data as skdata

    root = tmp_path_factory.mktemp("journeys")
    (root / "train").mkdir()
    (root / "val").mkdir()
    for i, img in enumerate([skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.rocket()]):
        Image.fromarray(img[100:148, 120:168]).save(root / "train" / f"t{i}.png")
    Image.fromarray(skdata.astronaut()[:6, :6]).save(root / "train" / "tiny.png")
    Image.fromarray(skdata.coffee()[150:174, 200:232]).save(root / "val" / "v0.png")
    Image.fromarray(skdata.chelsea()[100:124, 150:182]).save(root / "val" / "v1.png")
    Image.fromarray(skdata.astronaut()[60:83, 200:231]).save(root / "photo.png")  # 31x23: odd
    # SRGAN's content network: a random VGG19 file (nothing is downloaded in tests).
    import keras

    keras.applications.VGG19(include_top=False, weights=None).save_weights(root / "vgg19.weights.h5")
    return root


@pytest.fixture(scope="module")
def runs(work):
    """Each recipe kind trained once through ``python -m keras_sr.cli train`` (2 steps)."""
    done = {}
    for kind, (args, _) in RUNS.items():
        extra = ["--vgg-weights", work / "vgg19.weights.h5"] if kind == "gan" else []
        proc = cli("train", *args, "--scale", "2", "--data", work / "train", "--val", work / "val", "--steps", "2",
                   "--steps-per-epoch", "1", "--batch-size", "2", "--set", "on_bad_file=skip",
                   "--out", work / "runs" / kind, *extra)
        assert proc.returncode == 0, proc.stderr
        done[kind] = (work / "runs" / kind / "checkpoints", proc)
    return done


def commands(work, runs):
    """{label: argv} of every verb on every checkpoint, with and without --weights."""
    photo, val, out = work / "photo.png", work / "val", work / "out"
    small = ["--input-size", "16x12", "--parity-images", "1"]
    cmds = {}
    for kind, (ckpt, _) in runs.items():
        preset = RUNS[kind][1]
        # MDSR: best.keras is the validated x2 view, final.keras has an output per scale (x3 picked)
        scale = {"best": ["--scale", "2"], "final": ["--scale", "3" if kind == "multi" else "2"]}
        files = {"best": ckpt / "best.keras", "final": ckpt / "final.keras"}
        for which, path in files.items():
            cmds[f"eval {kind} {which}"] = ["eval", "--model", path, "--data", val, *scale[which]]
            cmds[f"upscale {kind} {which} model"] = ["upscale", photo, "-o", out / f"{kind}_{which}_m.png",
                                                     "--model", path, *scale[which]]
        cmds[f"upscale {kind} weights"] = ["upscale", photo, "-o", out / f"{kind}_w.png", "--model", preset,
                                           "--weights", files["final"], *scale["final"]]
        cmds[f"export {kind}"] = ["export", "--model", f"j_{kind}", "--keras", files["final"], *scale["final"],
                                  "--formats", "fp32,fp16", *small, "--out", out / f"exp_{kind}"]
        cmds[f"export {kind} weights"] = ["export", "--model", preset, "--weights", files["best"], *scale["best"],
                                          "--formats", "fp32", *small, "--out", out / f"expw_{kind}"]
    cmds["check-gpu"] = ["check-gpu", out / "exp_hf" / "j_hf_x2_fp16_16x12.tflite"]
    cmds["eval discriminator"] = ["eval", "--model", runs["gan"][0] / "final_discriminator.keras", "--data", val,
                                  "--scale", "2"]
    cmds["eval multi bad scale"] = ["eval", "--model", runs["multi"][0] / "final.keras", "--data", val,
                                   "--scale", "5"]
    # SavedModel folders run in eval and upscale
    cmds["export savedmodel"] = ["export", "--model", "j_sm", "--keras", runs["hf"][0] / "final.keras", "--scale",
                                 "2", "--formats", "savedmodel", "--dynamic", "--out", out / "sm"]
    cmds["eval savedmodel"] = ["eval", "--model", out / "sm" / "j_sm_x2_savedmodel", "--data", val, "--scale", "2"]
    cmds["upscale savedmodel"] = ["upscale", photo, "-o", out / "sm.png", "--model",
                                  out / "sm" / "j_sm_x2_savedmodel"]
    # presets: shipped weights by default, by path, refused without, untrained only when asked
    tails = {"eval": lambda tag: ["--data", val], "upscale": lambda tag: [photo, "-o", out / f"p_{tag}.png"],
             "export": lambda tag: ["--formats", "fp32", *small, "--out", out / f"exp_{tag}"]}
    for verb, tail in tails.items():
        cmds[f"{verb} shipped"] = [verb, "--model", "rt4ksr", "--scale", "2", *tail("shipped")]
        # rednet10 ships x2 and x4 weights, not x3
        cmds[f"{verb} refused"] = [verb, "--model", "rednet10", "--scale", "3", *tail("refused")]
        cmds[f"{verb} none"] = [verb, "--model", "rednet10", "--scale", "3", "--weights", "none", *tail("none")]
    cmds["upscale shipped path"] = ["upscale", photo, "-o", out / "sp.png", "--model", "rt4ksr", "--scale", "2",
                                    "--weights", SHIPPED / "rt4ksr_x2.weights.h5"]
    cmds["eval shipped path"] = ["eval", "--model", "rt4ksr", "--scale", "2", "--data", val,
                                 "--weights", SHIPPED / "rt4ksr_x2.weights.h5"]
    cmds["export shipped path"] = ["export", "--model", "rt4ksr", "--scale", "2", "--weights",
                                   SHIPPED / "rt4ksr_x2.weights.h5", "--formats", "fp32", *small,
                                   "--out", out / "exp_sp"]
    cmds["upscale training.keras"] = ["upscale", photo, "-o", out / "tk.png", "--model",
                                      SHIPPED / "rt4ksr_x3.training.keras"]
    cmds["eval training.keras weights"] = ["eval", "--model", "rt4ksr", "--scale", "3", "--data", val,
                                           "--weights", SHIPPED / "rt4ksr_x3.training.keras"]
    cmds["export odd"] = ["export", "--model", "rt4ksr", "--scale", "2", "--input-size", "641x361",
                          "--out", out / "exp_odd"]
    return cmds


@pytest.fixture(scope="module")
def verbs(work, runs):
    """Every command of :func:`commands`, run in one fresh process: {label: {rc, out, err}}."""
    cmds = commands(work, runs)
    spec = work / "commands.json"
    spec.write_text(json.dumps([[str(a) for a in argv] for argv in cmds.values()]))
    proc = run_process(["-c", BATCH, str(spec), str(work / "results.json")])
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((work / "results.json").read_text())
    return dict(zip(cmds, results))


def ok(result):
    assert result["rc"] == 0, (result["argv"], result["err"])
    return result["out"]


def refused(result, *needles):
    err = result["err"].strip()
    assert result["rc"] == 2 and err.count("\n") == 0, (result["argv"], result["err"])
    for needle in needles:
        assert needle in err, err
    return err


def test_training_output_is_plain_quiet_and_warns_in_one_line(runs):
    for kind, (ckpt, proc) in runs.items():
        assert "\x1b" not in proc.stdout and "\r" not in proc.stdout, kind  # stdout is a pipe, not a terminal
        assert "vs bicubic" in proc.stdout
        for startup_line in ("oneDNN custom operations are on", "cpu_feature_guard", "absl::InitializeLog"):
            assert startup_line not in proc.stderr, proc.stderr  # TensorFlow's import noise is hidden
        skips = [line for line in proc.stderr.splitlines() if "tiny.png" in line]
        assert skips and all(line.startswith("keras-sr: warning: skipped") for line in skips), proc.stderr
        assert "warnings.warn" not in proc.stderr and ".py:" not in proc.stderr, proc.stderr
        assert (ckpt / "best.keras").is_file() and (ckpt / "final.keras").is_file()
    assert (runs["gan"][0] / "final_discriminator.keras").is_file()


def test_every_file_kind_loads_after_a_plain_import_keras_sr(runs):
    paths = [ckpt / name for ckpt, _ in runs.values() for name in ("best.keras", "final.keras")]
    paths += [runs["gan"][0] / "final_discriminator.keras", SHIPPED / "rt4ksr_x2.training.keras",
              SHIPPED / "rt4ksr_x2.weights.h5", SHIPPED / "edsr-baseline_x4.weights.h5"]
    proc = run_process(["-c", LOAD_EVERY_FILE, *map(str, paths)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("loaded ") == len(paths)
    assert "loaded " + str(runs["hf"][0] / "best.keras") + " Functional" in proc.stdout


def test_every_checkpoint_runs_in_every_verb(verbs, work):
    for kind in RUNS:
        for which in ("best", "final"):
            table = ok(verbs[f"eval {kind} {which}"])
            assert "PSNR" in table and "untrained" not in table
            assert "wrote" in ok(verbs[f"upscale {kind} {which} model"])
        assert "wrote" in ok(verbs[f"upscale {kind} weights"])
        assert "fp16" in ok(verbs[f"export {kind}"])
        ok(verbs[f"export {kind} weights"])
    from keras_sr.data import read_image

    assert read_image(work / "out" / "multi_final_m.png").shape == (69, 93, 3)  # x3 output of the MDSR file
    assert read_image(work / "out" / "hf_best_m.png").shape == (46, 62, 3)  # odd size padded for RT4KSR
    assert "ready" in ok(verbs["check-gpu"])
    refused(verbs["eval discriminator"], "not a super-resolution model")
    refused(verbs["eval multi bad scale"], "no x5 output")


def test_exported_tflite_matches_keras_in_litert(verbs, runs, work):
    import keras
    from ai_edge_litert.interpreter import Interpreter

    import keras_sr  # noqa: F401

    lr = np.random.default_rng(0).random((1, 12, 16, 3), dtype=np.float32)
    for kind in RUNS:
        ok(verbs[f"export {kind}"])
        keras_model = keras.saving.load_model(runs[kind][0] / "final.keras", compile=False)
        expected = keras_model(lr)
        if kind == "multi":
            expected, scale = expected[1], 3  # the x3 output the export picked
        else:
            scale = 2
        for fmt, tol in (("fp32", 1e-3), ("fp16", 2e-2)):
            interp = Interpreter(model_path=str(work / "out" / f"exp_{kind}" / f"j_{kind}_x{scale}_{fmt}_16x12.tflite"))
            interp.allocate_tensors()
            interp.set_tensor(interp.get_input_details()[0]["index"], lr)
            interp.invoke()
            got = interp.get_tensor(interp.get_output_details()[0]["index"])
            np.testing.assert_allclose(got, np.asarray(expected), atol=tol, err_msg=f"{kind} {fmt}")


def test_savedmodel_folders_run_in_eval_and_upscale(verbs):
    ok(verbs["export savedmodel"])
    assert "PSNR" in ok(verbs["eval savedmodel"])
    assert "j_sm_x2_savedmodel x2" in ok(verbs["upscale savedmodel"])


def test_presets_run_shipped_weights_refuse_without_and_say_untrained(verbs, work):
    for verb in ("eval", "upscale", "export"):
        assert "untrained" not in ok(verbs[f"{verb} shipped"])
        refused(verbs[f"{verb} refused"], "no shipped weights", "--weights FILE", "--weights none")
        assert "untrained" in ok(verbs[f"{verb} none"])
        ok(verbs[f"{verb} shipped path"])  # keras_sr/weights/*.weights.h5 by path: its deploy form
    assert not (work / "out" / "p_refused.png").exists() and not (work / "out" / "exp_refused").exists()
    # An untrained RED-Net10 lands anywhere from a few dB below bicubic to a little above (it adds
    # a residual to the bicubic input): the warning must follow the measured PSNRs, never the luck.
    parity = json.loads(next((work / "out" / "exp_none").glob("*.json")).read_text())["parity"]
    below = parity["psnr_y_keras_db"] < parity["psnr_y_bicubic_db"]
    warned = [line for line in verbs["export none"]["out"].splitlines() if "below bicubic" in line]
    assert len(warned) == below, (parity, warned)
    assert all(line.startswith("keras-sr: warning: the Keras model is ") for line in warned)
    assert "rt4ksr_x3.training.keras x3" in ok(verbs["upscale training.keras"])
    ok(verbs["eval training.keras weights"])
    refused(verbs["export odd"], "H and W must be even (got 641x361)")
    assert not (work / "out" / "exp_odd").exists()
