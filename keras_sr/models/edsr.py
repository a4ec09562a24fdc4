"""EDSR and EDSR-baseline (Lim et al., "Enhanced Deep Residual Networks for Single Image
Super-Resolution", CVPRW 2017, §3.1; SPECS §1.1)."""

import keras

from keras_sr.layers import DIV2K_RGB_MEAN, MeanShift, PixelShuffleUpsampler, ResidualGroup
from keras_sr.models.registry import register

PRESETS = {
    "edsr-baseline": {
        "arch": "edsr", "scales": (2, 3, 4),
        "config": {"num_blocks": 16, "filters": 64, "res_scale": 1.0},
        "description": "EDSR baseline: 16 residual blocks, 64 filters",
        "reference": "Lim et al., CVPRW 2017, §3.1 / Table 1",
    },
    # keras-sr's own: EDSR-baseline x2 / x4 fine-tuned on degraded inputs (issue #25, real photos); the
    # default of `keras-sr upscale`. Its "degradation" is the training chain: `keras-sr train` and
    # `keras-sr eval` use it by default.
    "edsr-baseline-real": {
        "arch": "edsr", "scales": (2, 4),
        "config": {"num_blocks": 16, "filters": 64, "res_scale": 1.0},
        "degradation": "blur:0.2-1.6@0.5+bicubic+noise:1-10@0.8+jpeg:50-95@0.9",
        "description": "EDSR baseline for real photos: trained on blurred, noisy, JPEG-compressed LR",
        "reference": "Lim et al., CVPRW 2017, §3.1 (architecture); the degradations are keras-sr's (issue #25)",
    },
    "edsr": {
        "arch": "edsr", "scales": (2, 3, 4),
        "config": {"num_blocks": 32, "filters": 256, "res_scale": 0.1},
        "description": "EDSR: 32 residual blocks, 256 filters, residual scaling 0.1",
        "reference": "Lim et al., CVPRW 2017, §3.1 / Table 1",
    },
}


def edsr(scale, num_blocks=16, filters=64, res_scale=1.0, rgb_range=255.0,
         rgb_mean=DIV2K_RGB_MEAN, channels=3, name="edsr"):
    """EDSR as a functional model.

    Graph: sub_mean -> conv 3x3 -> ``num_blocks`` residual blocks + conv + global
    skip -> pixel-shuffle upsampler -> conv 3x3 -> add_mean. Internally the network
    works in [0, ``rgb_range``] like the paper code; the mean shifts fold the scaling.

    Args:
        scale: 2, 3 or 4 (any power of 2 works).
        num_blocks, filters, res_scale: B, F and the residual scaling of the paper.
        rgb_range: value range the network computes in (255 in EDSR-PyTorch).
        rgb_mean: per-channel mean removed at the input (DIV2K's by default).
        channels: image channels (3 for RGB).

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels)
        in [0, 1] (not clipped).
    """
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    x = MeanShift(rgb_mean, rgb_range, "subtract", name="sub_mean")(inputs)
    x = keras.layers.Conv2D(filters, 3, padding="same", name="head")(x)
    x = ResidualGroup(num_blocks, filters, res_scale=res_scale, name="body")(x)
    x = PixelShuffleUpsampler(scale, filters, name="upsample")(x)
    x = keras.layers.Conv2D(channels, 3, padding="same", name="tail")(x)
    outputs = MeanShift(rgb_mean, rgb_range, "add", name="add_mean")(x)
    return keras.Model(inputs, outputs, name=name)


register("edsr", edsr, PRESETS)
