"""SRCNN 9-1-5 (Dong et al., "Image Super-Resolution Using Deep Convolutional Networks",
ECCV 2014 / TPAMI 2016; SPECS §6.1)."""

import keras

from keras_sr.layers import BicubicUpsample
from keras_sr.models.registry import register

PRESETS = {
    "srcnn": {
        "arch": "srcnn", "scales": (2, 3, 4),
        "config": {"filters": (64, 32), "kernel_sizes": (9, 1, 5), "channels": 1},
        "description": "SRCNN 9-1-5, 64/32 filters, Y channel, on the bicubic-upsampled LR image",
        "reference": "Dong et al., ECCV 2014 / TPAMI 2016; SPECS §6.1",
    },
}


def srcnn(scale, filters=(64, 32), kernel_sizes=(9, 1, 5), channels=1, name="srcnn"):
    """SRCNN as a functional model, LR in / SR out.

    Graph: in-graph bicubic ×``scale`` (:class:`~keras_sr.layers.BicubicUpsample`, the
    paper's pre-processing) -> conv k1 (filters[0]) + ReLU -> conv k2 (filters[1]) + ReLU
    -> conv k3 (channels). The paper's convolutions are "valid" (the output is 12 px
    smaller than the input for 9-1-5); here they are zero-padded "same" so that the
    output has the full H·scale × W·scale size like every model of the zoo.

    Args:
        scale: integer upscaling factor.
        filters: widths of the first two layers (n1, n2).
        kernel_sizes: (f1, f2, f3).
        channels: 1 (Y, the paper's setting) or 3 (RGB).

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels)
        in [0, 1] (not clipped).
    """
    if len(filters) != 2 or len(kernel_sizes) != 3:
        raise ValueError(f"srcnn needs 2 filters and 3 kernel_sizes, got {filters!r}, {kernel_sizes!r}")
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    x = BicubicUpsample(scale, name="bicubic")(inputs)
    x = keras.layers.Conv2D(filters[0], kernel_sizes[0], padding="same", activation="relu",
                            name="patch_extraction")(x)
    x = keras.layers.Conv2D(filters[1], kernel_sizes[1], padding="same", activation="relu",
                            name="mapping")(x)
    outputs = keras.layers.Conv2D(channels, kernel_sizes[2], padding="same", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name=name)


register("srcnn", srcnn, PRESETS)
