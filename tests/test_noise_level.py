"""The noise-level estimate (Chen et al., ICCV 2015) behind ``keras-sr restore --noise-level auto``:
measured sigma of generated noise on generated images, grey and colour, and its refusals."""
import numpy as np
import pytest

from keras_sr.data.noise_level import estimate_image_noise_sigma, estimate_noise_sigma


def scene(h=96, w=128, seed=0):
    """A smooth colour picture with a few edges (uint8-range float)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    rgb = np.stack([60 + 120 * xx, 80 + 100 * yy, 150 - 80 * xx * yy], axis=-1)
    for _ in range(4):
        t, l = rng.integers(0, h - 20), rng.integers(0, w - 30)
        rgb[t:t + 20, l:l + 30] += rng.uniform(-40, 40, 3)
    return rgb


def noisy(clean, sigma, seed=1, dtype=np.uint8):
    out = clean + np.random.default_rng(seed).normal(0, sigma, clean.shape)
    return np.clip(np.round(out), 0, 255).astype(dtype)


@pytest.mark.parametrize("sigma", [3, 10, 25])
def test_grey_estimate_finds_the_sigma_of_added_noise(sigma):
    grey = scene()[..., 1]
    estimate = estimate_noise_sigma(noisy(grey, sigma))
    assert estimate == pytest.approx(sigma, rel=0.12, abs=0.6)


@pytest.mark.parametrize("sigma", [2, 8, 20])
def test_colour_estimate_on_chroma_is_close_even_for_light_noise(sigma):
    estimate = estimate_image_noise_sigma(noisy(scene(), sigma, seed=2))
    assert estimate == pytest.approx(sigma, rel=0.1, abs=0.4)


def test_clean_image_estimates_near_zero_and_grey_in_rgb_is_measured_as_grey():
    clean = np.round(scene()).astype(np.uint8)
    assert estimate_image_noise_sigma(clean) < 1.0
    grey = noisy(scene()[..., 1], 12, seed=3)
    as_rgb = np.repeat(grey[..., None], 3, axis=-1)  # equal channels: no chroma to measure
    assert estimate_image_noise_sigma(as_rgb) == pytest.approx(estimate_noise_sigma(grey))
    assert estimate_image_noise_sigma(as_rgb, channel="y") == pytest.approx(estimate_noise_sigma(grey) * 219 / 255)


def test_dtypes_agree_and_the_estimate_is_seeded():
    image = noisy(scene()[..., 0], 10, seed=4)
    as_float = image.astype(np.float32) / 255.0
    as_16 = (image.astype(np.uint32) * 257).astype(np.uint16)
    a = estimate_noise_sigma(image, max_patches=2000, seed=5)
    assert estimate_noise_sigma(image, max_patches=2000, seed=5) == a
    assert estimate_noise_sigma(as_float, max_patches=2000, seed=5) == pytest.approx(a, rel=1e-5)
    assert estimate_noise_sigma(as_16, max_patches=2000, seed=5) == pytest.approx(a, rel=1e-5)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((5, 40), np.uint8), "smaller than the 7 px blocks"),
    (np.zeros((20, 20, 3), np.uint8), r"one channel"),
    (np.zeros((20, 20), np.int32), "uint8, uint16 or float"),
])
def test_bad_images_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        estimate_noise_sigma(bad)


def test_image_layouts():
    with pytest.raises(ValueError, match="channel must be"):
        estimate_image_noise_sigma(np.zeros((20, 20), np.uint8), channel="cb")
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        estimate_image_noise_sigma(np.zeros((20, 20, 5), np.uint8))
    rgba = np.concatenate([noisy(scene(), 6, seed=6), np.full((96, 128, 1), 255, np.uint8)], axis=-1)
    assert estimate_image_noise_sigma(rgba) == pytest.approx(estimate_image_noise_sigma(rgba[..., :3]))
