"""Degradation chains (keras_sr.data.degradations): measured noise sigma, JPEG equal to PIL's
encoder, seeding, composition in declared order, tf.data pairs, one-line errors."""

import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_sr import data
from keras_sr.data import degrade, parse_degradation


@pytest.fixture
def photo8():
    from skimage import data as skdata

    return skdata.astronaut()[100:196, 180:292]  # uint8 (96, 112, 3): a face, edges and flat skin


def _pil_jpeg(img, quality):
    buffer = io.BytesIO()
    Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(buffer, format="JPEG", quality=quality)
    out = np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
    return out[..., None] if img.shape[-1] == 1 else out


@pytest.mark.parametrize("spec,sigma", [("noise:30", 30.0), ("noise:10", 10.0)])
def test_noise_has_the_asked_sigma(spec, sigma):
    flat = np.full((256, 256, 1), 128, np.uint8)  # mid-grey: clipping never bites at 4 sigma
    noisy_np = degrade(flat, spec, seed=3).astype(np.float64)
    noisy_tf = parse_degradation(spec).apply_tf(tf.constant(flat), tf.constant([3, 4])).numpy().astype(np.float64)
    for noisy in (noisy_np, noisy_tf):
        assert abs(noisy.std() - sigma) < 0.02 * sigma  # 65 k samples: std error ~0.3 %
        assert abs(noisy.mean() - 128) < 0.5
        assert np.all(noisy == np.round(noisy))  # 8-bit levels, like a saved image


def test_noise_range_draws_one_sigma_per_image():
    flat = np.full((128, 128, 1), 128, np.uint8)
    sigmas = [degrade(flat, "noise:0-50", seed=s).astype(np.float64).std() for s in range(12)]
    assert min(sigmas) >= 0 and max(sigmas) <= 51
    assert max(sigmas) - min(sigmas) > 10  # the level varies between images


@pytest.mark.parametrize("quality", [10, 40, 90])
@pytest.mark.parametrize("gray", [False, True])
def test_jpeg_equals_pil(photo8, quality, gray):
    img = data.y_levels(photo8) if gray else photo8
    expected = _pil_jpeg(img, quality)
    spec = f"jpeg:{quality}"
    np.testing.assert_array_equal(degrade(img, spec), expected)
    got_tf = parse_degradation(spec).apply_tf(tf.constant(img), tf.constant([0, 1])).numpy()
    np.testing.assert_array_equal(got_tf, expected)  # libjpeg in TF == PIL's libjpeg, accurate IDCT
    assert np.abs(expected.astype(int) - img).mean() > 0.5  # it did compress


def test_same_seed_same_images_other_seed_other_images(photo8):
    for spec in ("noise:0-50", "jpeg:10-40+noise:5", "blur:0.5-2"):
        a, b, c = (degrade(photo8, spec, seed=s) for s in (7, 7, 8))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)
        chain = parse_degradation(spec)
        ta, tb = (chain.apply_tf(tf.constant(photo8), tf.constant([7, 0])).numpy() for _ in range(2))
        np.testing.assert_array_equal(ta, tb)


def test_training_pairs_are_seeded_and_degraded(tmp_path, photo8):
    for i in range(3):
        Image.fromarray(np.roll(photo8, 20 * i, axis=1)).save(tmp_path / f"{i}.png")
    kwargs = dict(scale=1, patch_size=32, batch_size=4, channels="y", degradation="noise:20", seed=5, augment=False)
    first = [b for b in data.training_dataset(str(tmp_path), **kwargs).take(2).as_numpy_iterator()]
    again = [b for b in data.training_dataset(str(tmp_path), **kwargs).take(2).as_numpy_iterator()]
    for (lr, hr), (lr2, hr2) in zip(first, again):
        np.testing.assert_array_equal(lr, lr2)
        np.testing.assert_array_equal(hr, hr2)
        assert lr.shape == hr.shape == (4, 32, 32, 1)
        assert 17 < np.std((lr - hr) * 255) < 21  # the noise (a little clipped at bright/dark pixels)
        np.testing.assert_array_equal(hr * 255, np.round(hr * 255))  # HR is the 8-bit Y


def test_sr_chain_downscales_first_then_jpeg(photo8):
    lr = degrade(photo8, "bicubic+jpeg:50", scale=2)
    np.testing.assert_array_equal(lr, _pil_jpeg(data.matlab_imresize(photo8, 0.5), 50))
    lr_tf = parse_degradation("bicubic+jpeg:50").apply_tf(tf.constant(photo8), [0, 0], lr_shape=(48, 56)).numpy()
    np.testing.assert_array_equal(lr_tf, lr)
    other = degrade(photo8, "blur:1.2+bicubic", scale=2)  # declared order: blur at full size
    assert other.shape == lr.shape and not np.array_equal(other, data.matlab_imresize(photo8, 0.5))


def test_blur_is_a_normalised_gaussian(photo8):
    flat = np.full((40, 40, 3), 77, np.uint8)
    np.testing.assert_array_equal(degrade(flat, "blur:2"), flat)  # sums to 1, symmetric borders
    blurred = degrade(photo8, "blur:1.2")
    tf_blurred = parse_degradation("blur:1.2").apply_tf(tf.constant(photo8), [0, 0]).numpy()
    assert np.abs(blurred.astype(int) - tf_blurred).max() <= 1
    assert np.abs(np.diff(blurred.astype(int), axis=1)).mean() < np.abs(np.diff(photo8.astype(int), axis=1)).mean()


@pytest.mark.parametrize("spec", ["", "foo:3", "noise", "noise:abc", "noise:50-10", "noise:300", "jpeg:0",
                                  "jpeg:5.5", "jpeg:101", "bicubic:2", "bicubic+bicubic", "blur:0", "noise:1-2-3",
                                  "noise:30+"])
def test_bad_specs_raise_one_line_naming_the_spec(spec):
    with pytest.raises(ValueError) as info:
        parse_degradation(spec)
    message = str(info.value)
    assert "\n" not in message and repr(spec) in message


def test_canonical_text_and_scale_checks():
    assert parse_degradation(" Bicubic + JPEG:90 ").spec == "bicubic+jpeg:90"
    assert parse_degradation("noise:0-50").spec == "noise:0-50"
    assert parse_degradation("blur:1.20").spec == "blur:1.2"
    with pytest.raises(ValueError, match="no 'bicubic' step but the scale is 2"):
        parse_degradation("noise:30").check_scale(2)
    with pytest.raises(ValueError, match="downscales"):
        parse_degradation("bicubic+noise:5").check_scale(1)
    with pytest.raises(ValueError, match="uint8"):
        degrade(np.zeros((8, 8, 3), np.float32), "noise:5")


def test_sr_training_pairs_with_realistic_lr(tmp_path, photo8):
    Image.fromarray(photo8).save(tmp_path / "a.png")
    kwargs = dict(scale=2, patch_size=12, batch_size=2, degradation="bicubic+jpeg:20", seed=1, augment=False)
    lr, hr = next(iter(data.training_dataset(str(tmp_path), **kwargs)))
    plain, _ = next(iter(data.training_dataset(str(tmp_path), **{**kwargs, "degradation": "bicubic"})))
    assert lr.shape == (2, 12, 12, 3) and hr.shape == (2, 24, 24, 3)
    assert 0 < np.abs(lr.numpy() - plain.numpy()).mean() < 0.1  # the same crops, JPEG on top of bicubic
    with pytest.raises(ValueError, match="give it or `lr_dir`"):
        data.training_dataset(str(tmp_path), lr_dir=str(tmp_path), **kwargs)
