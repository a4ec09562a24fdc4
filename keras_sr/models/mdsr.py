"""MDSR: one multi-scale network for ×2/×3/×4 (Lim et al., CVPRW 2017, §3.3; SPECS §1.2)."""

import keras

from keras_sr.layers import (DIV2K_RGB_MEAN, MeanShift, PixelShuffleUpsampler, ResidualBlock,
                             ResidualGroup)
from keras_sr.models.registry import register

PRESETS = {
    "mdsr-baseline": {
        "arch": "mdsr", "scales": (2, 3, 4),
        "config": {"num_blocks": 16, "filters": 64},
        "description": "MDSR baseline: shared 16-block body, per-scale 5x5 pre-processing and upsamplers",
        "reference": "Lim et al., CVPRW 2017, §3.3 (EDSR-PyTorch mdsr.py)",
    },
    "mdsr": {
        "arch": "mdsr", "scales": (2, 3, 4),
        "config": {"num_blocks": 80, "filters": 64},
        "description": "MDSR: shared 80-block body, per-scale 5x5 pre-processing and upsamplers",
        "reference": "Lim et al., CVPRW 2017, §3.3 (EDSR-PyTorch mdsr.py)",
    },
}


def output_name(scale):
    """Name of the output layer that carries the ×``scale`` image of a multi-scale MDSR."""
    return f"sr_x{scale}"


def mdsr(scales=(2, 3, 4), scale=None, num_blocks=16, filters=64, pre_kernel_size=5,
         rgb_range=255.0, rgb_mean=DIV2K_RGB_MEAN, channels=3, name="mdsr"):
    """MDSR as a functional model.

    Graph (EDSR-PyTorch ``mdsr.py``): sub_mean -> shared head conv -> per-scale
    pre-processing (2 residual blocks, ``pre_kernel_size`` kernels) -> shared body
    (``num_blocks`` blocks + conv + skip) -> per-scale pixel-shuffle upsampler ->
    shared tail conv -> add_mean.

    Args:
        scales: the scales with their own pre-processing and upsampler.
        scale: ``None`` returns the multi-scale model, one output per scale, named
            ``sr_x{s}`` in ``scales`` order. A scale returns that scale's single-output
            model (see :func:`scale_model`).
        num_blocks, filters: B and F of the shared body.
        rgb_range, rgb_mean, channels: as :func:`keras_sr.models.edsr.edsr`.

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·s, W·s, channels) in [0, 1]
        per scale s.
    """
    scales = tuple(int(s) for s in scales)
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    x = MeanShift(rgb_mean, rgb_range, "subtract", name="sub_mean")(inputs)
    x = keras.layers.Conv2D(filters, 3, padding="same", name="head")(x)
    body = ResidualGroup(num_blocks, filters, name="body")
    tail = keras.layers.Conv2D(channels, 3, padding="same", name="tail")
    add_mean = MeanShift(rgb_mean, rgb_range, "add", name="add_mean")
    outputs = []
    for s in scales:
        y = ResidualBlock(filters, pre_kernel_size, name=f"pre_x{s}_0")(x)
        y = ResidualBlock(filters, pre_kernel_size, name=f"pre_x{s}_1")(y)
        y = PixelShuffleUpsampler(s, filters, name=f"upsample_x{s}")(body(y))
        outputs.append(keras.layers.Identity(name=output_name(s))(add_mean(tail(y))))
    if scale is None:
        return keras.Model(inputs, outputs, name=name)
    return scale_model(keras.Model(inputs, outputs, name=f"{name}_multiscale"), scale, name=name)


def scale_model(model, scale, name=None):
    """The ×``scale`` branch of a multi-scale MDSR as its own single-output model.

    It shares every layer (and so every weight) with ``model``: training it updates the
    shared body and that scale's modules only, which is MDSR's per-batch-scale
    training (§3.3); it exports like any single-scale model.
    """
    try:
        out = model.get_layer(output_name(scale)).output
    except ValueError:
        names = [n for n in model.output_names if n.startswith("sr_x")]
        raise ValueError(f"model {model.name!r} has no ×{scale} output; outputs: {names}") from None
    return keras.Model(model.inputs[0], out, name=name or f"{model.name}_x{scale}")


def scale_models(model):
    """``{scale: single-scale model}`` for every output of a multi-scale MDSR (shared weights)."""
    scales = [int(n[len("sr_x"):]) for n in model.output_names if n.startswith("sr_x")]
    return {s: scale_model(model, s) for s in scales}


def identity_pre_processing(model, names=None):
    """Make MDSR's per-scale pre-processing blocks (``pre_x{s}_{i}``, or those in ``names``)
    identities, in place: each residual block's second convolution set to zero, so that
    ``x + conv2(act(conv1(x)))`` is ``x``. A branch then computes what the shared head, body,
    upsampler and tail compute alone: how MDSR starts from a single-scale EDSR-baseline
    (:func:`keras_sr.training.warm_start`). Gradients still reach ``conv1`` through ``conv2``
    once ``conv2`` moves. Returns the names set."""
    names = [layer.name for layer in model.layers if layer.name.startswith("pre_x")] if names is None else names
    for name in names:
        block = model.get_layer(name)
        block.conv2.kernel.assign(keras.ops.zeros_like(block.conv2.kernel))
        block.conv2.bias.assign(keras.ops.zeros_like(block.conv2.bias))
    return names


register("mdsr", mdsr, PRESETS)
