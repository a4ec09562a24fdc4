"""Colour photos through grey restoration models (issue #25: ``keras-sr restore`` handles colour photos by
default): the opponent colour space, the grey model on each of its channels, the noise-level adaptation of
a denoiser trained at one sigma, per-image estimates, and the CLI options around them."""
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_sr.data.opponent import OPPONENT_NOISE, opponent_to_rgb, rgb_to_opponent
from keras_sr.inference import Predictor, upscale
from keras_sr.inference.colour_restore import colour_restorer
from keras_sr.inference.noise_adapt import NOISE_RANGE, adapted, check_noise_level, noise_adapted, strength_for

from test_noise_level import noisy, scene


def test_opponent_round_trip_noise_and_grey():
    rgb = np.random.default_rng(0).random((8, 9, 3))
    np.testing.assert_allclose(opponent_to_rgb(rgb_to_opponent(rgb)), rgb, atol=1e-12)
    grey = np.repeat(rgb[..., :1], 3, axis=-1)
    np.testing.assert_allclose(rgb_to_opponent(grey)[..., 1:], 0.5, atol=1e-12)
    np.testing.assert_allclose(rgb_to_opponent(grey)[..., 0], rgb[..., 0], atol=1e-12)
    noise = np.random.default_rng(1).normal(0, 1, (200000, 3))  # white noise of sigma 1 per channel
    measured = (rgb_to_opponent(noise) - rgb_to_opponent(np.zeros(3))).std(axis=0)
    np.testing.assert_allclose(measured, OPPONENT_NOISE, rtol=0.01)
    np.testing.assert_allclose(OPPONENT_NOISE, [1 / np.sqrt(3), 1, 1])


def smoothing():
    """A grey 'denoiser': 3x3 box filter with edge padding (a receptive field of 1)."""
    def run(x):
        p = np.pad(x, ((1, 1), (1, 1), (0, 0)), mode="edge")
        return sum(p[i:i + x.shape[0], j:j + x.shape[1]] for i in range(3) for j in range(3)) / 9.0
    return Predictor(run, "box", 1, 1)


def test_colour_restorer_runs_the_grey_model_on_each_opponent_channel():
    rgb = np.random.default_rng(2).random((12, 10, 3)).astype(np.float32)
    out = colour_restorer(smoothing())(rgb)
    opponent = rgb_to_opponent(rgb)
    expected = opponent_to_rgb(np.concatenate([smoothing()(opponent[..., k:k + 1].astype(np.float32))
                                               for k in range(3)], axis=-1))
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert colour_restorer(smoothing()).name == "box (opponent colour)"
    with pytest.raises(ValueError, match="grey restoration model"):
        colour_restorer(Predictor(lambda x: x, "rgb", 1, 3))


def test_a_grey_photo_stays_grey_and_equals_the_grey_model():
    grey = np.random.default_rng(3).integers(0, 256, (20, 24), dtype=np.uint8)
    out = upscale(colour_restorer(smoothing()), grey, border=None)
    assert out.shape == grey.shape and out.dtype == np.uint8
    direct = smoothing()(grey[..., None].astype(np.float32) / 255.0)[..., 0]
    assert np.abs(out.astype(float) - np.clip(np.floor(direct * 255 + 0.5), 0, 255)).max() <= 1


def test_adaptation_rescales_from_the_threshold_and_blends_below():
    seen = []

    def run(x):
        seen.append(float(np.ptp(x)))
        return np.full_like(x, 0.5)  # a model that flattens: its output shows how it was scaled back

    x = np.linspace(0.3, 0.7, 16, dtype=np.float32).reshape(4, 4, 1)
    out = adapted(run, x, 60.0, 30.0)  # k = 0.5: contrast halved going in
    assert seen[-1] == pytest.approx(0.2, rel=1e-5)
    np.testing.assert_allclose(out, 0.5)
    same = adapted(run, x, 30.0, 30.0)  # the model's own level: run as it is
    assert seen[-1] == pytest.approx(0.4, rel=1e-5) and np.allclose(same, 0.5)
    light = adapted(run, x, 5.0, 30.0)  # below SCALE_FROM: blend at the measured strength
    np.testing.assert_allclose(light, x + strength_for(5.0) * (0.5 - x), atol=1e-6)
    np.testing.assert_allclose(adapted(run, x, 0.0, 30.0), x)  # no noise: unchanged
    assert strength_for(5.0) == pytest.approx(0.2) and strength_for(40.0) == 1.0


