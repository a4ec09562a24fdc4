"""Learned upsamplers: sub-pixel convolution (EDSR, SRResNet) and transposed convolution (SRDenseNet)."""

import math

import keras

from keras_sr.layers.activations import activation_layer
from keras_sr.layers.pixel_shuffle import PixelShuffle


def _shuffle_steps(scale):
    """Factor a scale into pixel-shuffle steps: 2^n -> [2]*n, 3 -> [3] (EDSR ``Upsampler``)."""
    if scale == 3:
        return [3]
    if scale >= 2 and scale & (scale - 1) == 0:
        return [2] * int(math.log2(scale))
    raise ValueError(f"pixel-shuffle upsampler supports scale 3 or a power of 2, got {scale!r}")


class _Upsampler(keras.layers.Layer):
    """What both upsamplers share: their arguments and the (B, H·s, W·s, filters) output."""

    def __init__(self, scale, filters, kernel_size, activation, **kwargs):
        super().__init__(**kwargs)
        self.scale = int(scale)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.activation = activation

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        s = self.scale
        return (b, None if h is None else h * s, None if w is None else w * s, self.filters)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "filters": self.filters,
                "kernel_size": self.kernel_size, "activation": self.activation}


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelShuffleUpsampler(_Upsampler):
    """Repeated ``Conv(F -> F·r²) -> PixelShuffle(r) [-> act]``, r = 2 (×2, ×4, ×8) or 3 (×3).

    EDSR's ``Upsampler`` (no activation, SPECS §1.1) and SRResNet's sub-pixel layers
    (``activation="prelu"`` after each shuffle, SPECS §4.1).
    Shapes: (B, H, W, F) -> (B, H·scale, W·scale, F).
    """

    def __init__(self, scale, filters, kernel_size=3, activation=None, **kwargs):
        super().__init__(scale, filters, kernel_size, activation, **kwargs)
        self.steps = []
        for i, r in enumerate(_shuffle_steps(self.scale)):
            conv = keras.layers.Conv2D(self.filters * r * r, self.kernel_size, padding="same",
                                       name=f"conv{i}")
            act = activation_layer(activation, name=f"act{i}")
            self.steps.append((conv, PixelShuffle(r, name=f"shuffle{i}"), act))

    def build(self, input_shape):
        shape = tuple(input_shape)
        for conv, shuffle, act in self.steps:
            conv.build(shape)
            shape = shuffle.compute_output_shape(conv.compute_output_shape(shape))
            if act is not None:
                act.build(shape)

    def call(self, inputs):
        x = inputs
        for conv, shuffle, act in self.steps:
            x = shuffle(conv(x))
            if act is not None:
                x = act(x)
        return x


@keras.saving.register_keras_serializable(package="keras_sr")
class TransposedConvUpsampler(_Upsampler):
    """log2(scale) × ``Conv2DTranspose(F, k, stride 2, "same") -> act`` (SRDenseNet, SPECS §2.1).

    Shapes: (B, H, W, C) -> (B, H·scale, W·scale, F); scale a power of 2.
    """

    def __init__(self, scale, filters, kernel_size=3, activation="relu", **kwargs):
        super().__init__(scale, filters, kernel_size, activation, **kwargs)
        if self.scale < 2 or self.scale & (self.scale - 1):
            raise ValueError(f"transposed-conv upsampler needs a power-of-2 scale, got {scale!r}")
        self.steps = [
            (keras.layers.Conv2DTranspose(self.filters, self.kernel_size, strides=2, padding="same",
                                          name=f"deconv{i}"),
             activation_layer(activation, name=f"act{i}"))
            for i in range(int(math.log2(self.scale)))
        ]

    def build(self, input_shape):
        shape = tuple(input_shape)
        for deconv, act in self.steps:
            deconv.build(shape)
            shape = deconv.compute_output_shape(shape)
            if act is not None:
                act.build(shape)

    def call(self, inputs):
        x = inputs
        for deconv, act in self.steps:
            x = deconv(x)
            if act is not None:
                x = act(x)
        return x
