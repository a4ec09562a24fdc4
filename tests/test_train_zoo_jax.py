"""The GPU campaign on Keras' JAX backend (``benchmarks/train_zoo_jax.py``) and its shipping step
(``benchmarks/ship_jax_campaign.py``), end to end on tiny models: train under JAX in a fresh
process, open the files under TensorFlow, re-measure, ship into a temporary folder."""

import json
import os
import subprocess
import sys
import tarfile
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


def test_tiny_lane_trains_under_jax_and_ships_under_tensorflow(tmp_path):
    train = _photos(tmp_path / "train", (120, 150), 4)
    val = _photos(tmp_path / "val", (192, 192), 2, offset=5)
    set5 = _photos(tmp_path / "set5", (96, 96), 2, offset=9)
    out, pack = tmp_path / "out", tmp_path / "pack"
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "train_zoo_jax.py"), "--train", str(train),
                           "--val", str(val), "--seconds", "75", "--out", str(out), "--only", "rednet", "--tiny",
                           "--workers", "1", "--pack", str(pack)], env=env, capture_output=True, text=True,
                          timeout=400)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for stem in ("rednet30_x2", "rednet30_x4"):
        record = json.loads((out / f"{stem}.json").read_text())
        assert record["backend"] == "jax" and record["finished"] and record["steps"] > 0
        assert record["curve"] and record["held_out_images"] == 2 and record["train_images"] == 4
        assert (out / f"{stem}.weights.h5").is_file()
    assert json.loads((out / "rednet30_x4.json").read_text())["init_from"] == "rednet30_x2"
    with tarfile.open(next(pack.glob("zoo*.tar.gz"))) as tar:
        assert {"rednet30_x2.weights.h5", "rednet30_x4.json"} <= set(tar.getnames())

    # TensorFlow opens the JAX-written weights and measures the same held-out PSNR
    zoo = benchmark_script("train_zoo_jax")
    ship = benchmark_script("ship_jax_campaign")
    record = json.loads((out / "rednet30_x2.json").read_text())
    model = ship.build_for(record)
    model.load_weights(str(out / "rednet30_x2.weights.h5"))
    crops = [zoo._prepare_one((str(f), (2, 3, 4))) for f in sorted(val.glob("*.png"))]
    psnr, _ = ship.held_out(model, record, crops, zoo)
    assert psnr == pytest.approx(record["held_out_best_psnr"], abs=0.02)

    dest = tmp_path / "weights"
    dest.mkdir()
    assert ship.main(["--results", str(out), "--val", str(val), "--set5", str(set5), "--dest", str(dest)]) == 0
    index = json.loads((dest / "index.json").read_text())
    assert {"rednet30_x2", "rednet30_x4"} <= set(index)
    import h5py

    with h5py.File(dest / "rednet30_x2.weights.h5") as h5:
        dtypes = set()
        h5.visititems(lambda n, o: dtypes.add(o.dtype) if isinstance(o, h5py.Dataset) else None)
    assert np.dtype("float16") in dtypes and np.dtype("float32") not in dtypes
    from keras_sr import models

    fresh = models.build("rednet30", scale=2, **{k: v for k, v in record["recipe"]["model_overrides"].items()})
    fresh.load_weights(str(dest / "rednet30_x2.weights.h5"))  # float16 file into float32 variables
    assert fresh.weights[0].dtype == "float32"
    card = (dest / "rednet30_x2.md").read_text()
    assert "float16" in card and "held-out" in card and f"{index['rednet30_x2']['set5']['psnr']:.2f} dB" in card


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