def test_a_range_runs_as_is_inside_and_scales_into_it_outside():
    seen = []

    def run(x):
        seen.append(float(np.ptp(x)))
        return np.full_like(x, 0.5)

    x = np.linspace(0.3, 0.7, 16, dtype=np.float32).reshape(4, 4, 1)
    blind = (10.0, 40.0, "linear")
    adapted(run, x, 25.0, blind)
    assert seen[-1] == pytest.approx(0.4, rel=1e-5)  # inside: as it is
    adapted(run, x, 60.0, blind)
    assert seen[-1] == pytest.approx(0.4 * 40 / 60, rel=1e-5)  # heavier: shrunk to the top of the range
    adapted(run, x, 8.0, blind)
    assert seen[-1] == pytest.approx(0.4 * 10 / 8, rel=1e-5)  # lighter, above SCALE_FROM: stretched to 10
    np.testing.assert_allclose(adapted(run, x, 5.0, blind), x + 0.5 * (0.5 - x), atol=1e-6)  # 5 / 10 of the change
    with pytest.raises(ValueError, match="noise range"):
        adapted(run, x, 5.0, (40.0, 10.0, "linear"))


@pytest.mark.parametrize("bad", ["loud", -1, 300])
def test_noise_level_is_checked(bad):
    with pytest.raises(ValueError, match="--noise-level"):
        check_noise_level(bad)


def test_auto_estimates_per_image_and_tiles_give_the_whole_image():
    clean = scene(64, 72)
    image = noisy(clean, 18, seed=7)
    predict = noise_adapted(smoothing(), (30.0, 30.0, 'measured'), "auto", colour=True)
    assert "estimated per image" in predict.name
    chosen = predict.for_image(image)
    sigma = float(chosen.name.split("noise sigma ")[1].split()[0])
    assert sigma == pytest.approx(18, abs=1.5) and chosen.name.endswith("estimated)")
    whole = upscale(predict, image, border="symmetric")  # upscale calls for_image itself
    np.testing.assert_array_equal(whole, upscale(chosen, image, border="symmetric"))
    np.testing.assert_array_equal(whole, upscale(chosen, image, tile=24, overlap=4, border="symmetric"))
    from keras_sr.inference.strength import with_strength

    steered = with_strength(predict, 0.5)  # --strength on top keeps the per-image choice
    assert steered.for_image(image).name == chosen.name + " (strength 0.5)"
    given = noise_adapted(smoothing(), (30.0, 30.0, 'measured'), 18, colour=False)
    on_y = given.for_image(image)  # --chroma keep: the model sees Y, where RGB noise of 18 is 18 * 0.574
    assert on_y.channels == 1 and on_y.name == "box (noise sigma 10.3 on Y, given)"


def test_a_grey_photo_is_restored_as_grey_at_its_own_level():
    """Replicated to RGB, a grey photo's mean channel holds all its noise (not sigma / sqrt 3): it runs on Y."""
    grey = noisy(scene(64, 72)[..., 1], 20, seed=9)
    for level, how in (("auto", "estimated"), (20, "given")):
        chosen = noise_adapted(smoothing(), (30.0, 30.0, "measured"), level, colour=True).for_image(grey)
        assert chosen.channels == 1 and chosen.name.endswith(f"on Y, {how})")
        sigma = float(chosen.name.split("noise sigma ")[1].split()[0])
        assert sigma == pytest.approx(20 * 219 / 255, abs=1.5)  # Y = 16 + 219 g / 255
    out = upscale(noise_adapted(smoothing(), (30.0, 30.0, "measured"), 20), grey, border=None)
    assert out.shape == grey.shape and out.dtype == np.uint8


