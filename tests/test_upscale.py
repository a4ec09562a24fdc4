"""keras_sr.inference: upscaling / receptive_field / self_ensemble: seamless tiling for every zoo model, image kinds."""

import numpy as np
import pytest
from PIL import Image

from keras_sr import data, models
from keras_sr.inference import load_predictor
from keras_sr.models.mdsr import scale_model
from keras_sr.inference.receptive_field import receptive_field
from keras_sr.inference.self_ensemble import self_ensemble
from keras_sr.inference import upscale

# A tiny build of every super-resolution preset: (scale, builder overrides). Full-size RT4KSR is tiny.
TINY = {
    "bicubic": (2, {}),
    "edsr": (2, {"num_blocks": 2, "filters": 8}),
    "edsr-baseline": (3, {"num_blocks": 2, "filters": 8}),
    "edsr-baseline-real": (4, {"num_blocks": 1, "filters": 8}),
    "mdsr": (3, {"num_blocks": 2, "filters": 8}),
    "mdsr-baseline": (2, {"num_blocks": 1, "filters": 8}),
    "rednet10": (2, {"filters": 8}),
    "rednet10-denoise": (1, {"filters": 4}),  # restoration presets: scale 1, same size out
    "rednet10-denoise-blind": (1, {"filters": 4}),
    "rednet10-deblock": (1, {"filters": 4, "num_layers": 3}),
    "rednet20": (2, {"filters": 4, "num_layers": 4}),
    "rednet30": (3, {"filters": 4, "num_layers": 3}),
    "rt4ksr": (2, {}),
    "srcnn": (3, {"filters": (8, 4)}),
    "srdensenet-h": (4, {"num_blocks": 2, "num_layers": 2, "growth_rate": 4, "bottleneck_filters": 6}),
    "srdensenet-hl": (4, {"num_blocks": 2, "num_layers": 2, "growth_rate": 4, "bottleneck_filters": 6}),
    "srdensenet-all": (4, {"num_blocks": 2, "num_layers": 2, "growth_rate": 4, "bottleneck_filters": 6}),
    "srresnet": (2, {"num_blocks": 2, "filters": 8}),
    "srgan": (4, {"num_blocks": 1, "filters": 8}),
}


def tiny_model(name):
    scale, overrides = TINY[name]
    if models.is_multi_scale(name):  # MDSR: the ×scale view of the multi-scale model
        return scale_model(models.build(name, **overrides), scale), scale
    return models.build(name, scale=scale, **overrides), scale


def test_every_sr_preset_has_a_tiny_build():
    sr_presets = {n for n in models.list() if models.supported_scales(n)}
    assert sr_presets == set(TINY)


@pytest.mark.parametrize("name", sorted(TINY))
def test_tiled_equals_whole_image_at_the_receptive_field(name, rng):
    model, scale = tiny_model(name)
    predict = load_predictor(model, scale=scale)
    rf = receptive_field(predict)
    assert rf % predict.multiple == 0 and rf >= 1
    lr = rng.uniform(0, 1, (40, 52, 3)).astype(np.float32)
    whole = upscale(predict, lr)
    assert whole.shape == (40 * scale, 52 * scale, 3)
    tiled = upscale(predict, lr, tile=16, overlap=rf)
    np.testing.assert_allclose(tiled, whole, atol=1e-4, rtol=0)
    # Without context the seams show: the test above can fail.
    with pytest.warns(UserWarning, match="receptive-field"):
        seams = upscale(predict, lr, tile=16, overlap=0, allow_small_overlap=True)
    assert np.abs(seams - whole).max() > 1e-4


def test_receptive_field_matches_the_layer_arithmetic():
    # MATLAB bicubic x2: 4 taps, 2 LR px each side.
    assert receptive_field("bicubic", scale=2) == 2
    # SRCNN 9-1-5 on the x3 bicubic image: (4 + 0 + 2) HR px = 2 LR px, + 2 for the bicubic.
    assert receptive_field(models.build("srcnn", scale=3, filters=(8, 4))) == 4
    # EDSR, 2 blocks: head + 4 block convs + body conv + upsampler conv at LR (7 px) + tail at HR (0.5).
    assert receptive_field(models.build("edsr-baseline", scale=2, num_blocks=2, filters=8)) == 8
    # RT4KSR: 7 3x3 convs at half resolution (pixel-unshuffle 2): 14 LR px, a multiple of 2.
    assert receptive_field(models.build("rt4ksr", scale=2)) == 14


