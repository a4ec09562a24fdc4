"""Shipped weights (``weights="default"``), warm starts, and ``keras-sr upscale`` defaults."""

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from keras_sr import models, presets, weights
from keras_sr.cli import main
from keras_sr.data import read_image
from keras_sr.training import train
from keras_sr.training.warm_start import warm_start

TINY_RT4KSR = {"num_feats": 8, "num_blocks": 1}


def _lr(seed=0, h=16, w=20):
    return np.random.default_rng(seed).uniform(0, 1, (1, h, w, 3)).astype("float32")


@pytest.fixture
def shipped_dir(tmp_path, monkeypatch):
    """A weights folder holding one tiny deploy-form RT4KSR x2, installed as the shipped set."""
    from keras_sr.models.rt4ksr import reparameterize

    trained = models.build("rt4ksr", scale=2, **TINY_RT4KSR)
    for w in trained.weights:  # non-trivial weights, so that a fresh build differs
        if w.trainable:
            w.assign(np.random.default_rng(1).normal(0, 0.1, w.shape).astype("float32"))
    deploy = reparameterize(trained)
    path = tmp_path / "rt4ksr_x2.weights.h5"
    deploy.save_weights(path)
    (tmp_path / "rt4ksr_x2.md").write_text("# card\n")
    entry = {"preset": "rt4ksr", "scale": 2, "file": path.name, "build": {"deploy": True, **TINY_RT4KSR},
             "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "card": "rt4ksr_x2.md", "steps": 1234,
             "set5": {"psnr": 35.5, "ssim": 0.95, "bicubic_psnr": 33.67, "bicubic_ssim": 0.93}}
    (tmp_path / "index.json").write_text(json.dumps({"rt4ksr_x2": entry}))
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    monkeypatch.setattr(weights, "INDEX", tmp_path / "index.json")
    monkeypatch.setattr(weights, "SHIPPED", weights._read_index())
    return tmp_path, deploy


def test_build_with_default_weights_loads_the_shipped_file(shipped_dir):
    folder, deploy = shipped_dir
    model = presets.from_preset("rt4ksr", scale=2, weights="default")
    assert weights.shipped() == [("rt4ksr", 2)]
    assert weights.model_card("rt4ksr", 2) == "# card\n"
    np.testing.assert_array_equal(np.asarray(model(_lr())), np.asarray(deploy(_lr())))
    fresh = models.build("rt4ksr", scale=2, deploy=True, **TINY_RT4KSR)
    assert not np.allclose(np.asarray(fresh(_lr())), np.asarray(deploy(_lr())))
    with pytest.raises(ValueError, match="need deploy=True"):
        presets.from_preset("rt4ksr", scale=2, weights="default", deploy=False)
    with pytest.raises(ValueError, match=r"ships no weights for 'rt4ksr' x3; shipped: rt4ksr x2"):
        presets.from_preset("rt4ksr", scale=3, weights="default")
    # a damaged file is refused by name, not loaded
    path = folder / "rt4ksr_x2.weights.h5"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ValueError, match="rt4ksr_x2.weights.h5 is damaged"):
        presets.from_preset("rt4ksr", scale=2, weights="default")


def test_build_with_a_weights_file(tmp_path):
    source = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    source.save_weights(tmp_path / "e.weights.h5")
    model = presets.from_preset("edsr-baseline", scale=2, num_blocks=1, filters=8, weights=tmp_path / "e.weights.h5")
    np.testing.assert_array_equal(np.asarray(model(_lr())), np.asarray(source(_lr())))
    with pytest.raises(ValueError, match="e.weights.h5 does not fit"):
        presets.from_preset("edsr-baseline", scale=2, num_blocks=2, filters=8, weights=tmp_path / "e.weights.h5")
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        presets.from_preset("edsr-baseline", scale=2, weights=tmp_path / "missing.weights.h5")


