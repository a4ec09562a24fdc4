"""Sub-pixel rearrangements: depth_to_space / space_to_depth as layers.

Channel order is TensorFlow's "DCR" (output pixel (i, j) of channel c reads input
channel ``(i * r + j) * C + c``), not PyTorch's "CRD"; see SPECS §0.3. Porting
PyTorch weights therefore permutes the conv that feeds a shuffle instead of adding
a transpose to the graph (``keras_sr.convert``).
"""

import keras
from keras import ops


def _check_block_size(block_size):
    if not isinstance(block_size, int) or block_size < 1:
        raise ValueError(f"block_size must be a positive int, got {block_size!r}")
    return block_size


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelShuffle(keras.layers.Layer):
    """(B, H, W, C·r²) -> (B, H·r, W·r, C): ``depth_to_space`` (Shi et al. 2016).

    Maps to TFLite's builtin DEPTH_TO_SPACE, which the mobile GPU delegate runs.
    """

    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = _check_block_size(block_size)

    def call(self, inputs):
        return ops.depth_to_space(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.block_size
        if c is not None and c % (r * r):
            raise ValueError(f"{self.name}: channels {c} not divisible by block_size² = {r * r}")
        return (b, None if h is None else h * r, None if w is None else w * r,
                None if c is None else c // (r * r))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelUnshuffle(keras.layers.Layer):
    """(B, H, W, C) -> (B, H/r, W/r, C·r²): ``space_to_depth``; H and W must be multiples of r."""

    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = _check_block_size(block_size)

    def call(self, inputs):
        # Eager calls and traces with a static shape get a clear error, not a backend crash.
        self._check_divisible(tuple(inputs.shape))
        return ops.space_to_depth(inputs, self.block_size)

    def _check_divisible(self, shape):
        r = self.block_size
        bad = [f"{name} {n}" for name, n in (("height", shape[1]), ("width", shape[2]))
               if isinstance(n, int) and n % r]
        if bad:
            raise ValueError(f"{self.name}: input shape {shape} has {' and '.join(bad)}, "
                             f"not a multiple of {r}; pad or crop the image to a multiple of {r}")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        r = self.block_size
        self._check_divisible(tuple(input_shape))
        return (b, None if h is None else h // r, None if w is None else w // r,
                None if c is None else c * r * r)

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}
