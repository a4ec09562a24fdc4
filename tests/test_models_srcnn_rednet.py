"""SRCNN (SPECS §6.1) and RED-Net (SPECS §3): parameter counts, wiring, shapes."""

import numpy as np
import pytest

from keras_sr import layers, models
from keras_sr.models.rednet import skip_pairs


def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def conv_params(k, cin, cout):
    return k * k * cin * cout + cout


def rednet_params(num_layers, filters, channels):
    # c1 (channels->F), c2..cn (F->F), d1..d(n-1) (F->F), dn (F->channels); all 3x3 with bias
    middle = (2 * num_layers - 2) * conv_params(3, filters, filters)
    return conv_params(3, channels, filters) + middle + conv_params(3, filters, channels)


def test_srcnn_parameter_count():
    assert trainable_count(models.build("srcnn", scale=3)) == 8_129  # SPECS §6.1, 9-1-5
    assert trainable_count(models.build("srcnn", scale=3, kernel_sizes=(9, 5, 5))) == 57_281


@pytest.mark.parametrize("name,layers_,count", [
    ("rednet30", 15, 1_035_201), ("rednet20", 10, None), ("rednet10", 5, None)])
def test_rednet_parameter_counts(name, layers_, count):
    model = models.build(name, scale=2)
    assert trainable_count(model) == rednet_params(layers_, 64, 1)
    if count is not None:
        assert trainable_count(model) == count  # SPECS §3.1, C=64, Y
    assert trainable_count(models.build(name, scale=2, channels=3)) == rednet_params(layers_, 64, 3)


def test_rednet30_rgb_and_wide_counts():
    assert trainable_count(models.build("rednet30", scale=4, channels=3)) == 1_037_507
    assert trainable_count(models.build("rednet30", scale=4, filters=128)) == 4_134_785


def test_rednet_skip_wiring():
    assert skip_pairs(15) == [(14, 1), (12, 3), (10, 5), (8, 7), (6, 9), (4, 11), (2, 13)]
    assert skip_pairs(10) == [(8, 2), (6, 4), (4, 6), (2, 8)]
    assert skip_pairs(5) == [(4, 1), (2, 3)]
    model = models.build("rednet10", scale=2, filters=4)
    for j, k in skip_pairs(5):
        sources = {id(t) for t in model.get_layer(f"skip{k}").input}
        assert sources == {id(model.get_layer(f"deconv{k}").output), id(model.get_layer(f"conv{j}").output)}
    assert [type(model.get_layer(f"deconv{k}")).__name__ for k in (1, 5)] == ["Conv2DTranspose"] * 2


def test_rednet_is_residual_on_in_graph_bicubic(photo):
    # All weights zero: the decoder outputs 0 and the model returns the bicubic image.
    model = models.build("rednet10", scale=3, filters=4, channels=3)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    lr = photo[:16:2, :20:2][None]
    expected = np.asarray(layers.BicubicUpsample(3)(lr))
    np.testing.assert_allclose(np.asarray(model(lr)), expected, atol=1e-6)


def test_srcnn_runs_on_the_bicubic_image():
    model = models.build("srcnn", scale=2, filters=(4, 3))
    assert isinstance(model.layers[1], layers.BicubicUpsample)
    assert model.get_layer("patch_extraction").activation.__name__ == "relu"
    assert model.get_layer("mapping").activation.__name__ == "relu"
    assert model.get_layer("reconstruction").activation.__name__ == "linear"
    with pytest.raises(ValueError, match="2 filters and 3 kernel_sizes"):
        models.build("srcnn", scale=2, filters=(4,))


@pytest.mark.parametrize("name,kwargs", [
    ("srcnn", {"filters": (4, 3)}), ("rednet30", {"num_layers": 3, "filters": 4}),
    ("rednet20", {"filters": 4}), ("rednet10", {"filters": 4, "channels": 3})])
@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_output_shapes_every_scale(name, kwargs, size):
    channels = kwargs.get("channels", 1)
    for scale in models.supported_scales(name):
        model = models.build(name, scale=scale, **kwargs)
        y = model(np.random.default_rng(0).random((1, *size, channels), dtype="float32"))
        assert y.shape == (1, size[0] * scale, size[1] * scale, channels)