def test_warm_start_copies_the_body_of_another_scale(tmp_path):
    x2 = models.build("rt4ksr", scale=2, **TINY_RT4KSR)
    for w in x2.weights:
        w.assign(np.random.default_rng(2).normal(0, 0.1, w.shape).astype("float32"))
    x2.save(tmp_path / "x2.keras")
    x4 = models.build("rt4ksr", scale=4, **TINY_RT4KSR)
    fresh_up = [w.numpy() for w in x4.get_layer("upsample_conv").weights]
    done = warm_start(x4, tmp_path / "x2.keras")
    assert done["kept"] == ["upsample_conv"]  # 3·(2·4)² output channels: another shape
    assert "head" in done["copied"] and "tail_conv" in done["copied"]
    np.testing.assert_array_equal(x4.get_layer("head").weights[0].numpy(), x2.get_layer("head").weights[0].numpy())
    for before, after in zip(fresh_up, x4.get_layer("upsample_conv").weights):
        np.testing.assert_array_equal(before, after.numpy())
    with pytest.raises(ValueError, match="no layer of"):
        warm_start(models.build("srcnn", scale=2), tmp_path / "x2.keras")
    with pytest.raises(FileNotFoundError, match="nope.keras"):
        warm_start(x4, tmp_path / "nope.keras")


def test_warm_start_loads_a_users_weights_file_into_a_compiled_model(tmp_path):
    """``--init-weights my.weights.h5`` (not a shipped file): the trainer's model is compiled,
    and Keras would look for optimizer state in the file and refuse; every weight is copied."""
    import keras

    source = models.build("srcnn", scale=2)
    source.save_weights(str(tmp_path / "mine.weights.h5"))
    target = models.build("srcnn", scale=2)
    target.compile(optimizer=keras.optimizers.Adam(), loss="mae")
    target.optimizer.build(target.trainable_variables)
    done = warm_start(target, tmp_path / "mine.weights.h5")
    assert done["kept"] == [] and done["copied"]
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_warm_start_from_shipped_weights_of_another_scale(shipped_dir, monkeypatch):
    """A shipped .weights.h5 of x2 starts a x4 model: its preset and scale come from the index."""
    folder, _ = shipped_dir
    tiny = {"num_blocks": 1, "filters": 8}
    x2 = models.build("edsr-baseline", scale=2, **tiny)
    for w in x2.weights:
        w.assign(np.random.default_rng(3).normal(0, 0.1, w.shape).astype("float32"))
    x2.save_weights(folder / "edsr-baseline_x2.weights.h5")
    index = json.loads((folder / "index.json").read_text())
    index["edsr-baseline_x2"] = {"preset": "edsr-baseline", "scale": 2, "file": "edsr-baseline_x2.weights.h5",
                                 "build": tiny, "card": "rt4ksr_x2.md", "sha256": hashlib.sha256(
                                     (folder / "edsr-baseline_x2.weights.h5").read_bytes()).hexdigest()}
    (folder / "index.json").write_text(json.dumps(index))
    monkeypatch.setattr(weights, "SHIPPED", weights._read_index())
    x4 = models.build("edsr-baseline", scale=4, **tiny)
    fresh_up = [w.numpy() for w in x4.get_layer("upsample").weights]
    done = warm_start(x4, folder / "edsr-baseline_x2.weights.h5")
    assert done == {"copied": ["head", "body", "tail"], "kept": ["upsample"]}
    for name in ("head", "body", "tail"):
        for a, b in zip(x4.get_layer(name).weights, x2.get_layer(name).weights):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    for before, after in zip(fresh_up, x4.get_layer("upsample").weights):
        np.testing.assert_array_equal(before, after.numpy())
    # the deploy form cannot be trained: the error points at the training form
    with pytest.raises(ValueError, match="deploy form of the shipped rt4ksr x2.*training form"):
        warm_start(models.build("rt4ksr", scale=4, **TINY_RT4KSR), folder / "rt4ksr_x2.weights.h5")


def test_train_init_weights_starts_from_the_given_model(tmp_path):
    from skimage import data as skdata

    from keras_sr.data import write_image

    hr = tmp_path / "hr"
    hr.mkdir()
    write_image(str(hr / "a.png"), skdata.astronaut()[100:196, 100:196])
    tiny = {"model_overrides": TINY_RT4KSR, "batch_size": 2, "hr_patch_size": 24}
    first = train("rt4ksr", 2, str(hr), steps=3, out=tmp_path / "x2", config=tiny, verbose=0)
    second = train("rt4ksr", 3, str(hr), steps=1, out=tmp_path / "x3", config=tiny, verbose=0, learning_rate=1e-12,
                   init_weights=first["final_model"])
    import keras

    a = keras.saving.load_model(first["final_model"])
    b = keras.saving.load_model(second["final_model"])
    # one update at lr 1e-12 leaves the copied body as it was
    np.testing.assert_allclose(b.get_layer("head").weights[0].numpy(), a.get_layer("head").weights[0].numpy(),
                               atol=1e-6)
    saved = json.loads((tmp_path / "x3" / "config.json").read_text())
    assert saved["init_weights"] == first["final_model"]


