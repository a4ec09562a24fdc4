"""Layer normalization over channels in an order the TFLite GPU delegate accepts."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sr")
class ChannelLayerNorm(keras.layers.LayerNormalization):
    """``keras.layers.LayerNormalization`` over the last axis, computed as
    ``(x - mean) * rsqrt(var + eps) * gamma + beta``.

    Same weights (``gamma``, ``beta``), config and outputs (up to float rounding) as the
    Keras layer, whose ``x * (rsqrt(var + eps) * gamma) + ...`` makes TFLite multiply a
    per-pixel ``(1, H, W, 1)`` tensor by a per-channel ``(1, 1, 1, C)`` one: a MUL the GPU
    delegate rejects ("MUL requires one tensor that not less than second in all
    dimensions", ``tensorflow/lite/tools/versioning/gpu_compatibility.cc``), which would
    split the graph between GPU and CPU. Here every MUL scales the full ``(1, H, W, C)``
    tensor by one of them. Used by RT4KSR (the authors' ``LayerNorm2d`` on NHWC).
    """

    def __init__(self, axis=-1, **kwargs):
        if axis not in (-1, [-1], (-1,)):
            raise ValueError(f"ChannelLayerNorm normalizes the last axis only, got axis={axis!r}")
        super().__init__(axis=-1, **kwargs)

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        mean = ops.mean(x, axis=-1, keepdims=True)
        centered = x - mean
        variance = ops.mean(ops.square(centered), axis=-1, keepdims=True)
        return self.normalize(centered, variance)

    def normalize(self, centered, variance):
        """``centered / sqrt(variance + eps)`` with the affine (``gamma``, ``beta``) applied:
        the part every way of computing the channel statistics shares."""
        y = centered * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            y = y * ops.cast(self.gamma, y.dtype)
        if self.center:
            y = y + ops.cast(self.beta, y.dtype)
        return y


@keras.saving.register_keras_serializable(package="keras_sr")
class CenteredChannelNorm(keras.layers.Layer):
    """The second half of a channel layer norm, for inputs already centred over channels:
    ``x * rsqrt(mean(x², -1) + eps) [* gamma] + beta``.

    The lean export form of RT4KSR (:mod:`keras_sr.models.rt4ksr_lean`) subtracts the channel
    mean inside the convolution before this layer (``mean(x) = 0`` is then exact up to float
    rounding) and folds ``gamma`` into the convolution after it where that is exact, so the
    layer is SQUARE, MEAN, ADD, RSQRT, MUL (+ MUL by ``gamma``) + ADD in TFLite instead of the
    nine ops of :class:`ChannelLayerNorm`; every MUL scales the full ``(1, H, W, C)`` tensor
    (the GPU delegate's rule, see :class:`ChannelLayerNorm`). Shapes: (B, H, W, C) -> same.

    Args:
        epsilon: added to the variance (RT4KSR: 1e-6).
        scale: whether the layer multiplies by its own ``gamma`` (False when the next
            convolution holds it).
    """

    def __init__(self, epsilon=1e-6, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.scale = bool(scale)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the channel dimension must be known")
        if self.scale:
            self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        variance = ops.mean(ops.square(x), axis=-1, keepdims=True)
        y = x * ops.rsqrt(variance + self.epsilon)
        if self.scale:
            y = y * ops.cast(self.gamma, y.dtype)
        return y + ops.cast(self.beta, y.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "scale": self.scale}
