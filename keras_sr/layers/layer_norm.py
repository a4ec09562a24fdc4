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
