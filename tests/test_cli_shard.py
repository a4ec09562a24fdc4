"""--shard I/N for upscale and eval: a deterministic split by file name, skip on re-run,
merge of eval shards; folder input of upscale."""

import json
import os

import numpy as np
import pytest

from keras_sr.cli import main
from keras_sr.cli import shard as sharding
from keras_sr.data import write_image

NAMES = ["a", "b", "c", "d", "e", "f", "g", "h", "photo_01", "photo_02"]


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / "in"
    src.mkdir()
    for name in NAMES:
        write_image(str(src / f"{name}.png"), rng.integers(0, 256, (32, 28, 3), dtype=np.uint8))
    (src / "notes.txt").write_text("not an image")  # folders keep image files only
    return src


def outputs(folder):
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def test_three_shards_cover_every_file_once_and_a_rerun_skips(folder, tmp_path, capsys):
    out = tmp_path / "out"
    written = []
    for i in range(3):
        before = outputs(out)
        assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2",
                     "--shard", f"{i}/3"]) == 0
        written.append(outputs(out) - before)
    assert sum(len(w) for w in written) == len(NAMES)  # disjoint ...
    assert set().union(*written) == {f"{n}.png" for n in NAMES}  # ... and complete
    assert all(written)  # each of the 3 shards got some of the 10 files
    first = sorted(out / n for n in written[0])
    assert (np.asarray(__import__("PIL.Image").Image.open(first[0])).shape == (64, 56, 3))
    # A re-run writes nothing: every output of the shard exists, complete (atomic writes).
    stamps = {p: p.stat().st_mtime_ns for p in first}
    capsys.readouterr()
    assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2",
                 "--shard", "0/3"]) == 0
    assert f"{len(first)} already written, 0 to do" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in first} == stamps
    # An interrupted run: one output missing and a temp file left; the re-run redoes just that.
    first[0].unlink()
    (out / f".tmp-x1y2z3w4-{first[0].name}").write_bytes(b"half a PNG")
    (out / ".tmp-a1b2c3d4-other.png").write_bytes(b"another job's file in progress")
    assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2",
                 "--shard", "0/3"]) == 0
    text = capsys.readouterr().out
    assert "1 to do" in text and "removed 1 partial file" in text
    assert first[0].is_file() and [n for n in outputs(out) if n.startswith(".tmp-")] == [".tmp-a1b2c3d4-other.png"]
    # Without --shard a folder is one shard: the rest is already there.
    assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2"]) == 0
    assert f"{len(NAMES)} already written, 0 to do" in capsys.readouterr().out


def test_shard_choice_depends_on_the_name_only():
    files = [f"/x/{n}.png" for n in NAMES]
    for i in range(3):
        part = sharding.select(files, (i, 3))
        assert sharding.select(files[:4], (i, 3)) == [f for f in part if f in files[:4]]
        assert sharding.select([f.replace("/x/", "/other/") for f in files], (i, 3)) == [
            f.replace("/x/", "/other/") for f in part]
    assert sharding.select(files, (0, 1)) == files


@pytest.mark.parametrize("bad", ["3/3", "-1/2", "a/b", "1", "0/0", "1/2/3"])
def test_bad_shard_is_a_one_line_error(folder, tmp_path, capsys, bad):
    assert main(["upscale", str(folder), "-o", str(tmp_path / "o"), "--model", "bicubic", "--scale", "2",
                 f"--shard={bad}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--shard" in err
    assert main(["eval", "--model", "bicubic", "--data", str(folder), "--scale", "2", f"--shard={bad}"]) == 2
    assert "--shard" in capsys.readouterr().err


def test_eval_shards_merge_to_the_whole_evaluation(folder, tmp_path, capsys):
    from keras_sr.evaluation import evaluate

    parts = [str(tmp_path / f"part-{i}.json") for i in range(3)]
    for i, part in enumerate(parts):
        assert main(["eval", "--model", "bicubic", "--data", str(folder), "--scale", "2", "--shard", f"{i}/3",
                     "--json", part]) == 0
    capsys.readouterr()
    assert main(["eval", "--model", "bicubic", "--data", str(folder), "--scale", "2", "--shard", "1/3",
                 "--json", parts[1]]) == 0
    assert "skipped" in capsys.readouterr().out
    rows = [r["file"] for p in parts for r in json.load(open(p))["datasets"][0]["per_image"]]
    assert sorted(rows) == sorted(f"{n}.png" for n in NAMES)
    merged_path = str(tmp_path / "all.json")
    assert sharding.main(["merge-eval", merged_path, *parts]) == 0
    merged = json.load(open(merged_path))["datasets"][0]
    whole = evaluate("bicubic", str(folder), 2)["datasets"][0]
    assert merged["images"] == whole["images"] == len(NAMES)
    assert np.isclose(merged["psnr"], whole["psnr"]) and np.isclose(merged["ssim"], whole["ssim"])
    # A missing or repeated shard is refused by name.
    assert sharding.main(["merge-eval", merged_path, parts[0], parts[2]]) == 2
    assert "missing shard(s) 1/3" in capsys.readouterr().err
    assert sharding.main(["merge-eval", merged_path, parts[0], parts[0], parts[1], parts[2]]) == 2
    assert "given twice" in capsys.readouterr().err
