"""In-graph bicubic upscaling by an integer factor, built from TFLite-GPU-friendly ops.

TFLite has no builtin bicubic resize (only RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR), so
bicubic is written as what it is for an integer factor ``s``: every output pixel is one of
``s²`` phases, each a fixed 5×5 weighted sum of the input. One constant convolution makes
the ``s²`` phases and ``depth_to_space`` interleaves them (CONV_2D + DEPTH_TO_SPACE).
"""

import keras
import numpy as np
from keras import ops


def cubic_kernel(x, a=-0.5):
    """Keys' cubic convolution kernel (MATLAB ``imresize``'s "bicubic", a = −0.5)."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def bicubic_phase_weights(scale):
    """(scale, 5) weights: output pixel ``s·i + p`` = Σ_t w[p, t] · input[i − 2 + t].

    MATLAB ``imresize`` upscaling samples output pixel ``o`` (0-based) at input
    position ``(o + 0.5) / s − 0.5`` (half-pixel centres); that is ``i + (p + 0.5) / s − 0.5``
    for ``o = s·i + p``, within half a pixel of ``i``, so taps ``i − 2 … i + 2`` cover the
    cubic's support. Keys' weights sum to 1, so MATLAB's normalisation changes nothing.
    """
    offsets = (np.arange(scale) + 0.5) / scale - 0.5
    taps = np.arange(-2, 3)
    weights = cubic_kernel(offsets[:, None] - taps[None, :])
    return weights / weights.sum(axis=1, keepdims=True)


def bicubic_conv_kernel(scale, channels):
    """(5, 5, C, s²·C) kernel producing the s² phases in depth_to_space's "DCR" order."""
    w = bicubic_phase_weights(scale)
    kernel = np.zeros((5, 5, channels, scale * scale * channels), dtype=np.float64)
    for py in range(scale):
        for px in range(scale):
            for c in range(channels):
                kernel[:, :, c, (py * scale + px) * channels + c] = np.outer(w[py], w[px])
    return kernel.astype(np.float32)


def symmetric_pad2(x, axis):
    """Pad 2 pixels each side of ``axis`` (1 = rows, 2 = columns) mirroring with the edge repeated.

    ``[x1, x0 | x0 … xn | xn, xn-1]`` is MATLAB ``imresize``'s border (numpy's
    ``mode="symmetric"``). Built from slices + CONCATENATION because the TFLite GPU delegate
    accepts MIRROR_PAD in REFLECT mode only (which would give ``[x2, x1 | x0 …]``).
    """
    if axis == 1:
        parts = [x[:, 1:2], x[:, 0:1], x, x[:, -1:], x[:, -2:-1]]
    else:
        parts = [x[:, :, 1:2], x[:, :, 0:1], x, x[:, :, -1:], x[:, :, -2:-1]]
    return ops.concatenate(parts, axis=axis)


@keras.saving.register_keras_serializable(package="keras_sr")
class BicubicUpsample(keras.layers.Layer):
    """MATLAB-style bicubic upscaling by an integer ``scale``, no weights, no rounding.

    Equals MATLAB ``imresize(x, scale, "bicubic")`` on float images (Keys a = −0.5,
    half-pixel centres, symmetric border), up to float32 rounding, for H, W ≥ 2:
    border pixels are built by slicing (symmetric, as MATLAB), the phases by one
    constant 5×5 CONV_2D, interleaved by DEPTH_TO_SPACE — all TFLite builtins the GPU
    delegate runs. Values are not clipped or rounded (MATLAB rounds and clips uint8
    images; keras-sr models take and return float [0, 1] images).
    Used in-graph by the ``bicubic`` baseline, SRCNN and RED-Net (LR in, SR out).

    Differences to MATLAB: none in the arithmetic (float32 instead of double, ~3e-7 on
    [0, 1] images); MATLAB returns uint8 for uint8 input (rounded, clipped), this layer
    float; a 1-pixel-high or -wide input (which MATLAB handles) is rejected.

    Shapes: (B, H, W, C) -> (B, H·scale, W·scale, C).
    """

    def __init__(self, scale, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"scale must be a positive int, got {scale!r}")
        self.scale = scale

    def _check_size(self, shape):
        for axis, n in (("height", shape[1]), ("width", shape[2])):
            if n is not None and n < 2:
                raise ValueError(f"{self.name}: input {axis} must be >= 2 for the symmetric "
                                 f"border, got {n}")

    def build(self, input_shape):
        self._check_size(input_shape)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self.name}: the channel dimension must be known")
        self.channels = int(channels)
        self._kernel = bicubic_conv_kernel(self.scale, self.channels)

    def call(self, inputs):
        self._check_size(inputs.shape)
        if self.scale == 1:
            return inputs
        x = symmetric_pad2(symmetric_pad2(inputs, axis=1), axis=2)
        kernel = ops.convert_to_tensor(self._kernel, dtype=inputs.dtype)
        phases = ops.conv(x, kernel, strides=1, padding="valid")
        return ops.depth_to_space(phases, self.scale)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        s = self.scale
        return (b, None if h is None else h * s, None if w is None else w * s, c)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
