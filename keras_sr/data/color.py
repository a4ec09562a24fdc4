"""RGB <-> YCbCr as MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb`` (ITU-R BT.601, studio swing).

For R, G, B in [0, 1]: Y = 16 + 65.481 R + 128.553 G + 24.966 B (Y in [16, 235] of 255),
Cb, Cr in [16, 240]. Here every value is divided by 255 so images stay in [0, 1]:
``rgb_to_y`` returns MATLAB's Y / 255 (not rounded), the Y that SR papers evaluate on.

The functions take numpy arrays (returning numpy, float64 math) or backend tensors
(returning tensors, computed with ``keras.ops``), channels last.
"""

import keras
import numpy as np

# Rows give Y, Cb, Cr in [0, 255] from R, G, B in [0, 1] (MATLAB rgb2ycbcr).
RGB_TO_YCBCR = np.array([[65.481, 128.553, 24.966],
                         [-37.797, -74.203, 112.0],
                         [112.0, -93.786, -18.214]])
YCBCR_OFFSET = np.array([16.0, 128.0, 128.0])


def _check_channels(x, n, fn):
    if x.shape[-1] != n:
        raise ValueError(f"{fn} takes channels-last images with {n} channels, got shape {tuple(x.shape)}")


def _affine(x, matrix, offset):
    """``x @ matrix.T + offset`` over the last axis, numpy or keras.ops."""
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x, np.float64) @ matrix.T + offset
    dtype = keras.backend.standardize_dtype(x.dtype)
    dtype = dtype if "float" in dtype else "float32"
    x = keras.ops.cast(x, dtype)
    return (keras.ops.tensordot(x, keras.ops.convert_to_tensor(matrix.T, dtype), axes=1)
            + keras.ops.convert_to_tensor(offset, dtype))


def rgb_to_ycbcr(rgb):
    """RGB in [0, 1] (..., 3) -> YCbCr (..., 3) in [0, 1] (MATLAB ``rgb2ycbcr`` / 255)."""
    _check_channels(rgb, 3, "rgb_to_ycbcr")
    return _affine(rgb, RGB_TO_YCBCR / 255.0, YCBCR_OFFSET / 255.0)


def ycbcr_to_rgb(ycbcr):
    """YCbCr (..., 3) in [0, 1] (as :func:`rgb_to_ycbcr` gives) -> RGB in [0, 1] (not clipped)."""
    _check_channels(ycbcr, 3, "ycbcr_to_rgb")
    inverse = np.linalg.inv(RGB_TO_YCBCR / 255.0)
    return _affine(ycbcr, inverse, -inverse @ (YCBCR_OFFSET / 255.0))


def rgb_to_y(rgb):
    """RGB in [0, 1] (..., 3) -> Y (..., 1) in [16/255, 235/255] (MATLAB Y / 255, unrounded)."""
    _check_channels(rgb, 3, "rgb_to_y")
    return _affine(rgb, RGB_TO_YCBCR[:1] / 255.0, YCBCR_OFFSET[:1] / 255.0)
