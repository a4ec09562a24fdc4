"""Fake quantization in ``keras.ops`` with LiteRT's int8 scheme, for quantization-aware training.

LiteRT (TFLite) full-integer models hold

* weights per output channel, symmetric int8 in ``[-127, 127]``: ``scale = max|w| / 127``,
  zero point 0 (the converter's ``narrow_range`` per-channel quantization);
* activations per tensor, asymmetric int8 in ``[-128, 127]``: ``scale = (max - min) / 255``
  and an integer zero point, ``min`` / ``max`` *nudged* so that 0.0 is exactly representable
  (TF's ``FakeQuantWithMinMaxVars``, whose ranges the converter reads);
* rounding half away from zero (``TfLiteRound`` = ``std::round`` in the QUANTIZE kernel and
  in the converter's weight quantization); TF's FakeQuant op rounds half up in the shifted
  domain — they differ only at exact ties.

:func:`fake_quant` returns ``dequantize(quantize(x))`` in float with a straight-through
gradient (1 inside the range, 0 where ``x`` is clipped). :class:`FakeQuant` tracks an
activation's range with an exponential moving average in training (the first batch sets
it); :class:`QuantConv2D` fake-quantizes its kernel per output channel;
:class:`QuantChannelLayerNorm` fake-quantizes every intermediate tensor the converter
quantizes. :func:`keras_sr.models.qat.insert_fake_quant` puts them into a model.

At export the same graph must reach the converter as TF ``FakeQuant*`` ops (which it turns
into int8 ranges): :func:`implementation` swaps both functions for that while tracing,
so this module itself stays ``keras.ops`` only (every backend).
"""
import contextlib

import keras
from keras import ops

from keras_sr.layers.layer_norm import ChannelLayerNorm

ACTIVATION_BITS = 8
_OVERRIDE = {}


@contextlib.contextmanager
def implementation(per_tensor, per_channel):
    """Inside the block, :class:`FakeQuant` calls ``per_tensor(x, min, max)`` and
    :class:`QuantConv2D` ``per_channel(kernel, min, max)`` instead of the ``keras.ops``
    emulation (the export uses TF's FakeQuant ops there)."""
    previous = dict(_OVERRIDE)
    _OVERRIDE.update(per_tensor=per_tensor, per_channel=per_channel)
    try:
        yield
    finally:
        _OVERRIDE.clear()
        _OVERRIDE.update(previous)


def round_half_away(x):
    """``std::round``: half away from zero (``ops.round`` rounds half to even)."""
    return ops.sign(x) * ops.floor(ops.abs(x) + 0.5)


def nudged_range(x_min, x_max, num_bits=ACTIVATION_BITS, narrow_range=False):
    """TF's ``Nudge``: ``(nudged_min, nudged_max, scale)`` with 0.0 on the integer grid.

    The range is first widened to contain 0 (as the converter does)."""
    quant_min = 1.0 if narrow_range else 0.0
    quant_max = float(2 ** num_bits - 1)
    x_min = ops.minimum(x_min, 0.0)
    x_max = ops.maximum(x_max, x_min + 1e-6)
    x_max = ops.maximum(x_max, 0.0)
    scale = (x_max - x_min) / (quant_max - quant_min)
    zero_point = ops.clip(round_half_away(quant_min - x_min / scale), quant_min, quant_max)
    return (quant_min - zero_point) * scale, (quant_max - zero_point) * scale, scale


def fake_quant(x, x_min, x_max, num_bits=ACTIVATION_BITS, narrow_range=False):
    """``dequantize(quantize(x))`` on the nudged ``[x_min, x_max]`` grid, straight-through
    gradient. ``x_min`` / ``x_max`` broadcast against ``x`` (per-channel: shape ``(C,)``)."""
    low, high, scale = nudged_range(x_min, x_max, num_bits, narrow_range)
    low, high, scale = (ops.stop_gradient(v) for v in (low, high, scale))
    clipped = ops.clip(x, low, high) if ops.ndim(low) == 0 else ops.minimum(ops.maximum(x, low), high)
    # On the grid: integer q = round(x / scale) (+ zero point, which shifts by an integer).
    quantized = round_half_away(clipped / scale) * scale
    return clipped + ops.stop_gradient(quantized - clipped)


def fake_quant_per_channel(kernel):
    """Per-output-channel symmetric int8 weights (last axis = output channels), [-127, 127]."""
    axes = tuple(range(ops.ndim(kernel) - 1))
    bound = ops.maximum(ops.stop_gradient(ops.max(ops.abs(kernel), axis=axes)), 1e-12)
    if "per_channel" in _OVERRIDE:
        return _OVERRIDE["per_channel"](kernel, -bound, bound)
    scale = bound / 127.0
    quantized = ops.clip(round_half_away(kernel / scale), -127.0, 127.0) * scale
    return kernel + ops.stop_gradient(quantized - kernel)


