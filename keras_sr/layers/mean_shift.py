"""EDSR's frozen RGB mean shift, with the [0, 1] -> [0, rgb_range] rescaling folded in."""

import keras
from keras import ops

# DIV2K training-set RGB mean used by EDSR/MDSR (EDSR-PyTorch `args.rgb_mean`).
DIV2K_RGB_MEAN = (0.4488, 0.4371, 0.4040)


@keras.saving.register_keras_serializable(package="keras_sr")
class MeanShift(keras.layers.Layer):
    """Subtract or add a fixed per-channel mean; holds no weights (nothing to train).

    keras-sr models take and return images in [0, 1]. EDSR works in [0, rgb_range]
    (255 in the paper code), so the scaling is folded into the shift:

    * ``direction="subtract"``: ``y = rgb_range · (x − mean)``  ([0, 1] in)
    * ``direction="add"``:      ``y = x / rgb_range + mean``    ([0, 1] out)

    which equals EDSR-PyTorch's ``sub_mean``/``add_mean`` on ``rgb_range``-scaled
    images (SPECS §0.3, §1.1). Shapes: (B, H, W, C) -> (B, H, W, C), C = len(mean).
    """

    def __init__(self, mean=DIV2K_RGB_MEAN, rgb_range=255.0, direction="subtract", **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if direction not in ("subtract", "add"):
            raise ValueError(f"direction must be 'subtract' or 'add', got {direction!r}")
        if rgb_range <= 0:
            raise ValueError(f"rgb_range must be > 0, got {rgb_range!r}")
        self.mean = tuple(float(m) for m in mean)
        self.rgb_range = float(rgb_range)
        self.direction = direction

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != len(self.mean):
            raise ValueError(
                f"{self.name}: input has {input_shape[-1]} channels but mean has {len(self.mean)}")

    def call(self, inputs):
        mean = ops.convert_to_tensor(self.mean, dtype=inputs.dtype)
        if self.direction == "subtract":
            return (inputs - mean) * self.rgb_range
        return inputs / self.rgb_range + mean

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mean": list(self.mean),
                "rgb_range": self.rgb_range, "direction": self.direction}