def test_small_overlap_is_refused_unless_allowed(rng):
    model = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    lr = rng.uniform(0, 1, (20, 24, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="overlap 2 px is smaller than the receptive-field radius"):
        upscale(model, lr, tile=8, overlap=2)
    with pytest.raises(ValueError, match="tile must be a positive"):
        upscale(model, lr, tile=0)


def test_rt4ksr_takes_odd_sizes_whole_and_tiled(rng):
    model = models.build("rt4ksr", scale=2)
    lr = rng.uniform(0, 1, (21, 33, 3)).astype(np.float32)
    whole = upscale(model, lr, border=None)  # border padding: tests/test_borders.py
    assert whole.shape == (42, 66, 3)
    padded = np.pad(lr, ((0, 1), (0, 1), (0, 0)), mode="edge")
    expected = np.asarray(model(padded[None], training=False))[0, :42, :66]
    np.testing.assert_allclose(whole, expected, atol=1e-6)
    np.testing.assert_allclose(upscale(model, lr, tile=10, border=None), whole, atol=1e-4)


def _dihedral(x):
    """The 8 flips/rotations written out, with their inverses (independent of keras_sr)."""
    t = lambda a: np.transpose(a, (1, 0, 2))  # noqa: E731
    return [
        (x, lambda y: y),
        (x[:, ::-1], lambda y: y[:, ::-1]),
        (x[::-1], lambda y: y[::-1]),
        (x[::-1, ::-1], lambda y: y[::-1, ::-1]),
        (t(x), t),
        (t(x)[:, ::-1], lambda y: t(y[:, ::-1])),
        (t(x)[::-1], lambda y: t(y[::-1])),
        (t(x)[::-1, ::-1], lambda y: t(y[::-1, ::-1])),
    ]


def test_self_ensemble_is_the_average_of_the_eight_transforms(rng):
    model = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    predict = load_predictor(model)
    lr = rng.uniform(0, 1, (10, 14, 3)).astype(np.float32)
    manual = np.mean([inv(predict(np.ascontiguousarray(v))) for v, inv in _dihedral(lr)], axis=0)
    ensembled = self_ensemble(predict, lr)
    np.testing.assert_allclose(ensembled, manual, atol=1e-5)
    assert np.abs(ensembled - predict(lr)).max() > 1e-3  # a random CNN is not flip-equivariant
    np.testing.assert_allclose(upscale(model, lr, self_ensemble=True, border=None), ensembled, atol=1e-6)
    # ... also tiled, at the receptive field.
    np.testing.assert_allclose(upscale(model, lr, self_ensemble=True, tile=6, border=None), ensembled, atol=1e-4)


def test_self_ensemble_of_bicubic_is_bicubic(rng):
    lr = rng.uniform(0, 1, (11, 14, 3)).astype(np.float32)
    plain = upscale("bicubic", lr, scale=3)
    np.testing.assert_allclose(upscale("bicubic", lr, scale=3, self_ensemble=True), plain, atol=1e-6)
    np.testing.assert_allclose(plain, data.matlab_imresize(lr.astype(np.float64), 3.0), atol=1e-6)


def test_grey_stays_grey_and_rgba_keeps_bicubic_alpha(photo):
    rgb8 = (photo[:24, :20] * 255).round().astype(np.uint8)
    grey8 = rgb8[..., 0]
    out = upscale("bicubic", grey8, scale=2)
    assert out.shape == (48, 40) and out.dtype == np.uint8
    expected = data.matlab_imresize(grey8.astype(np.float64) / 255, 2.0)
    np.testing.assert_allclose(out, np.clip(np.round(expected * 255), 0, 255), atol=1)
    alpha = np.linspace(0, 255, 24 * 20).reshape(24, 20).astype(np.uint8)
    out = upscale("bicubic", np.dstack([rgb8, alpha]), scale=2)
    assert out.shape == (48, 40, 4) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., :3], upscale("bicubic", rgb8, scale=2))
    a_expected = np.clip(data.matlab_imresize(alpha / 255.0, 2.0), 0, 1) * 255
    np.testing.assert_allclose(out[..., 3], np.round(a_expected), atol=1)


def test_sixteen_bit_is_processed_in_float_and_written_16_bit(photo, tmp_path):
    deep = (photo[:16, :18] * 65535).round().astype(np.uint16)
    out = upscale("bicubic", deep, scale=2)
    assert out.dtype == np.uint16 and out.shape == (32, 36, 3)
    expected = data.matlab_imresize(deep.astype(np.float64) / 65535, 2.0)
    np.testing.assert_allclose(out / 65535, np.clip(expected, 0, 1), atol=1e-5)  # finer than 8 bits
    path = data.write_image(tmp_path / "sr16.png", out)
    np.testing.assert_array_equal(data.read_image(path), out)
    with pytest.raises(ValueError, match="16-bit colour images can only be written as .png"):
        data.write_image(tmp_path / "sr16.tif", out)


def test_y_model_upscales_y_and_bicubic_chroma(photo):
    model = models.build("srcnn", scale=2, filters=(8, 4))
    rgb = photo[:20, :22]
    out = upscale(model, rgb, border=None)  # with border padding: tests/test_borders.py
    assert out.shape == (40, 44, 3)
    y = np.asarray(model(data.rgb_to_y(rgb)[None].astype(np.float32)))[0]
    ycc = data.rgb_to_ycbcr(out)
    np.testing.assert_allclose(ycc[..., :1], y, atol=1e-5)
    cbcr = data.matlab_imresize(data.rgb_to_ycbcr(rgb)[..., 1:], 2.0)
    np.testing.assert_allclose(ycc[..., 1:], cbcr, atol=1e-5)


def test_grey_png_file_reads_as_grey(tmp_path, photo):
    from keras_sr.inference.image_files import read_for_upscale

    grey = (photo[:8, :8, 1] * 255).astype(np.uint8)
    Image.fromarray(grey).save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_for_upscale(tmp_path / "g.png"), grey)
    rgba = np.dstack([np.full((8, 8, 3), 9, np.uint8), grey])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    np.testing.assert_array_equal(read_for_upscale(tmp_path / "a.png"), rgba)
    with pytest.raises(data.ImageReadError, match="nope.png"):
        read_for_upscale(tmp_path / "nope.png")
