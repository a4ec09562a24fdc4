"""SRDenseNet (Tong, Li, Liu, Gao, "Image Super-Resolution Using Dense Skip Connections",
ICCV 2017; SPECS §2). No official code; SRDenseNet_All follows yjn870/SRDenseNet-pytorch."""

import keras

from keras_sr.layers import DenseBlock, TransposedConvUpsampler
from keras_sr.models.registry import register

_CONFIG = {"num_blocks": 8, "num_layers": 8, "growth_rate": 16, "bottleneck_filters": 256, "channels": 1}
_REFERENCE = "Tong et al., ICCV 2017, §3 (variants partially UNVERIFIED, SPECS §2.1)"

PRESETS = {
    "srdensenet-h": {
        "arch": "srdensenet", "scales": (4,), "config": {"variant": "h", **_CONFIG},
        "description": "SRDenseNet_H: 8 dense blocks in sequence, last block's features -> deconvs; Y",
        "reference": _REFERENCE,
    },
    "srdensenet-hl": {
        "arch": "srdensenet", "scales": (4,), "config": {"variant": "hl", **_CONFIG},
        "description": "SRDenseNet_HL: low-level + last block's features -> deconvs; Y",
        "reference": _REFERENCE,
    },
    "srdensenet-all": {
        "arch": "srdensenet", "scales": (4,), "config": {"variant": "all", **_CONFIG},
        "description": "SRDenseNet_All: dense skips between all blocks, 1x1 bottleneck, deconvs; Y",
        "reference": _REFERENCE + "; yjn870/SRDenseNet-pytorch models.py",
    },
}

VARIANTS = ("h", "hl", "all")


def srdensenet(scale=4, variant="all", num_blocks=8, num_layers=8, growth_rate=16,
               bottleneck_filters=256, channels=1, name="srdensenet"):
    """SRDenseNet as a functional model.

    Graph: low-level conv 3×3 (``num_layers·growth_rate`` maps) + ReLU -> ``num_blocks``
    :class:`~keras_sr.layers.DenseBlock`s (each returns its ``num_layers·growth_rate`` new
    maps) -> features chosen by ``variant`` -> bottleneck conv 1×1 (``bottleneck_filters``)
    + ReLU -> log2(scale) × [deconv 3×3 stride 2 + ReLU] -> reconstruction conv 3×3. No
    global or bicubic skip.

    Variants (§2.1). ``"all"`` is the coded SRDenseNet_All: block i is fed
    ``[low, b_0, …, b_{i-1}]`` and the bottleneck sees ``[low, b_0, …, b_{n-1}]``
    (2,659,585 parameters on 1 channel). ``"h"`` and ``"hl"`` follow the paper's
    description as read in reviews; their exact wiring is **UNVERIFIED** (whether their
    blocks also see earlier blocks is not stated). Chosen here: blocks in sequence, each fed
    the previous block's output only; ``"h"`` feeds the last block's output to the
    bottleneck, ``"hl"`` feeds ``[low, last block's output]``. The 1×1 bottleneck + ReLU is
    kept for all variants (for H/HL an assumption).

    Args:
        scale: a power of 2 (the paper defines ×4 only).
        variant: ``"h"``, ``"hl"`` or ``"all"``.
        num_blocks, num_layers, growth_rate: 8, 8, 16 in the paper.
        bottleneck_filters: 256.
        channels: 1 (Y, the paper's setting) or 3 (RGB).

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels)
        in [0, 1] (not clipped).
    """
    if variant not in VARIANTS:
        raise ValueError(f"srdensenet variant must be one of {VARIANTS}, got {variant!r}")
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    low = keras.layers.Conv2D(num_layers * growth_rate, 3, padding="same", activation="relu",
                              name="low_level")(inputs)
    features = [low]
    x = low
    for i in range(num_blocks):
        block_input = (keras.layers.Concatenate(name=f"dense_input{i}")(features)
                       if variant == "all" and i > 0 else x)
        x = DenseBlock(num_layers, growth_rate, name=f"dense_block{i}")(block_input)
        features.append(x)
    if variant == "all":
        x = keras.layers.Concatenate(name="all_levels")(features)
    elif variant == "hl":
        x = keras.layers.Concatenate(name="low_and_high")([low, x])
    x = keras.layers.Conv2D(bottleneck_filters, 1, activation="relu", name="bottleneck")(x)
    x = TransposedConvUpsampler(scale, bottleneck_filters, name="upsample")(x)
    outputs = keras.layers.Conv2D(channels, 3, padding="same", name="reconstruction")(x)
    return keras.Model(inputs, outputs, name=name)


register("srdensenet", srdensenet, PRESETS)