@keras.saving.register_keras_serializable(package="keras_sr")
class FakeQuant(keras.layers.Layer):
    """Per-tensor asymmetric int8 fake quantization of an activation, range tracked by EMA.

    In training (``training=True``) the range follows the batch's min / max: the first batch
    sets it, later ones move it by ``1 - momentum`` (tfmot's moving-average quantizer:
    momentum 0.999). In inference it is fixed. ``track=False`` keeps the initial range
    (the model input: ``[0, 1]``). Weights ``min``, ``max``, ``initialized`` (non-trainable;
    they are the export's activation ranges). Shapes: any -> same.

    Args:
        init_min, init_max: the range before the first training batch.
        momentum: EMA momentum.
        track: whether training updates the range.
    """

    def __init__(self, init_min=-6.0, init_max=6.0, momentum=0.999, track=True, **kwargs):
        super().__init__(**kwargs)
        self.init_min = float(init_min)
        self.init_max = float(init_max)
        self.momentum = float(momentum)
        self.track = bool(track)
        if not self.init_min <= 0.0 <= self.init_max or self.init_min == self.init_max:
            raise ValueError(f"{self.name}: the initial range must contain 0, "
                             f"got [{init_min}, {init_max}]")

    def build(self, input_shape):
        const = keras.initializers.Constant
        self.min = self.add_weight(shape=(), initializer=const(self.init_min), name="min",
                                   trainable=False)
        self.max = self.add_weight(shape=(), initializer=const(self.init_max), name="max",
                                   trainable=False)
        self.initialized = self.add_weight(shape=(), initializer="zeros", name="initialized",
                                           trainable=False)

    def call(self, inputs, training=None):
        x_min, x_max = ops.convert_to_tensor(self.min), ops.convert_to_tensor(self.max)
        if training and self.track:
            batch = ops.stop_gradient(ops.cast(inputs, x_min.dtype))
            batch_min = ops.minimum(ops.min(batch), 0.0)
            batch_max = ops.maximum(ops.max(batch), 0.0)
            first = ops.equal(ops.convert_to_tensor(self.initialized), 0.0)
            m = self.momentum
            x_min = ops.stop_gradient(ops.where(first, batch_min, m * x_min + (1 - m) * batch_min))
            x_max = ops.stop_gradient(ops.where(first, batch_max, m * x_max + (1 - m) * batch_max))
            self.min.assign(x_min)
            self.max.assign(x_max)
            self.initialized.assign(ops.ones((), dtype=self.initialized.dtype))
        if "per_tensor" in _OVERRIDE:
            return _OVERRIDE["per_tensor"](inputs, x_min, x_max)
        return fake_quant(inputs, ops.cast(x_min, inputs.dtype), ops.cast(x_max, inputs.dtype))

    def quantization(self):
        """``(scale, zero_point)`` of the int8 tensor LiteRT holds for this range."""
        low, _, scale = (float(v) for v in nudged_range(float(self.min), float(self.max)))
        return scale, int(round(-128 - low / scale))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "init_min": self.init_min, "init_max": self.init_max,
                "momentum": self.momentum, "track": self.track}


@keras.saving.register_keras_serializable(package="keras_sr")
class QuantConv2D(keras.layers.Conv2D):
    """``Conv2D`` whose kernel is fake-quantized per output channel (symmetric int8,
    [-127, 127], scale ``max|w| / 127``) in every call. Same config and weights as
    ``Conv2D``; the bias stays float (LiteRT's int32 bias at scale ``s_in · s_w`` differs by
    far less than one output step). The output's range is a :class:`FakeQuant` after it."""

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, fake_quant_per_channel(kernel))


@keras.saving.register_keras_serializable(package="keras_sr")
class QuantChannelLayerNorm(ChannelLayerNorm):
    """:class:`~keras_sr.layers.ChannelLayerNorm` with a :class:`FakeQuant` after each of its
    ops (mean, x - mean, square, variance, + eps, rsqrt, normalised, · gamma, + beta): in a
    full-int8 LiteRT graph each of these is an int8 tensor. Same weights and config as the
    float layer plus ``momentum``."""

    STAGES = ("mean", "centered", "square", "variance", "variance_eps", "rsqrt", "normalized",
              "scaled", "output")

    def __init__(self, momentum=0.999, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)
        self.quantizers = {s: FakeQuant(momentum=self.momentum, name=f"fq_{s}")
                           for s in self.STAGES}

    def build(self, input_shape):
        super().build(input_shape)
        stat_shape = tuple(input_shape[:-1]) + (1,)
        for stage, quantizer in self.quantizers.items():
            quantizer.build(stat_shape if stage in ("mean", "variance", "variance_eps", "rsqrt") else input_shape)

    def call(self, inputs, training=None):
        q = {s: (lambda t, s=s: self.quantizers[s](t, training=training)) for s in self.STAGES}
        x = ops.cast(inputs, self.compute_dtype)
        mean = q["mean"](ops.mean(x, axis=-1, keepdims=True))
        centered = q["centered"](x - mean)
        variance = q["variance"](ops.mean(q["square"](centered * centered), axis=-1, keepdims=True))
        variance = q["variance_eps"](variance + self.epsilon)
        # a variance quantized to 0 (the int8 eps is 0): rsqrt(eps), saturated by the range
        y = q["normalized"](centered * q["rsqrt"](ops.rsqrt(ops.maximum(variance, self.epsilon))))
        if self.scale:
            y = q["scaled"](y * ops.cast(self.gamma, y.dtype))
        if self.center:
            y = q["output"](y + ops.cast(self.beta, y.dtype))
        return y

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum}


__all__ = ["FakeQuant", "QuantChannelLayerNorm", "QuantConv2D", "fake_quant",
           "fake_quant_per_channel", "implementation", "nudged_range", "round_half_away"]
