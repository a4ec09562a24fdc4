"""RT4KSR's high-frequency branch: a Gaussian high-pass of the input and its gated fusion."""

import keras
import numpy as np
from keras import ops

from keras_sr.layers.activations import activation_layer
from keras_sr.layers.reparam_block import ReparamBlock


def gaussian_kernel1d(kernel_size, sigma):
    """torchvision's ``_get_gaussian_kernel1d``: ``exp(-x²/2σ²)`` on ``x = -(k-1)/2 … (k-1)/2``, sum 1."""
    x = np.arange(kernel_size, dtype=np.float64) - (kernel_size - 1) / 2
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


@keras.saving.register_keras_serializable(package="keras_sr")
class GaussianHighPass(keras.layers.Layer):
    """``x − GaussianBlur(x)`` with torchvision's kernel and reflect border (RT4KSR, SPECS §5.2 step 1).

    ``torchvision.transforms.GaussianBlur(kernel_size, sigma)`` with a fixed sigma: a
    separable normalised Gaussian applied per channel after reflect padding
    (``kernel_size // 2`` px, edge pixel not repeated). Holds no weights. Keras'
    ``ops.image.gaussian_blur`` zero-pads, hence this layer. Shapes: (B, H, W, C) -> same;
    H and W must exceed ``kernel_size // 2`` (reflect padding).
    """

    def __init__(self, kernel_size=5, sigma=1.0, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.kernel_size = int(kernel_size)
        self.sigma = float(sigma)
        if self.kernel_size < 1 or self.kernel_size % 2 == 0 or self.sigma <= 0:
            raise ValueError(
                f"kernel_size must be odd and positive and sigma > 0, got {kernel_size!r}, {sigma!r}")

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"{self.name}: the channel dimension must be known")
        self.channels = int(input_shape[-1])

    def call(self, inputs):
        k = gaussian_kernel1d(self.kernel_size, self.sigma)
        kernel = np.tile(np.outer(k, k)[:, :, None, None], (1, 1, self.channels, 1))
        p = self.kernel_size // 2
        padded = ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")
        blurred = ops.depthwise_conv(padded, ops.convert_to_tensor(kernel, inputs.dtype),
                                     padding="valid")
        return inputs - blurred

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "sigma": self.sigma}


HIGH_FREQUENCY_MODES = ("unused", "gated")


@keras.saving.register_keras_serializable(package="keras_sr")
class HighFrequencyGate(keras.layers.Layer):
    """RT4KSR's high-frequency branch ``hf = GELU(RB(s_hf))`` and the learnable gate (SPECS §5.2 5–6).

    * ``mode="gated"`` (the paper's ``forget=True``): called on ``[deep, s_hf]`` (deep
      features, head features of the high-passed input), returns ``gamma · deep + hf``;
      ``gamma`` is one scalar weight initialised to 0.
    * ``mode="unused"`` (the released checkpoints, ``forget=False``): called on ``deep``
      alone and returns it unchanged. The branch weights exist only so that the authors'
      checkpoints load whole (they never received gradients, SPECS §5.5); nothing is computed,
      and the layer is non-trainable by default (no "gradients do not exist" warnings in ``fit``).

    ``deploy=True`` holds the branch block as one 3x3 ``Conv2D`` (the fused
    :class:`ReparamBlock`). Shapes: (B, H, W, C) -> (B, H, W, C).
    """

    def __init__(self, filters, mode="gated", deploy=False, **kwargs):
        if mode not in HIGH_FREQUENCY_MODES:
            raise ValueError(f"mode must be one of {HIGH_FREQUENCY_MODES}, got {mode!r}")
        kwargs.setdefault("trainable", mode == "gated")
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.mode = mode
        self.deploy = bool(deploy)
        if self.deploy:
            self.block = keras.layers.Conv2D(self.filters, 3, padding="same", name="block")
        else:
            self.block = ReparamBlock(self.filters, name="block")
        self.act = activation_layer("gelu", name="act")
        if not self.trainable:  # the constructor flag does not reach sublayers by itself
            self.block.trainable = False

    def build(self, input_shape):
        if self.mode == "gated":
            if len(input_shape) != 2:
                raise ValueError(f"{self.name}: mode 'gated' is called on [deep, s_hf]")
            input_shape = input_shape[1]
        feat_shape = tuple(input_shape[:-1]) + (self.filters,)
        self.block.build(feat_shape)
        self.act.build(feat_shape)
        self.gamma = self.add_weight(name="gamma", shape=(1,), initializer="zeros")

    def call(self, inputs):
        if self.mode == "unused":
            return inputs
        deep, s_hf = inputs
        return self.gamma * deep + self.act(self.block(s_hf))

    def compute_output_shape(self, input_shape):
        return input_shape[0] if self.mode == "gated" else input_shape

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "mode": self.mode,
                "deploy": self.deploy}


__all__ = ["GaussianHighPass", "HighFrequencyGate", "HIGH_FREQUENCY_MODES", "gaussian_kernel1d"]
