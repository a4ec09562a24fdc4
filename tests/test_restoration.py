"""Scale-1 restoration (RED-Net denoising / JPEG deblocking, Mao et al. NIPS 2016): the
models, training on degraded pairs, evaluation with the degraded-input and BM3D baselines in
the same run, the `restore` verb, `--degradation` on every verb, and the shipped weights."""

import json

import numpy as np
import pytest
from PIL import Image

from conftest import shared_path
from keras_sr import data, models, presets, training
from keras_sr import weights as shipped
from keras_sr.cli import main
from keras_sr.evaluation import evaluate
from keras_sr.layers import BicubicUpsample

TINY = {"model_overrides": {"num_layers": 2, "filters": 4}, "batch_size": 2, "patch_size": 16}


def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def rednet_params(num_layers, filters, channels):
    conv = lambda cin, cout: 9 * cin * cout + cout  # noqa: E731
    return conv(channels, filters) + (2 * num_layers - 2) * conv(filters, filters) + conv(filters, channels)


@pytest.fixture
def photos(tmp_path):
    from skimage import data as skdata

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(skdata.astronaut()[100:148, 180:236]).save(folder / "a.png")
    Image.fromarray(skdata.coffee()[120:168, 200:248]).save(folder / "b.png")
    return folder


@pytest.mark.parametrize("name,num_layers,filters", [("rednet10", 5, 64), ("rednet20", 10, 64), ("rednet30", 15, 64),
                                                     ("rednet10-denoise", 5, 32), ("rednet10-denoise-blind", 5, 32),
                                                     ("rednet10-deblock", 5, 32)])
def test_scale1_rednet_parameter_counts_and_no_resize(name, num_layers, filters):
    model = models.build(name, scale=1)
    assert trainable_count(model) == rednet_params(num_layers, filters, 1)
    assert not any(isinstance(layer, BicubicUpsample) for layer in model.layers)
    assert model.output_shape == (None, None, None, 1)
    rgb = models.build(name, scale=1, channels=3)
    assert trainable_count(rgb) == rednet_params(num_layers, filters, 3)
    assert rednet_params(15, 64, 1) == 1_035_201  # RED30, SPECS §3.1 (the SR model's count, no resize weights)


def test_restoration_presets_are_scale_1_with_their_degradation():
    assert models.supported_scales("rednet10-denoise") == (1,)
    assert models.get_preset("rednet10-denoise")["degradation"] == "noise:30"
    assert models.get_preset("rednet10-deblock")["degradation"] == "jpeg:10-40"
    assert models.build("rednet10-deblock").name == "rednet10_deblock_x1"  # the one scale, no scale= needed
    with pytest.raises(ValueError, match="does not support scale 2"):
        models.build("rednet10-denoise", scale=2)


def test_output_is_net_plus_input():
    model = models.build("rednet10", scale=1, filters=4)
    last = model.get_layer("deconv5")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])  # net(x) = 0
    x = np.random.default_rng(0).uniform(0, 1, (1, 20, 24, 1)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)), x, atol=1e-6)


def test_train_scale1_denoiser_on_noisy_pairs(photos, tmp_path):
    result = training.train("rednet10", 1, str(photos), str(photos), steps=2, steps_per_epoch=2, out=tmp_path / "run",
                            verbose=0, degradation="noise:30", pictures=0, tensorboard=False, **TINY)
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["recipe"]["degradation"] == "noise:30" and config["scale"] == 1
    # the baseline is the noisy input: sigma 30 gives about 18.6 dB (a little more after clipping)
    assert 18.3 < result["bicubic_psnr"] < 19.8
    assert "the degraded input" in training.summary_line(result, "rednet10", 1)


def test_train_takes_the_preset_degradation_and_refuses_x1_without_one(photos, tmp_path):
    run = tmp_path / "deblock"
    training.train("rednet10-deblock", 1, str(photos), steps=1, out=run, verbose=0, pictures=0, tensorboard=False,
                   **TINY)
    assert json.loads((run / "config.json").read_text())["recipe"]["degradation"] == "jpeg:10-40"
    with pytest.raises(ValueError, match="give the degradation"):
        training.train("rednet10", 1, str(photos), steps=1, out=tmp_path / "x", verbose=0, **TINY)
    with pytest.raises(ValueError, match="no 'bicubic' step"):
        training.train("rednet10", 2, str(photos), steps=1, out=tmp_path / "y", verbose=0, degradation="noise:5",
                       **TINY)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_eval_denoising_has_input_and_bm3d_baselines(photos):
    pytest.importorskip("bm3d")
    model = models.build("rednet10", scale=1, filters=4)
    result = evaluate(model, str(photos), 1, degradation="noise:30", seed=3, bm3d=True)
    d = result["datasets"][0]
    assert result["shave"] == 0 and result["baseline"] == "input" and result["bm3d"] == "ran"
    hr = data.y_levels(data.read_image(photos / "a.png"))
    noisy = data.degrade(hr, "noise:30", seed=3)  # image 0 uses the seed itself
    a = d["per_image"][0]
    assert a["psnr_bicubic"] == pytest.approx(data.psnr(noisy, hr, 1, 0))
    assert d["psnr_bm3d"] > d["psnr_bicubic"] + 5  # BM3D removes most of the noise


def test_eval_sr_with_realistic_degradation_and_rgb_jpeg(photos):
    result = evaluate("bicubic", str(photos), 2, degradation="bicubic+jpeg:30")
    plain = evaluate("bicubic", str(photos), 2)
    assert result["baseline"] == "bicubic" and result["bm3d"] == "not applicable"
    assert result["datasets"][0]["psnr"] < plain["datasets"][0]["psnr"] - 0.3  # JPEG costs PSNR
    assert result["datasets"][0]["psnr"] == pytest.approx(result["datasets"][0]["psnr_bicubic"])


