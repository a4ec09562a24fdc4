"""keras_sr.weights.release.write_release: the one writer of shipped weights, model cards and index.json."""

import hashlib
import json

import h5py
import numpy as np
import pytest

from keras_sr import models, weights
from keras_sr.weights.release import INDEX_NAME, index_text, write_release

CORE = ("preset", "scale", "file", "build", "sha256", "card", "train_config", "training_form")


@pytest.fixture(scope="module")
def tiny():
    return models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)


def test_a_tiny_model_gets_its_file_card_recipe_and_index_entry(tiny, tmp_path):
    (tmp_path / INDEX_NAME).write_text(json.dumps({"other_x3": {"preset": "other", "scale": 3}}))
    set5 = {"psnr": 30.123, "ssim": 0.91}
    written = write_release(tiny, "edsr-baseline", {2: {"set5": set5, "steps": 4, "date": "2026-12-07"}},
                            card=lambda f: f"# tiny\n\n`{f['file']}`, {f['size']:,} bytes, SHA-256 `{f['sha256']}`\n",
                            train_config={"variant": "fast", "batch_size": 2}, dest=tmp_path)
    index = json.loads((tmp_path / INDEX_NAME).read_text())
    assert set(index) == {"other_x3", "edsr-baseline_x2"} and written == {"edsr-baseline_x2": index["edsr-baseline_x2"]}
    entry = index["edsr-baseline_x2"]
    data = (tmp_path / "edsr-baseline_x2.weights.h5").read_bytes()
    assert entry == {"preset": "edsr-baseline", "scale": 2, "file": "edsr-baseline_x2.weights.h5", "build": {},
                     "sha256": hashlib.sha256(data).hexdigest(), "card": "edsr-baseline_x2.md",
                     "train_config": "edsr-baseline_x2.train.json", "training_form": None,
                     "set5": set5, "steps": 4, "date": "2026-12-07"}
    assert list(entry)[:len(CORE)] == list(CORE)
    card = (tmp_path / "edsr-baseline_x2.md").read_text()
    assert f"SHA-256 `{entry['sha256']}`" in card and f"{len(data):,} bytes" in card
    assert json.loads((tmp_path / "edsr-baseline_x2.train.json").read_text()) == {"variant": "fast", "batch_size": 2}
    fresh = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    fresh.load_weights(str(tmp_path / "edsr-baseline_x2.weights.h5"))
    x = np.random.default_rng(0).uniform(0, 1, (1, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(fresh(x)), np.asarray(tiny(x)), atol=1e-6)


def test_float16_storage_several_scales_and_a_failing_card_writes_nothing(tiny, tmp_path):
    write_release(tiny, "tiny", {2: {"n": 2}, 3: {"n": 3}}, "# card\n", build={"multiscale": True},
                  figures={"tiny_crops.png": b"png"}, dest=tmp_path, float16=True)
    index = json.loads((tmp_path / INDEX_NAME).read_text())
    assert [index[k]["file"] for k in ("tiny_x2", "tiny_x3")] == ["tiny.weights.h5"] * 2  # one file, two entries
    assert index["tiny_x3"]["n"] == 3 and index["tiny_x2"]["build"] == {"multiscale": True}
    assert (tmp_path / "tiny_crops.png").read_bytes() == b"png" and (tmp_path / "tiny.md").read_text() == "# card\n"
    with h5py.File(tmp_path / "tiny.weights.h5") as h5:
        dtypes = set()
        h5.visititems(lambda n, o: dtypes.add(o.dtype) if isinstance(o, h5py.Dataset) else None)
    assert np.dtype("float16") in dtypes and np.dtype("float32") not in dtypes
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken_card(file):
        raise RuntimeError("card template bug")

    with pytest.raises(RuntimeError):
        write_release(tiny, "tiny", {2: {"n": 5}}, broken_card, stem="tiny", dest=tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing half-shipped


def test_the_shipped_index_is_what_write_release_writes_from_its_own_entries(tmp_path):
    """Every shipped file, card, recipe and index entry, written again from the index's own entries
    into a temporary folder: byte for byte the shipped ones (the SHA-256s in index.json included)."""
    if not weights.SHIPPED:
        pytest.skip("no shipped weights in this install")
    shipped_index = json.loads(weights.INDEX.read_text())
    groups = {}
    for key, entry in shipped_index.items():
        groups.setdefault(entry["file"], []).append((key, entry))
    for file, entries in groups.items():
        first = entries[0][1]
        train_config = first["train_config"] and json.loads((weights.WEIGHTS_DIR / first["train_config"]).read_text())
        write_release(weights.WEIGHTS_DIR / file, first["preset"],
                      {e["scale"]: {k: v for k, v in e.items() if k not in CORE} for _, e in entries},
                      (weights.WEIGHTS_DIR / first["card"]).read_text(), build=first["build"],
                      train_config=train_config,
                      training_form=first["training_form"] and weights.WEIGHTS_DIR / first["training_form"],
                      stem=file[:-len(".weights.h5")], dest=tmp_path)
    assert (tmp_path / INDEX_NAME).read_text() == weights.INDEX.read_text() == index_text(shipped_index)
    for path in tmp_path.iterdir():
        assert path.read_bytes() == (weights.WEIGHTS_DIR / path.name).read_bytes(), path.name
