"""The GPU campaign is a plan run through the library (#24 item 4): a tiny plan trains on CPU
under JAX through ``keras_sr.training.train`` in a fresh process without TensorFlow, warm
starts its second stage from the first, and TensorFlow opens what it wrote and measures the
same held-out PSNR; and the campaign's data step holds out the split."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import benchmark_script

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("jax")


def _photos(folder, size, count, offset=0):
    """``count`` crops of scikit-image's photos, ``size`` (h, w) each, as PNG."""
    from skimage import data as skdata

    from keras_sr.data import write_image

    folder.mkdir(parents=True)
    photos = [skdata.astronaut(), skdata.coffee(), skdata.chelsea()]
    for i in range(count):
        img = photos[(i + offset) % 3]
        y, x = 17 * (i + offset) % 80, 23 * (i + offset) % 80
        write_image(str(folder / f"p{i}.png"), img[y:y + size[0], x:x + size[1]])
    return folder


def test_tiny_plan_trains_through_the_library_without_tensorflow(tmp_path):
    from keras_sr.training import campaign

    train = _photos(tmp_path / "train", (64, 72), 4)
    plan = campaign.load_plan()
    plan["val_split"] = 0.25
    plan["lanes"] = {"rednet": plan["lanes"]["rednet"]}  # two stages, the second warm-started
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(plan))
    out, pack = tmp_path / "out", tmp_path / "pack"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "no_tensorflow"), str(ROOT)])}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_zoo_jax.py"), "--backend", "jax",
                           "--train", str(train), "--plan", str(plan_file), "--seconds", "300", "--steps", "4",
                           "--steps-per-epoch", "2", "--tiny", "--out", str(out), "--pack", str(pack)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for stem in ("rednet30_x2", "rednet30_x4"):
        record = json.loads((out / f"{stem}.json").read_text())
        assert record["backend"] == "jax" and record["steps"] == 4 and record["held_out_images"] == 1
        assert json.loads((out / stem / "config.json").read_text())["input"] == "numpy"  # no TensorFlow there
    x4 = json.loads((out / "rednet30_x4" / "config.json").read_text())
    assert x4["init_weights"].endswith("rednet30_x2/checkpoints/final.keras")
    assert len(list(pack.glob("zoo*.tar.gz"))) >= 1

    # TensorFlow opens the JAX-written weights and measures the held-out PSNR the run chose by
    ship = benchmark_script("ship_jax_campaign")
    record = json.loads((out / "rednet30_x2.json").read_text())
    model = ship.build_for(record)
    model.load_weights(str(out / "rednet30_x2.weights.h5"))
    _, per = ship.held_out(model, record, None)
    assert per[2] == pytest.approx(record["held_out_best_psnr"], abs=0.02)


def test_campaign_data_holds_out_the_val_split_as_crops_and_drops_seeded_images(tmp_path):
    from PIL import Image

    from keras_sr.data.split import hold_out

    photos = _photos(tmp_path / "photos", (200, 210), 6)
    out = tmp_path / "gpu"
    data = benchmark_script("gpu_campaign_data")
    assert data.main(["--data", str(photos), "--out", str(out), "--val-split", "0.34", "--drop", "1",
                      "--workers", "1"]) == 0
    train, held = hold_out([str(photos)], 0.34, seed=0)
    assert sorted(p.name for p in (out / "valcrop").iterdir()) == sorted(f"photos__{Path(f).stem}.webp" for f in held)
    assert len(list((out / "train").iterdir())) == len(train) - 1
    dropped = (out / "dropped.txt").read_text().split()
    assert len(dropped) == 1 and dropped[0] in train
    crop = next((out / "valcrop").iterdir())
    with Image.open(crop) as im:
        assert im.size == (192, 192)
    # lossless: the training file decodes to the source pixels
    kept = next(f for f in train if f not in dropped)
    with Image.open(out / "train" / f"photos__{Path(kept).stem}.webp") as a, Image.open(kept) as b:
        assert np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))
