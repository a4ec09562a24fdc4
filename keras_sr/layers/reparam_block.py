"""RT4KSR's re-parameterizable residual block (training form) and its fusion into one 3x3 conv."""

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="keras_sr")
class ReparamBlock(keras.layers.Layer):
    """RT4KSR's ``ResBlock(ratio=2)`` in training form (SPECS §5.2), fusable into one 3x3 conv.

    ::

        e = expand(z)                 # 1x1 conv, C -> ratio·C, bias b0
        t = fea(pad_b0(e))            # 3x3 conv, valid, on e padded 1 px with its own bias b0
        y = reduce(t + e) + z         # 1x1 conv, ratio·C -> C; inner and outer identity

    ``pad_b0(expand(z))`` is computed as ``expand(zero_pad(z))`` (a 1x1 conv of a zero
    pixel is its bias), which keeps the graph to builtin ops and makes the fusion exact at
    the image borders. :meth:`fused_kernel_and_bias` returns the equivalent 3x3 kernel
    ``[3, 3, C, C]`` and bias ``[C]`` for a ``Conv2D(C, 3, padding="same")`` (SPECS §5.3).
    Shapes: (B, H, W, C) -> (B, H, W, C).
    """

    def __init__(self, filters, ratio=2, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.ratio = int(ratio)
        if self.filters < 1 or self.ratio < 1:
            raise ValueError(f"filters and ratio must be >= 1, got {filters!r}, {ratio!r}")
        hidden = self.filters * self.ratio
        self.expand = keras.layers.Conv2D(hidden, 1, name="expand")
        self.fea = keras.layers.Conv2D(hidden, 3, padding="valid", name="fea")
        self.reduce = keras.layers.Conv2D(self.filters, 1, name="reduce")

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.filters:
            raise ValueError(
                f"{self.name}: input has {input_shape[-1]} channels, block has {self.filters} filters")
        b, h, w, _ = input_shape
        hidden_shape = (b, h, w, self.filters * self.ratio)
        self.expand.build((b, h, w, self.filters))
        self.fea.build(hidden_shape)
        self.reduce.build(hidden_shape)

    def call(self, inputs):
        e_pad = self.expand(ops.pad(inputs, [[0, 0], [1, 1], [1, 1], [0, 0]]))
        t = self.fea(e_pad)
        return self.reduce(t + e_pad[:, 1:-1, 1:-1, :]) + inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def fused_kernel_and_bias(self):
        """The equivalent 3x3 conv: ``(kernel [3, 3, C, C], bias [C])`` as float64 numpy arrays.

        Closed form of SPECS §5.3 in NHWC layout: ``W = K0 · (K1 + I_centre) · K2 + I_centre``,
        ``b = (b0 · Σ_uv (K1 + I_centre) + b1) · K2 + b2``.
        """
        if not self.built:
            raise ValueError(f"{self.name}: build the block before fusing it")
        k0, b0 = (np.asarray(ops.convert_to_numpy(v), np.float64) for v in self.expand.weights)
        k1, b1 = (np.asarray(ops.convert_to_numpy(v), np.float64) for v in self.fea.weights)
        k2, b2 = (np.asarray(ops.convert_to_numpy(v), np.float64) for v in self.reduce.weights)
        k0, k2 = k0[0, 0], k2[0, 0]                      # [C, 2C], [2C, C]
        k1 = k1.copy()
        k1[1, 1] += np.eye(k1.shape[2])                  # inner identity: t + e
        kernel = np.einsum("cm,uvmo,op->uvcp", k0, k1, k2)
        kernel[1, 1] += np.eye(self.filters)             # outer identity: + z
        bias = (b0 @ k1.sum(axis=(0, 1)) + b1) @ k2 + b2
        return kernel, bias

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "ratio": self.ratio}
