"""MAC counts against hand counts."""

import keras

from keras_sr import models
from keras_sr.layers import TransposedConvUpsampler
from keras_sr.utils import count_macs, macs_by_layer


def test_edsr_tiny_matches_hand_count():
    # EDSR-baseline, 1 block, 8 filters, x2 on 24 x 32: head 3->8, two block convs + group conv
    # 8->8, upsampler conv 8->32 (then shuffle), tail 8->3 at 48 x 64; all 3x3.
    model = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    hw = 24 * 32
    hand = hw * 8 * 9 * 3 + 3 * hw * 8 * 9 * 8 + hw * 32 * 9 * 8 + 4 * hw * 3 * 9 * 8
    assert count_macs(model, (24, 32, 3)) == hand
    assert [n for n, _, _ in macs_by_layer(model, (24, 32, 3))] == ["head", "conv1", "conv2", "conv",
                                                                     "conv0", "tail"]


def test_transposed_conv_dense_and_composites():
    inputs = keras.Input((None, None, 2))
    x = keras.layers.Conv2D(4, 1)(inputs)                                   # 5*6*4*2
    x = TransposedConvUpsampler(2, 4, kernel_size=3)(x)                     # 5*6*4 * 9*4
    x = keras.layers.Dense(3)(x)                                            # 10*12*3 * 4
    model = keras.Model(inputs, x)
    assert count_macs(model, (5, 6, 2)) == 5 * 6 * 4 * 2 + 5 * 6 * 4 * 9 * 4 + 10 * 12 * 3 * 4


def test_macs_scale_with_pixels_and_shared_layers_count_twice():
    conv = keras.layers.Conv2D(3, 3, padding="same")
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, conv(conv(inputs)))
    assert count_macs(model, (10, 10, 3)) == 2 * 100 * 3 * 27
    assert count_macs(model, (20, 10, 3)) == 2 * count_macs(model, (10, 10, 3))
