import keras
import numpy as np
import pytest

from keras_sr import layers

LAYERS = [
    layers.PixelShuffle(2),
    layers.PixelUnshuffle(2),
    layers.MeanShift(rgb_range=255.0, direction="subtract"),
    layers.MeanShift(rgb_range=255.0, direction="add"),
    layers.ResidualBlock(12, kernel_size=5, res_scale=0.1),
    layers.ResidualBlock(12, activation="prelu", batch_norm=True),
    layers.ResidualGroup(2, 12, res_scale=0.5),
    layers.PixelShuffleUpsampler(3, 12),
    layers.PixelShuffleUpsampler(4, 12, activation="prelu"),
    layers.TransposedConvUpsampler(4, 8),
    layers.DenseBlock(num_layers=3, growth_rate=4),
    layers.BicubicUpsample(3),
]
INPUT_CHANNELS = [12, 12, 3, 3, 12, 12, 12, 12, 12, 12, 12, 12]


def test_pixel_shuffle_is_tf_dcr_order(rng):
    # DCR: output (h*r+i, w*r+j, c) reads input channel (i*r + j)*C + c (SPECS §0.3).
    x = rng.standard_normal((1, 3, 4, 2 * 4)).astype("float32")
    y = np.asarray(layers.PixelShuffle(2)(x))
    assert y.shape == (1, 6, 8, 2)
    for i in range(2):
        for j in range(2):
            for c in range(2):
                np.testing.assert_array_equal(y[0, i::2, j::2, c], x[0, :, :, (i * 2 + j) * 2 + c])


def test_pixel_unshuffle_inverts_shuffle(rng):
    x = rng.standard_normal((2, 6, 10, 3)).astype("float32")
    y = layers.PixelShuffle(2)(layers.PixelUnshuffle(2)(x))
    np.testing.assert_array_equal(np.asarray(y), x)
    with pytest.raises(ValueError, match="not a multiple of 2"):
        layers.PixelUnshuffle(2).compute_output_shape((1, 5, 6, 3))


def test_mean_shift_round_trip_and_scaling(rng):
    x = rng.random((1, 4, 4, 3)).astype("float32")
    sub = layers.MeanShift(rgb_range=255.0, direction="subtract")
    add = layers.MeanShift(rgb_range=255.0, direction="add")
    centred = np.asarray(sub(x))
    np.testing.assert_allclose(centred, (x - np.array(layers.DIV2K_RGB_MEAN)) * 255.0, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(add(centred)), x, atol=1e-6)
    assert sub.trainable_weights == [] and add.weights == []


def test_residual_block_scaling_and_identity(rng):
    block = layers.ResidualBlock(4, res_scale=0.1)
    x = rng.standard_normal((1, 5, 5, 4)).astype("float32")
    y = np.asarray(block(x))
    body = block.conv2(block.act(block.conv1(x)))
    np.testing.assert_allclose(y, x + 0.1 * np.asarray(body), atol=1e-5)
    with pytest.raises(ValueError, match="filters"):
        layers.ResidualBlock(8)(x)


def test_prelu_is_per_channel_and_starts_at_quarter():
    block = layers.ResidualBlock(6, activation="prelu")
    block.build((None, None, None, 6))
    assert block.act.alpha.shape == (1, 1, 6)
    np.testing.assert_allclose(np.asarray(block.act.alpha), 0.25)


def test_prelu_scalar_is_one_slope_like_torch_default(rng):
    act = layers.activation_layer("prelu_scalar")
    x = rng.standard_normal((1, 3, 3, 5)).astype("float32")
    y = np.asarray(act(x))
    assert tuple(act.alpha.shape) == (1, 1, 1)
    np.testing.assert_allclose(y, np.where(x > 0, x, 0.25 * x), atol=1e-7)


def test_dense_block_concatenates_growth(rng):
    block = layers.DenseBlock(num_layers=3, growth_rate=4)
    x = rng.standard_normal((1, 5, 5, 7)).astype("float32")
    y = np.asarray(block(x))
    assert y.shape == (1, 5, 5, 12)
    f1 = np.asarray(block.acts[0](block.convs[0](x)))
    np.testing.assert_allclose(y[..., :4], f1, atol=1e-6)
    # conv input widths: block input, then 4, then 8 channels
    assert [c.kernel.shape[2] for c in block.convs] == [7, 4, 8]


def test_upsampler_shapes():
    x = np.zeros((1, 5, 7, 12), "float32")
    for scale in (2, 3, 4):
        assert layers.PixelShuffleUpsampler(scale, 12)(x).shape == (1, 5 * scale, 7 * scale, 12)
    assert layers.TransposedConvUpsampler(4, 8)(x).shape == (1, 20, 28, 8)
    with pytest.raises(ValueError, match="scale 3 or a power of 2"):
        layers.PixelShuffleUpsampler(5, 12)
    with pytest.raises(ValueError, match="power-of-2"):
        layers.TransposedConvUpsampler(3, 8)


@pytest.mark.parametrize("layer,channels", list(zip(LAYERS, INPUT_CHANNELS)), ids=lambda v: getattr(v, "name", str(v)))
def test_layer_config_round_trip(layer, channels, rng):
    x = rng.standard_normal((1, 8, 8, channels)).astype("float32")
    y = np.asarray(layer(x))
    config = keras.saving.serialize_keras_object(layer)
    clone = keras.saving.deserialize_keras_object(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    assert clone.built  # build_config restores the weights' shapes
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x)), y, atol=1e-6)
