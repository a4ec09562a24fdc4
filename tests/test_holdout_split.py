"""benchmarks/holdout_split.py: a seeded whole-image hold-out, disjoint from training, as links."""

import json
from pathlib import Path

import pytest
from conftest import benchmark_script

ROOT = Path(__file__).resolve().parents[1]




def test_split_is_seeded_disjoint_and_complete():
    split = benchmark_script("holdout_split").split
    files = [f"img{i:03d}.png" for i in range(291)]
    train, hold = split(files, 0.1, seed=0)
    assert len(hold) == 29 and len(train) == 262
    assert set(train).isdisjoint(hold) and sorted(train + hold) == files
    assert split(list(reversed(files)), 0.1, seed=0) == (train, hold)  # order of the input does not matter
    assert split(files, 0.1, seed=1)[1] != hold
    with pytest.raises(ValueError, match="--fraction"):
        split(files, 1.5, seed=0)


def test_main_writes_link_folders(tmp_path):
    from skimage import data as skdata

    from keras_sr.data import write_image

    for folder in ("A", "B"):
        (tmp_path / folder).mkdir()
        for i in range(5):
            write_image(str(tmp_path / folder / f"{i}.png"), skdata.camera()[:16, :16])
    out = tmp_path / "split"
    benchmark_script("holdout_split").main(["--data", str(tmp_path / "A"), "--data", str(tmp_path / "B"), "--fraction", "0.2",
                    "--out", str(out)])
    hold = sorted(p.name for p in (out / "holdout").iterdir())
    train = sorted(p.name for p in (out / "train").iterdir())
    assert len(hold) == 2 and len(train) == 8 and not set(hold) & set(train)
    assert all((out / "train" / n).is_symlink() for n in train)
    assert json.loads((out / "split.json").read_text())["holdout"] == hold