def test_upscale_sample_with_comparison_and_shipped_weights(shipped_dir, tmp_path, capsys):
    out = tmp_path / "new" / "chelsea_x2.png"  # the folder is created
    assert main(["upscale", "--sample", "chelsea", "-o", str(out), "--compare", "--model", "rt4ksr", "--scale", "2"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out} (902x600, rt4ksr x2)" in printed
    compare = tmp_path / "new" / "chelsea_x2_compare.png"
    assert f"wrote {compare} (bicubic | rt4ksr)" in printed
    with Image.open(compare) as img:
        assert img.width > 2 * 192 * 2 and img.height > 192 * 2  # two 2x-zoomed 192 px crops + captions
    # a preset without --weights runs the shipped file: same pixels as building it by hand
    from skimage import data as skdata

    from keras_sr.inference import load_predictor

    predict = load_predictor("rt4ksr", scale=2, weights="default")  # pads 451 px to even, crops back
    lr = skdata.chelsea().astype("float32") / 255.0
    expected = np.clip(np.floor(predict(lr) * 255 + 0.5), 0, 255)
    # upscale mirrors the border by the receptive field (14 LR px = 28 SR px, tests/test_borders.py):
    # only that band differs from the plain model output
    inside = (slice(28, -28), slice(28, -28))
    np.testing.assert_allclose(read_image(out)[inside], expected[inside], atol=1)


def test_upscale_refuses_an_untrained_preset_unless_asked(tmp_path, capsys):
    assert main(["upscale", "--sample", "coffee", "-o", str(tmp_path / "c.png"),
                 "--model", "edsr", "--scale", "2"]) == 2
    err = capsys.readouterr().err
    assert "edsr x2 has no shipped weights" in err and "--weights" in err
    assert not (tmp_path / "c.png").exists()
    assert main(["upscale", "-o", str(tmp_path / "c.png")]) == 2
    assert "no input" in capsys.readouterr().err
    assert main(["upscale", "--sample", "coffee", "-o", str(tmp_path / "c.png"), "--model", "srcnn",
                 "--scale", "2", "--weights", "none"]) == 0
    assert read_image(tmp_path / "c.png").shape == (800, 1200, 3)


def test_models_lists_shipped_weights_and_export_takes_them(shipped_dir, tmp_path, capsys):
    assert main(["models", "--shipped"]) == 0
    out = capsys.readouterr().out
    assert "rt4ksr x2: 35.50 dB / 0.9500 (bicubic 33.67 dB), 1,234 steps" in out
    assert main(["export", "--model", "rt4ksr", "--scale", "2", "--weights", "default", "--formats", "fp16",
                 "--input-size", "64x48", "--parity-images", "1", "--out", str(tmp_path / "exp")]) == 0
    meta = json.loads(next((tmp_path / "exp").glob("*fp16*.json")).read_text())
    assert meta["input"]["shape"] == [1, 48, 64, 3]


def _shipped_params():
    # SR weights; the scale-1 restoration weights have their own checks (tests/test_restoration.py)
    return [pytest.param(name, scale, id=f"{name}_x{scale}") for name, scale in weights.shipped() if scale > 1]


@pytest.mark.parametrize("name,scale", _shipped_params())
def test_shipped_weights_beat_bicubic_on_a_photo(name, scale):
    """The real shipped files: they load, and beat MATLAB bicubic on a photo no run trained on."""
    from skimage import data as skdata

    from keras_sr.evaluation import evaluate_image
    from keras_sr.inference import load_predictor

    # coffee is in neither T91 nor BSD200; the benchmark protocol (Y, shave = scale), Y models too
    result = evaluate_image(load_predictor(name, scale=scale, weights="default"), skdata.coffee(), scale)
    gain = result["psnr"] - result["psnr_bicubic"]
    # SRGAN trades PSNR for texture (the issue exempts it from the bicubic margins)
    assert gain > (0.0 if name == "srgan" else 0.3), f"{name} x{scale}: {gain:+.2f} dB over bicubic"


@pytest.mark.parametrize("name,scale", _shipped_params())
def test_shipped_weights_reproduce_their_card_on_set5(name, scale):
    import keras_sr
    from conftest import shared_path

    set5 = shared_path("data", "Set5", "HR")
    model = keras_sr.from_preset(name, scale=scale, weights="default")
    result = keras_sr.evaluate(model, str(set5), scale)["datasets"][0]
    card = weights.entry(name, scale)["set5"]
    assert result["psnr"] == pytest.approx(card["psnr"], abs=0.005)
    assert result["ssim"] == pytest.approx(card["ssim"], abs=0.0005)


needs_srgan = pytest.mark.skipif(not {("srgan", 4), ("srresnet", 4)} <= set(weights.shipped()),
                                 reason="SRGAN and SRResNet x4 weights are not both shipped")


@needs_srgan
def test_shipped_srgan_has_texture_closer_to_hr_than_srresnet():
    """SRGAN's card: per Set5 image, var(Laplacian) of the output over HR's is nearer 1 for SRGAN."""
    import keras_sr
    from conftest import shared_path
    from keras_sr.data import list_image_files, matlab_imresize, modcrop, read_image, texture_ratio
    from keras_sr.inference import load_predictor

    set5 = shared_path("data", "Set5", "HR")
    predict = {n: load_predictor(n, scale=4, weights="default") for n in ("srresnet", "srgan")}
    for path in list_image_files(str(set5)):
        hr = modcrop(read_image(path), 4)
        lr = matlab_imresize(hr, 0.25).astype("float32") / 255.0
        ratio = {n: texture_ratio(p(lr), hr, scale=4) for n, p in predict.items()}
        assert abs(np.log(ratio["srgan"])) < abs(np.log(ratio["srresnet"])), f"{path}: {ratio}"
    assert keras_sr.weights.entry("srgan", 4)["set5"]["psnr"] > keras_sr.weights.entry("srgan", 4)["set5"][
        "bicubic_psnr"]


@needs_srgan
def test_upscale_with_srgan_works_out_of_the_box(tmp_path, capsys):
    from skimage import data as skdata

    from keras_sr.data import write_image

    write_image(str(tmp_path / "cat.png"), skdata.chelsea()[100:140, 200:248])
    out = tmp_path / "cat_x4.png"
    assert main(["upscale", str(tmp_path / "cat.png"), "-o", str(out), "--model", "srgan", "--scale", "4"]) == 0
    assert "srgan x4" in capsys.readouterr().out
    assert read_image(out).shape == (160, 192, 3)


def test_texture_ratio_is_one_for_hr_and_below_one_for_a_blur():
    from skimage import data as skdata

    from keras_sr.data import matlab_imresize, texture_ratio

    hr = skdata.astronaut()[:128, :128]
    assert texture_ratio(hr, hr, scale=4) == pytest.approx(1.0)
    blurred = matlab_imresize(matlab_imresize(hr, 0.25), 4.0)
    assert 0 < texture_ratio(blurred, hr, scale=4) < 0.5
    noisy = np.clip(hr + np.random.default_rng(0).normal(0, 20, hr.shape), 0, 255).astype("uint8")
    assert texture_ratio(noisy, hr, scale=4) > 1.0


@pytest.mark.skipif(("mdsr-baseline", 3) not in set(weights.shipped()), reason="MDSR-baseline weights not shipped")
def test_mdsr_ships_one_file_for_three_scales_and_warm_starts_every_branch():
    """One multi-output file: each scale's build is that branch of it; --init-weights copies every layer."""
    import keras_sr
    from keras_sr.models.mdsr import scale_model
    from keras_sr.training.warm_start import warm_start

    files = {weights.entry("mdsr-baseline", s)["file"] for s in (2, 3, 4)}
    assert len(files) == 1
    path = weights.weights_path("mdsr-baseline", 3)
    full = keras_sr.models.build("mdsr-baseline")
    full.load_weights(str(path))
    lr = np.random.default_rng(0).uniform(0, 1, (1, 12, 16, 3)).astype("float32")
    for s in (2, 3, 4):
        view = keras_sr.from_preset("mdsr-baseline", scale=s, weights="default")
        np.testing.assert_allclose(np.asarray(view(lr)), np.asarray(scale_model(full, s)(lr)), atol=1e-6)
    every = keras_sr.from_preset("mdsr-baseline")  # no scale: the one file as the model with every output
    for got, want in zip(every(lr), full(lr)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), atol=1e-6)
    fresh = keras_sr.models.build("mdsr-baseline")
    result = warm_start(fresh, str(path))
    assert result["kept"] == []
    np.testing.assert_allclose(np.asarray(scale_model(fresh, 4)(lr)), np.asarray(scale_model(full, 4)(lr)), atol=1e-6)
