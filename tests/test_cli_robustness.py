"""Issue #26 (upscale / restore / eval): nothing overwritten, folder runs finish, refused runs leave
nothing, tiles chosen by memory, arguments checked before TensorFlow loads, progress, full disks.

Each defect has a test that runs the command line in a fresh process. Refusals run through
``PROBE``: the real ``keras-sr`` entry point (``sys.argv[0] == "keras-sr"``), which then says on
stderr whether TensorFlow was imported: a check made "up front" must fail before it is.
"""

import errno
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_sr.cli import main

PROBE = ("import sys; sys.argv[0] = 'keras-sr'; from keras_sr.cli import main; rc = main(sys.argv[1:]); "
         "print('tensorflow imported' if 'tensorflow' in sys.modules else 'tensorflow not imported', "
         "file=sys.stderr); sys.exit(rc)")


def run(args, cwd, probe=False):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    command = [sys.executable, "-c", PROBE, *args] if probe else [sys.executable, "-m", "keras_sr.cli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def refused_up_front(result, *needles):
    """Exit 2, one error line naming what is wrong, before TensorFlow was imported."""
    err = result.stderr.strip().splitlines()
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert err[-1] == "tensorflow not imported", result.stderr
    errors = [line for line in err if line.startswith("keras-sr: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def picture(path, h=20, w=24, seed=0):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --- defect 1: outputs never overwrite inputs ---------------------------------------------------

def test_compare_picture_never_overwrites_an_input(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("shot", "shot_compare", "a", "a_compare"):
        picture(src / f"{name}.png", seed=len(name))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    # the comparison picture of -o in/shot.png is in/shot_compare.png: an input
    r = run(["upscale", "in/shot_compare.png", "-o", "in/shot.png", "--compare", "--model", "bicubic",
             "--scale", "2"], tmp_path, probe=True)
    refused_up_front(r, "in/shot_compare.png would overwrite the input")
    # folder mode: a.png's comparison picture and a_compare.png's output are one file
    r = run(["upscale", "in", "-o", "out", "--compare", "--model", "bicubic", "--scale", "2"], tmp_path, probe=True)
    refused_up_front(r, "would both be written to", "a_compare.png")
    # through a symlink, and with another spelling of the same folder
    os.symlink(src / "a.png", tmp_path / "link.png")
    r = run(["upscale", "in/a.png", "-o", "link.png", "--model", "bicubic", "--scale", "2"], tmp_path, probe=True)
    refused_up_front(r, "would overwrite the input in/a.png")
    r = run(["upscale", "in/a.png", "-o", "./in/../in/a.png", "--model", "bicubic", "--scale", "2"], tmp_path,
            probe=True)
    refused_up_front(r, "would overwrite the input")
    # names that differ only in case are one file on a case-insensitive disk
    other = tmp_path / "other"
    other.mkdir()
    picture(other / "A.png")
    r = run(["upscale", "in/a.png", "other/A.png", "-o", "out", "--model", "bicubic", "--scale", "2"], tmp_path,
            probe=True)
    refused_up_front(r, "would both be written to")
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    assert not (tmp_path / "out").exists()


# --- defect 3: folder runs finish, bad files listed, re-run does the rest -------------------------

def test_folder_run_writes_the_good_files_lists_the_bad_and_a_rerun_does_only_the_rest(tmp_path):
    src = tmp_path / "mixed"
    src.mkdir()
    picture(src / "a.png")
    full = (picture(src / "b.png", 40, 40, seed=3)).read_bytes()
    (src / "b.png").write_bytes(full[: len(full) // 2])  # a truncated PNG
    (src / "c.png").write_bytes(b"not an image at all")
    picture(src / "d.png", seed=4)
    args = ["upscale", "mixed", "-o", "out", "--model", "bicubic", "--scale", "2"]
    r = run(args, tmp_path)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert sorted(os.listdir(tmp_path / "out")) == ["a.png", "d.png"]
    assert "2 of 4 file(s) failed" in r.stdout
    failed = {line.split(":")[0].strip() for line in r.stdout.splitlines() if line.startswith("  ")}
    assert failed == {"mixed/b.png", "mixed/c.png"}, r.stdout
    assert "cannot read image" in r.stdout and "Traceback" not in r.stderr
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
    r = run(args, tmp_path)
    assert r.returncode == 1 and "2 already written, 2 to do" in r.stdout, r.stdout
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()} == stamps


def test_eval_prints_the_table_of_good_images_and_names_the_skipped(tmp_path):
    data = tmp_path / "Mini"
    data.mkdir()
    picture(data / "a.png", 32, 32)
    picture(data / "b.png", 36, 30, seed=1)
    picture(data / "tiny.png", 1, 1)
    (data / "bad.png").write_bytes(b"garbage")
    frames = [Image.fromarray(np.full((16, 16, 3), v, np.uint8)) for v in (0, 255)]
    frames[0].save(data / "anim.gif", save_all=True, append_images=frames[1:])
    r = run(["eval", "--model", "bicubic", "--data", "Mini", "--scale", "2"], tmp_path)
    assert r.returncode == 1, (r.stdout, r.stderr)
    row = next(line for line in r.stdout.splitlines() if line.startswith("Mini"))
    assert row.split()[1] == "2"  # the two good images
    assert "skipped 3 file(s):" in r.stdout
    for name, reason in (("tiny.png", "too small"), ("bad.png", "cannot read image"), ("anim.gif", "GIF")):
        line = next(x for x in r.stdout.splitlines() if f"Mini/{name}:" in x)
        assert reason in line, line


# --- defect 4: a refused command leaves no folder -------------------------------------------------

def test_refused_runs_create_no_folder(tmp_path):
    picture(tmp_path / "a.png")
    r = run(["upscale", "a.png", "b.jpg", "-o", "out/x.png", "--model", "bicubic", "--scale", "2"], tmp_path,
            probe=True)
    refused_up_front(r, "b.jpg")
    picture(tmp_path / "b.jpg")
    r = run(["upscale", "a.png", "b.jpg", "-o", "out/x.png", "--model", "bicubic", "--scale", "2"], tmp_path,
            probe=True)
    refused_up_front(r, "out/x.png", "need a folder")
    r = run(["upscale", "a.png", "-o", "new/deeper/a_x2.png", "--model", "bicubic", "--scale", "2", "--tile", "0"],
            tmp_path, probe=True)
    refused_up_front(r, "--tile")
    assert tree(tmp_path) == ["a.png", "b.jpg"]


# --- defect 8: every argument checked before TensorFlow loads ----------------------------------------

@pytest.mark.parametrize("argv, needles", [
    (["upscale", "a.png", "-o", "o.png", "--tile", "0"], ["--tile", "got 0"]),
    (["upscale", "a.png", "-o", "o.png", "--overlap", "-1"], ["--overlap", "-1"]),
    (["upscale", "a.png", "-o", "o.png", "--tile", "64", "--overlap", "-1"], ["--overlap"]),
    (["upscale", "a.png", "-o", "o.png", "--max-memory", "lots"], ["--max-memory", "lots"]),
    (["upscale", "a.png", "-o", "blocker/o.png"], ["blocker", "is a file"]),
    (["restore", "a.png", "-o", "o.png", "--tile", "-3"], ["--tile"]),
    (["restore", "a.png", "-o", "o.png", "--strength", "1.5"], ["--strength", "1.5"]),
    (["eval", "--model", "bicubic", "--data", ".", "--scale", "2", "--tile", "0"], ["--tile"]),
    (["eval", "--model", "bicubic", "--data", "nowhere", "--scale", "2"], ["nowhere", "does not exist"]),
    (["eval", "--model", "bicubic", "--data", ".", "--scale", "2", "--json", "blocker/r.json"], ["--json"]),
    (["demo", "--out", "blocker/demo", "--steps", "1"], ["--out", "blocker", "is a file"]),
])
def test_bad_arguments_fail_before_tensorflow_loads(tmp_path, argv, needles):
    picture(tmp_path / "a.png")
    (tmp_path / "blocker").write_text("a file where a folder would go")
    refused_up_front(run(argv, tmp_path, probe=True), *needles)
    assert not (tmp_path / "o.png").exists()


def test_unsupported_scale_is_refused_before_the_model_loads(tmp_path):
    picture(tmp_path / "a.png")
    r = run(["upscale", "a.png", "-o", "out/o.png", "--model", "edsr-baseline", "--scale", "5"], tmp_path)
    assert r.returncode == 2 and "scale 5" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "out").exists()


def test_animated_gif_is_said_out_loud_and_a_single_image_shows_progress(tmp_path):
    frames = [Image.fromarray(np.random.default_rng(v).integers(0, 256, (40, 40, 3), dtype=np.uint8))
              for v in range(3)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    r = run(["upscale", "anim.gif", "-o", "anim_x2.png", "--model", "bicubic", "--scale", "2", "--tile", "16"],
            tmp_path)
    assert r.returncode == 0, r.stderr
    warnings = [line for line in (r.stdout + "\n" + r.stderr).splitlines() if "warning" in line]
    assert warnings == ["keras-sr: warning: anim.gif is animated (3 frames): only frame 1 is upscaled"]
    assert "upscaling anim.gif (40x40 -> 80x80" in r.stdout  # defect 9: what runs, before it runs
    assert "9/9 tiles" in r.stdout and "\r" not in r.stdout and "\x1b" not in r.stdout  # plain progress lines
    assert Image.open(tmp_path / "anim_x2.png").size == (80, 80)


# --- defect 5: tiles chosen by memory, output unchanged ----------------------------------------------

def test_a_small_memory_budget_shrinks_the_tile_and_keeps_the_output(tmp_path, capsys):
    from keras_sr.inference import load_predictor, upscale
    from keras_sr.inference.memory import GIB, current_rss, fixed_bytes
    from keras_sr.inference.upscaling import choose_tile

    predict = load_predictor("edsr-baseline", scale=2, weights="none")
    image = np.random.default_rng(0).integers(0, 256, (96, 80, 3), dtype=np.uint8)
    assert choose_tile(predict, 96, 80, 8 * GIB)[0] is None  # fits whole
    small = current_rss() + fixed_bytes(96, 80, 2) + 30 * 2**20
    tile, note = choose_tile(predict, 96, 80, small)
    assert tile is not None and tile < 80 and f"tiles of {tile} px" in note
    assert choose_tile(predict, 96, 80, small + 25 * 2**20)[0] > tile  # more memory, larger tiles
    whole = upscale(predict, image, tile=None)
    np.testing.assert_array_equal(upscale(predict, image, tile="auto", max_memory=small), whole)
    # the command line: --max-memory 64M is below any need: smallest tiles, same output, said so
    Image.fromarray(image).save(tmp_path / "a.png")
    out = tmp_path / "a_x2.png"
    assert main(["upscale", str(tmp_path / "a.png"), "-o", str(out), "--model", "bicubic", "--scale", "2",
                 "--max-memory", "64M"]) == 0
    assert "tiles of 32 px" in capsys.readouterr().out
    bicubic = upscale("bicubic", image, scale=2)
    assert np.abs(np.asarray(Image.open(out)).astype(int) - bicubic).max() <= 1


# --- disk full ---------------------------------------------------------------------------------------

def test_disk_full_is_one_line_naming_the_file_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import keras_sr.data as data

    picture(tmp_path / "a.png")

    def full(path, img):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data, "write_image", full)
    out = tmp_path / "out" / "a_x2.png"
    assert main(["upscale", str(tmp_path / "a.png"), "-o", str(out), "--model", "bicubic", "--scale", "2",
                 "--compare"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err and "Errno" not in err, err
    assert f"disk full writing {out.parent}{os.sep}a_x2" in err, err  # the comparison picture comes first
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_disk_full_on_a_real_tiny_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        picture(tmp_path / "a.png", 100, 100)
        r = run(["upscale", "a.png", "-o", "disk/a_x4.png", "--model", "bicubic", "--scale", "4"], tmp_path)
        assert r.returncode == 2, (r.stdout, r.stderr)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and "disk full writing disk/a_x4.png" in lines[0], r.stderr
        assert os.listdir(disk) == []  # no partial file
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
