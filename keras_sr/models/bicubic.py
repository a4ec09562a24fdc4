"""The bicubic baseline as a model: no weights, MATLAB-style bicubic upscaling (SPECS §0.2)."""

import keras

from keras_sr.layers import BicubicUpsample
from keras_sr.models.registry import register

PRESETS = {
    "bicubic": {
        "arch": "bicubic", "scales": (2, 3, 4),
        "config": {"channels": 3},
        "description": "Bicubic upscaling (MATLAB imresize kernel and border), no weights",
        "reference": "Keys 1981 cubic convolution, a = -0.5; MATLAB imresize; SPECS §0.2",
    },
}


def bicubic(scale, channels=3, name="bicubic"):
    """Bicubic interpolation as a functional model (the evaluation baseline).

    Args:
        scale: any integer factor ≥ 1 (the preset lists 2, 3, 4).
        channels: image channels (3 for RGB, 1 for Y).

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels),
        not clipped (bicubic overshoots slightly at edges). H, W ≥ 2.
    """
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    outputs = BicubicUpsample(scale, name="bicubic")(inputs)
    return keras.Model(inputs, outputs, name=name)


register("bicubic", bicubic, PRESETS)
