"""``keras-sr restore --strength``: keep a share of a restoration model's change (issue #25: steer
the restoration). Exact blend, the same through tiles, refused for SR models and out of range."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_sr.inference import Predictor, upscale
from keras_sr.inference.strength import check_strength, with_strength


def assert_mean_where_not_clipped(half, image, full):
    """``half`` is (image + full) / 2 within rounding wherever no output channel was clipped to 0 or 255
    (a Y model's output is clipped in RGB after Y is blended, so a clipped pixel moves the mean)."""
    inside = np.all((full > 0) & (full < 255) & (half > 0) & (half < 255), axis=-1)
    assert inside.mean() > 0.8
    assert np.abs(half - (np.asarray(image, np.float64) + full) / 2)[inside].max() <= 1.0


def darkening(channels=1):
    return Predictor(lambda x: x * 0.5, "half", 1, channels)


def test_strength_blends_the_change_and_one_is_the_model_itself():
    image = np.random.default_rng(0).random((9, 7, 1)).astype(np.float32)
    model = darkening()
    assert with_strength(model, 1.0) is model
    steered = with_strength(model, 0.25)
    np.testing.assert_allclose(steered(image), image - 0.25 * 0.5 * image, atol=1e-7)
    assert steered.name == "half (strength 0.25)" and steered.scale == 1


@pytest.mark.parametrize("bad", [0, -0.5, 1.01, "lots", None])
def test_strength_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="--strength"):
        check_strength(bad)


def test_strength_is_for_restoration_models_only():
    from keras_sr.inference import bicubic_predictor

    with pytest.raises(ValueError, match="restoration models"):
        with_strength(bicubic_predictor(2), 0.5)


def test_tiles_and_borders_give_the_whole_image_blend():
    from keras_sr.inference import load_predictor

    predict = load_predictor("rednet10-denoise", scale=1, weights="none")
    image = np.random.default_rng(1).integers(40, 216, (40, 36, 3), dtype=np.uint8)
    full = upscale(predict, image).astype(np.float64)
    half = upscale(with_strength(predict, 0.5), image, tile=16)
    # Y is blended, Cb/Cr kept: the RGB result is the mean of input and full output within rounding
    assert_mean_where_not_clipped(half, image, full)


def test_cli_restore_with_strength_writes_the_blend(tmp_path):
    rng = np.random.default_rng(2)
    clean = np.tile(np.linspace(40, 200, 48), (40, 1))
    noisy = np.clip(clean[..., None] + rng.normal(0, 30, (40, 48, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(tmp_path / "noisy.png")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    for out, extra in (("full.png", []), ("half.png", ["--strength", "0.5"])):
        r = subprocess.run([sys.executable, "-m", "keras_sr.cli", "restore", "noisy.png", "-o", out, *extra],
                           cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env)
        assert r.returncode == 0, r.stderr
    full = np.asarray(Image.open(tmp_path / "full.png"), np.float64)
    half = np.asarray(Image.open(tmp_path / "half.png"), np.float64)
    assert "strength 0.5" in r.stdout
    assert_mean_where_not_clipped(half, noisy, full)
    assert np.abs(full - noisy).mean() > 5  # the model changed the image: the blend is not trivial