def test_cli_eval_restore_and_errors(photos, tmp_path, capsys):
    model = models.build("rednet10", scale=1, filters=4)
    path = tmp_path / "den.keras"
    model.save(path)
    assert main(["eval", "--model", str(path), "--scale", "1", "--degradation", "jpeg:10", "--data",
                 str(photos)]) == 0
    out = capsys.readouterr().out
    assert "input degraded by jpeg:10" in out and "degraded input" in out and "shave 0" in out
    assert main(["eval", "--model", str(path), "--scale", "1", "--degradation", "jpeg:500", "--data",
                 str(photos)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'jpeg:500'" in err
    assert main(["eval", "--model", str(path), "--scale", "1", "--data", str(photos)]) == 2
    assert "--degradation" in capsys.readouterr().err
    out_png = tmp_path / "out" / "a.png"
    assert main(["restore", str(photos / "a.png"), "-o", str(out_png), "--model", str(path), "--compare"]) == 0
    assert data.read_image(out_png).shape == data.read_image(photos / "a.png").shape
    assert "input | den.keras" in capsys.readouterr().out
    assert main(["restore", str(photos / "a.png"), "-o", str(tmp_path / "b.png"), "--model", "edsr-baseline"]) == 2
    assert "SR model" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()


def test_cli_train_degradation_flag(photos, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "--model", "rednet10", "--scale", "1", "--degradation", "blur:1.2", "--data", str(photos),
            "--steps", "1", "--set", 'model_overrides={"num_layers": 2, "filters": 4}', "--batch-size", "2",
            "--patch-size", "16", "--quiet", "--out", str(run)]
    assert main(args) == 0
    assert json.loads((run / "config.json").read_text())["recipe"]["degradation"] == "blur:1.2"
    bad = args[:-1] + [str(tmp_path / "run2")]
    bad[bad.index("blur:1.2")] = "blur"
    assert main(bad) == 2
    assert "'blur' needs a value" in capsys.readouterr().err


def _shipped_restoration():
    return [pytest.param(n, id=n) for n, s in shipped.shipped() if s == 1]


@pytest.mark.parametrize("name", _shipped_restoration())
def test_shipped_restoration_weights_beat_their_input_on_a_photo(name):
    """The shipped files load by default and restore a photo no run trained on (coffee)."""
    from skimage import data as skdata

    from keras_sr.inference import load_predictor

    hr = data.y_levels(skdata.coffee()[:160, :200])
    op, levels = models.get_preset(name)["degradation"].split(":")
    low, _, high = levels.partition("-")
    spec = f"{op}:{(high or low) if op == 'noise' else low}"  # the range's hardest level (most noise, lowest quality)
    degraded = data.degrade(hr, spec, seed=0)
    restored = load_predictor(name, scale=1, weights="default")(degraded.astype("float32") / 255.0)
    gain = data.psnr(restored, hr, 1, 0) - data.psnr(degraded, hr, 1, 0)
    assert gain > 0.5, f"{name}: {gain:+.2f} dB over the {spec} input"


@pytest.mark.parametrize("name", _shipped_restoration())
def test_shipped_restoration_weights_reproduce_their_card_on_set5(name):
    set5 = shared_path("data", "Set5", "HR")
    entry = shipped.entry(name, 1)
    model = presets.from_preset(name, scale=1, weights="default")
    result = evaluate(model, str(set5), 1, degradation=entry["degradation"], bm3d=False)["datasets"][0]
    assert result["psnr"] == pytest.approx(entry["set5"]["psnr"], abs=0.005)
    assert result["psnr_bicubic"] == pytest.approx(entry["set5"]["input_psnr"], abs=0.005)


def test_export_scale1_to_tflite_passes_the_gpu_check(tmp_path, capsys):
    assert main(["export", "--model", "rednet10-denoise", "--formats", "fp32", "--input-size", "40x32",
                 "--weights", "none", "--set", "filters=4", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "rednet10_denoise_x1_fp32_40x32.tflite" in out and ": ready" in out
    meta = json.loads((tmp_path / "rednet10_denoise_x1_fp32_40x32.json").read_text())
    assert meta["input"]["shape"] == meta["output"]["shape"] == [1, 32, 40, 1]


@pytest.mark.skipif(("rednet10-denoise-blind", 1) not in shipped.SHIPPED, reason="no shipped blind denoiser")
def test_restore_verb_uses_the_shipped_denoiser_by_default(tmp_path, capsys):
    from skimage import data as skdata

    clean = skdata.coffee()[100:164, 200:280]
    noisy = data.degrade(clean, "noise:30", seed=1)
    data.write_image(str(tmp_path / "noisy.png"), noisy)
    assert main(["restore", str(tmp_path / "noisy.png"), "-o", str(tmp_path / "clean.png")]) == 0
    assert "rednet10-denoise-blind (opponent colour, noise sigma" in capsys.readouterr().out
    restored = data.read_image(tmp_path / "clean.png")
    assert data.psnr(restored, clean, 1, 0) > data.psnr(noisy, clean, 1, 0) + 6  # RGB: the colour noise goes too
    assert presets.from_preset("rednet10-denoise-blind", weights="default").name == "rednet10_denoise_blind_x1"


@pytest.mark.skipif(not _shipped_restoration(), reason="no shipped restoration weights")
def test_models_shipped_lists_restoration_weights_with_their_baselines(capsys):
    assert main(["models", "--shipped"]) == 0
    out = capsys.readouterr().out
    for name in (p.values[0] for p in _shipped_restoration()):
        line = next(line for line in out.splitlines() if line.strip().startswith(f"{name} x1"))
        assert "input" in line and "shave 0" in line, line
