"""The realistic degradations ``real`` (Real-ESRGAN's second-order chain) and ``video``, and the
``@P`` probability of a step: kernels, measured noise and JPEG quality, seeding, tf.data, errors."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_sr.data import degrade, jpeg_numpy, matlab_imresize, parse_degradation
from keras_sr.data.realistic import REAL, Blur, Order, anisotropic_kernel, sinc_kernel


@pytest.fixture(scope="module")
def photo8():
    from skimage import data as skdata

    return skdata.astronaut()[100:196, 180:292]  # uint8 (96, 112, 3)


def _quality_of(img):
    """The JPEG quality an 8-bit image was saved at, measured: re-encoding a decoded JPEG at its
    own quality changes it least."""
    return min(range(20, 101), key=lambda q: np.abs(jpeg_numpy(img, q).astype(int) - img).mean())


@pytest.mark.parametrize("size", [7, 13, 21])
@pytest.mark.parametrize("shape,beta", [("gaussian", 1.0), ("generalized", 0.5), ("generalized", 4.0),
                                        ("plateau", 1.0), ("plateau", 2.0)])
def test_kernels_sum_to_one_with_the_asked_shape(size, shape, beta):
    k = anisotropic_kernel(size, 2.5, 0.8, theta=0.7, beta=beta, shape=shape)
    assert k.shape == (size, size)
    assert abs(k.sum() - 1) < 1e-12 and k.min() >= 0
    assert k[size // 2, size // 2] == k.max()  # peaked at the centre
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-15)  # point-symmetric
    s = sinc_kernel(size, math.pi / 3)
    assert s.shape == (size, size) and abs(s.sum() - 1) < 1e-12 and s.min() < 0  # ringing lobes


def test_gaussian_kernel_has_its_sigma_and_orientation():
    k = anisotropic_kernel(41, 3.0, 1.0, theta=math.pi / 2)  # long axis turned to the rows
    t = np.arange(41) - 20
    var_rows, var_cols = (k.sum(1) * t * t).sum(), (k.sum(0) * t * t).sum()
    assert abs(math.sqrt(var_rows) - 3.0) < 0.01 and abs(math.sqrt(var_cols) - 1.0) < 0.01


def test_drawn_kernels_follow_the_options():
    rng = np.random.default_rng(0)
    sizes = set()
    for _ in range(200):
        k = Blur().kernel(rng)
        assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1 and 7 <= k.shape[0] <= 21
        assert abs(k.sum() - 1) < 1e-9
        sizes.add(k.shape[0])
    assert sizes == set(range(7, 22, 2))
    with pytest.raises(ValueError, match="odd"):
        anisotropic_kernel(8, 1.0)


@pytest.mark.parametrize("gray", [False, True])
def test_real_noise_has_the_drawn_sigma(gray):
    from keras_sr.data.realistic import _noise

    order = Order(gaussian_prob=1.0, noise_sigma=(20.0, 20.0), gray_prob=1.0 if gray else 0.0)
    noise = _noise(np.full((256, 256, 3), 0.5), order, np.random.default_rng(1)) * 255
    assert abs(noise.std() - 20) < 0.4
    assert (np.ptp(noise, axis=-1).max() == 0) == gray  # grey: one field for the three channels
    poisson = Order(gaussian_prob=0.0, poisson_scale=(1.0, 1.0), gray_prob=0.0)
    shot = _noise(np.full((256, 256, 3), 0.5), poisson, np.random.default_rng(1)) * 255
    assert abs(shot.std() - math.sqrt(0.5 * 255)) < 0.3  # shot noise at 8-bit counts: sqrt(127.5)


def test_probability_step_is_drawn_per_image_with_its_odds():
    flat = np.full((64, 64, 1), 128, np.uint8)
    applied = [degrade(flat, "noise:10@0.3", seed=s).std() > 5 for s in range(200)]
    assert 0.2 < np.mean(applied) < 0.4
    for s in range(5):
        noisy = degrade(flat, "noise:10@0.3", seed=s)
        assert noisy.std() == 0 or abs(noisy.std() - 10) < 0.6


def test_video_expands_to_its_chain_and_measures_as_printed(photo8):
    chain = parse_degradation("video")
    assert chain.spec == "blur:0.2-0.7@0.2+bicubic+noise:1-4@0.2+jpeg:70-95@0.9"
    assert "JPEG" in chain.describe() and "probability 0.9" in chain.describe()
    clean = matlab_imresize(photo8, 0.5)
    qualities, kept = [], 0
    for s in range(12):
        lr = chain.apply(photo8, 2, seed=s)
        assert lr.shape == (48, 56, 3)
        if np.array_equal(lr, clean):
            kept += 1
        else:
            qualities.append(_quality_of(lr))
    assert kept < 4 and all(68 <= q <= 96 for q in qualities)


@pytest.mark.parametrize("quality", [30, 60, 90])
def test_measured_jpeg_quality_matches(photo8, quality):
    assert abs(_quality_of(degrade(photo8, f"bicubic+jpeg:{quality}", scale=2)) - quality) <= 2


def test_real_is_printed_in_full_and_makes_the_lr_size(photo8):
    text = parse_degradation("real").describe()
    for needle in ("7-21", "generalized_aniso 0.03", "0.15-1.5", "Poisson", "JPEG quality 30-95", "sinc",
                   "2nd order", "0.2-1.5"):
        assert needle in text, needle
    assert parse_degradation("Real").spec == "real"
    for scale in (2, 4):
        lr = degrade(photo8, "real", scale=scale, seed=3)
        assert lr.dtype == np.uint8 and lr.shape == (96 // scale, 112 // scale, 3)
    assert degrade(photo8[..., :1], "real", scale=2, seed=3).shape == (48, 56, 1)


def test_real_same_seed_same_image_other_seed_other_image(photo8):
    a, b, c = (degrade(photo8, "real", scale=2, seed=s) for s in (5, 5, 6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.abs(a.astype(int) - matlab_imresize(photo8, 0.5)).mean() > 2  # degraded, not just resized


@pytest.mark.parametrize("spec", ["real", "video"])
def test_tf_data_path_is_seeded_and_shaped(photo8, spec):
    chain = parse_degradation(spec)

    @tf.function
    def run(image, seed):
        return chain.apply_tf(image, seed, lr_shape=(48, 56))

    a, b, c = (run(tf.constant(photo8), tf.constant(s, tf.int64)).numpy() for s in ([1, 2], [1, 2], [3, 4]))
    assert a.shape == (48, 56, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) or spec == "video"  # video may keep two seeds clean
    ds = tf.data.Dataset.from_tensors(tf.constant(photo8)).repeat(3).enumerate().map(
        lambda i, img: chain.apply_tf(img, tf.stack([tf.constant(0, tf.int64), i]), lr_shape=(48, 56)))
    assert [x.shape for x in ds.as_numpy_iterator()] == [(48, 56, 3)] * 3


@pytest.mark.parametrize("spec", ["real:2", "real@0.5", "video+bicubic", "real+video", "jpeg:90@1.5", "jpeg:90@",
                                  "noise:5@half", "bicubic@0.9", "reel"])
def test_malformed_specs_are_one_line_errors_naming_the_spec(spec):
    with pytest.raises(ValueError) as err:
        parse_degradation(spec)
    message = str(err.value)
    assert "\n" not in message and repr(spec) in message


def test_real_fits_any_scale_and_keeps_old_chains(photo8):
    parse_degradation("real").check_scale(1)  # back to the HR size: a restoration input
    assert degrade(photo8, "real", scale=1, seed=0).shape == photo8.shape
    assert parse_degradation("bicubic+jpeg:90").spec == "bicubic+jpeg:90"
    np.testing.assert_array_equal(degrade(photo8, "noise:5+jpeg:50", seed=2),
                                  jpeg_numpy(degrade(photo8, "noise:5", seed=2), 50))
    assert REAL.first.jpeg == (30, 95) and REAL.second.blur.prob == 0.8 and REAL.final_sinc_prob == 0.8


def test_training_pipeline_makes_real_pairs_reproducibly():
    from keras_sr import data
    from keras_sr.evaluation.demo import TRAIN_PHOTOS, skimage_photo

    def first_batch():
        ds = data.training_dataset([skimage_photo(p) for p in TRAIN_PHOTOS[:2]], scale=4, patch_size=16,
                                   batch_size=2, degradation="real", seed=0)
        return next(iter(ds))

    (lr, hr), (lr2, _) = first_batch(), first_batch()
    assert lr.shape == (2, 16, 16, 3) and hr.shape == (2, 64, 64, 3)
    np.testing.assert_array_equal(lr.numpy(), lr2.numpy())
