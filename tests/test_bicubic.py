"""BicubicUpsample against an independent numpy port of MATLAB ``imresize`` (bicubic, upscaling)."""

import keras
import numpy as np
import pytest

from keras_sr import layers, models
from keras_sr.layers.bicubic import bicubic_phase_weights


def matlab_imresize_up(image, scale):
    """MATLAB ``imresize(image, scale, 'bicubic')`` for float images and integer ``scale``.

    Follows ``imresize.m``'s ``contributions``: output pixel x (1-based) maps to
    u = x/scale + 0.5·(1 − 1/scale); taps floor(u − 2) + (0..5); Keys cubic (a = −0.5)
    weights normalised per row; out-of-range taps mirrored symmetrically
    (``aux = [1:n, n:-1:1]``); rows then columns. float64 throughout.
    """
    def cubic(d):
        d = np.abs(d)
        return np.where(d <= 1, 1.5 * d**3 - 2.5 * d**2 + 1,
                        np.where(d < 2, -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2, 0.0))

    def resize_axis(a, axis):
        n = a.shape[axis]
        u = np.arange(1, n * scale + 1) / scale + 0.5 * (1 - 1 / scale)
        taps = np.floor(u - 2)[:, None] + np.arange(6)[None, :]
        w = cubic(u[:, None] - taps)
        w /= w.sum(axis=1, keepdims=True)
        aux = np.concatenate([np.arange(1, n + 1), np.arange(n, 0, -1)])
        taps = aux[(taps.astype(int) - 1) % (2 * n)] - 1
        moved = np.moveaxis(a, axis, 0)
        return np.moveaxis(np.einsum("ot,ot...->o...", w, moved[taps]), 0, axis)

    return resize_axis(resize_axis(np.asarray(image, np.float64), 0), 1)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bicubic_matches_matlab_imresize_on_a_photo(photo, scale):
    crop = photo[180:241, 200:253]  # odd sizes; face and edges; borders included
    got = np.asarray(layers.BicubicUpsample(scale)(crop[None]))[0]
    expected = matlab_imresize_up(crop, scale)
    assert got.shape == expected.shape == (61 * scale, 53 * scale, 3)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # the border matters: MATLAB's symmetric border is not numpy's reflect border
    reflect = matlab_imresize_up(np.pad(crop, ((1, 1), (1, 1), (0, 0)), mode="reflect"), scale)
    assert np.abs(reflect[scale:-scale, scale:-scale] - got).max() > 1e-3


def test_bicubic_phase_weights_are_keys_cubic():
    # ×2: output samples sit at ±1/4 of an input pixel; Keys weights at distances 7/4, 3/4, 1/4, 5/4.
    w = bicubic_phase_weights(2)
    np.testing.assert_allclose(w[0], [-0.0234375, 0.2265625, 0.8671875, -0.0703125, 0.0], atol=1e-12)
    np.testing.assert_allclose(w[1], w[0][::-1], atol=1e-12)
    np.testing.assert_allclose(bicubic_phase_weights(3)[1], [0, 0, 1, 0, 0], atol=1e-12)


def test_bicubic_keeps_constants_and_does_not_round(rng):
    x = np.full((1, 4, 5, 2), 0.123456, "float32")
    np.testing.assert_allclose(np.asarray(layers.BicubicUpsample(4)(x)), 0.123456, atol=1e-6)
    layer = layers.BicubicUpsample(2)
    layer.build((None, None, None, 1))
    assert layer.weights == []
    with pytest.raises(ValueError, match="positive int"):
        layers.BicubicUpsample(1.5)
    with pytest.raises(ValueError, match="width must be >= 2"):
        layers.BicubicUpsample(2)(np.zeros((1, 4, 1, 3), "float32"))


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_bicubic_model_shapes(scale, size):
    model = models.build("bicubic", scale=scale)
    assert model.count_params() == 0
    y = model(np.random.default_rng(0).random((2, *size, 3), dtype="float32"))
    assert y.shape == (2, size[0] * scale, size[1] * scale, 3)


def test_bicubic_layer_serializes():
    inputs = keras.Input((None, None, 1))
    model = keras.Model(inputs, layers.BicubicUpsample(3, name="up")(inputs))
    clone = keras.Model.from_config(model.get_config())
    assert clone.get_layer("up").scale == 3