@pytest.fixture(scope="module")
def denoiser():
    from keras_sr.inference import load_predictor

    try:
        return load_predictor("rednet10-denoise", scale=1)
    except ValueError as e:
        pytest.skip(f"no shipped rednet10-denoise: {e}")


@pytest.mark.parametrize("sigma", [10, 25, 45])
def test_shipped_denoiser_on_colour_noise_beats_luma_only_and_the_fixed_level(denoiser, sigma):
    from keras_sr.data import psnr
    from skimage import data as skdata

    clean = skdata.astronaut()[100:228, 180:308]
    image = np.clip(np.round(clean + np.random.default_rng(sigma).normal(0, sigma, clean.shape)), 0, 255
                    ).astype(np.uint8)
    luma = psnr(upscale(denoiser, image, border="symmetric"), clean, shave=0)
    fixed = psnr(upscale(colour_restorer(denoiser), image, border="symmetric"), clean, shave=0)
    auto = psnr(upscale(noise_adapted(denoiser, NOISE_RANGE['rednet10-denoise'], "auto"), image, border="symmetric"), clean, shave=0)
    assert fixed > luma + 2.0  # chroma noise removed
    assert auto > fixed + (0.3 if sigma != 25 else -0.3)  # the level adapted (at 25: near the model's own)


def _run(args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "keras_sr.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def test_cli_restore_colour_by_default_keep_on_request_and_refusals(tmp_path, denoiser):
    from skimage import data as skdata

    clean = skdata.astronaut()[100:164, 180:260]
    Image.fromarray(noisy(clean.astype(np.float64), 15, seed=8)).save(tmp_path / "noisy.png")
    r = _run(["restore", "noisy.png", "-o", "colour.png"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "opponent colour, noise sigma" in r.stdout and "estimated" in r.stdout
    r = _run(["restore", "noisy.png", "-o", "luma.png", "--chroma", "keep", "--noise-level", "15"], tmp_path)
    assert r.returncode == 0, r.stderr
    colour = np.asarray(Image.open(tmp_path / "colour.png"), np.float64)
    luma = np.asarray(Image.open(tmp_path / "luma.png"), np.float64)
    from keras_sr.data.opponent import rgb_to_opponent as opp

    chroma_noise = lambda img: (opp(img / 255.0)[..., 1:] - opp(clean / 255.0)[..., 1:]).std()  # noqa: E731
    assert chroma_noise(colour) < 0.5 * chroma_noise(luma)  # 'keep' leaves the chroma noise; the default removes it
    for args, words in ((["--noise-level", "loud"], ["--noise-level", "'loud'"]),
                        (["--model", "rednet10-deblock", "--noise-level", "10"], ["--noise-level", "rednet10-deblock"])):
        r = _run(["restore", "noisy.png", "-o", "x.png", *args], tmp_path)
        assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
        assert all(w in r.stderr for w in words), r.stderr
        assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("sigma", [0, 5, 40])
def test_default_blind_denoiser_helps_light_noise_and_leaves_a_clean_photo_nearly_alone(sigma):
    """Run as it is, the blind model smooths light noise below the noisy photo's own PSNR (held-out sigma 5:
    33.4 vs 34.3 dB); with the estimated level and its range (5-40) it must not."""
    from keras_sr.data import psnr
    from keras_sr.inference import load_predictor
    from skimage import data as skdata

    try:
        blind = load_predictor("rednet10-denoise-blind", scale=1)
    except ValueError as e:
        pytest.skip(f"no shipped rednet10-denoise-blind: {e}")
    clean = skdata.astronaut()[100:228, 180:308]
    image = clean if sigma == 0 else np.clip(np.round(
        clean + np.random.default_rng(sigma).normal(0, sigma, clean.shape)), 0, 255).astype(np.uint8)
    out = upscale(noise_adapted(blind, NOISE_RANGE["rednet10-denoise-blind"], "auto"), image, border="symmetric")
    before, after = psnr(image, clean, shave=0), psnr(out, clean, shave=0)
    if sigma == 0:
        assert after > 45  # a clean photo: changed by well under a grey level on average
    else:
        assert after > before + (2.0 if sigma == 5 else 10.0)
