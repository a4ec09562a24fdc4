"""RT4KSR (Zamfir, Conde, Timofte, "Towards Real-Time 4K Image Super-Resolution", CVPRW 2023;
SPECS §5): training form, deploy form, and :func:`reparameterize` between them."""

import keras
import numpy as np

from keras_sr.layers import (ChannelLayerNorm, GaussianHighPass, HighFrequencyGate, PixelShuffle,
                             PixelUnshuffle, ReparamBlock, activation_layer)
from keras_sr.layers.high_frequency import HIGH_FREQUENCY_MODES
from keras_sr.models.registry import register
from keras_sr.models.rt4ksr_arch import _SPATIAL, architecture_of

PRESETS = {
    "rt4ksr": {
        "arch": "rt4ksr", "scales": (2, 3, 4),
        "config": {"num_feats": 24, "num_blocks": 4, "high_frequency": "unused"},
        "description": "RT4KSR as released: 24 features, 4 blocks, high-frequency branch unused "
                       "(x2/x3 authors' weights via keras_sr.convert.load_rt4ksr_torch)",
        "reference": "Zamfir et al., CVPRW 2023; eduardzamfir/RT4KSR rt4ksr_rep + parser.py defaults",
    },
}


def _block(num_feats, deploy, name):
    if deploy:
        return keras.layers.Conv2D(num_feats, 3, padding="same", name=name)
    return ReparamBlock(num_feats, name=name)


def _layer_norm(name):
    # == the authors' LayerNorm2d on NHWC: per pixel over channels, biased variance (SPECS §0.3);
    # ChannelLayerNorm: Keras LayerNormalization computed in an order the GPU delegate takes.
    return ChannelLayerNorm(epsilon=1e-6, name=name)


def rt4ksr(scale, num_feats=24, num_blocks=4, high_frequency="unused", deploy=False,
           blur_kernel_size=5, blur_sigma=1.0, channels=3, init=None, name="rt4ksr"):
    """RT4KSR as a functional model (SPECS §5.2; deploy form §5.8).

    Graph: pixel-unshuffle(2) -> head conv 3x3 -> ``num_blocks`` x [LayerNorm -> RB -> GELU]
    -> [high-frequency gate] -> tail [LayerNorm -> RB] -> conv 3x3 -> pixel-shuffle(2·scale).
    RB is a :class:`~keras_sr.layers.ReparamBlock` in the training form and a single
    ``Conv2D(num_feats, 3)`` in the deploy form (``deploy=True``, or :func:`reparameterize`).
    No global skip and no clipping; no mean subtraction (the authors use RGB in [0, 1]).

    Args:
        scale: upscaling factor (the released weights: 2 and 3; any integer >= 1 builds).
        num_feats, num_blocks: C and N (released: 24 and 4).
        high_frequency: the paper's high-frequency branch ``x − GaussianBlur(x)`` ->
            pixel-unshuffle -> the shared head conv -> RB -> GELU:

            * ``"unused"`` — the released configuration (``forget=False``): the branch's
              weights (one RB and ``gamma``) exist so that the authors' checkpoints load
              whole and the parameter counts match theirs (152,233 / 44,521 at x2), but the
              authors discard its output, so the graph does not compute it at all, and they
              are non-trainable (129,072 trainable parameters at x2).
            * ``"gated"`` — the paper's ``forget=True``: the tail sees
              ``gamma · deep + hf`` with a learnable scalar ``gamma`` initialised to 0.
            * ``None`` — no branch and no branch weights (minimal: 39,312 deploy params at x2).
        deploy: build the inference form (every RB one 3x3 conv). Weights come from
            :func:`reparameterize` of a trained training-form model.
        blur_kernel_size, blur_sigma: the high-pass Gaussian (torchvision ``GaussianBlur(5, 1)``).
        channels: image channels (3 for RGB).
        init: ``None`` (Keras' default initialisation), ``"bicubic"`` or ``"nearest"``: start
            ≈ that upsampling (initialisation only — same layers and parameter count;
            :func:`keras_sr.models.rt4ksr_init.init_near_upsampling`). The fast recipe uses
            ``"bicubic"``: from scratch RT4KSR learns slowly.

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels),
        not clipped. H and W must be even (pixel-unshuffle by 2); an odd size raises a
        ``ValueError`` naming the shape.
    """
    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    if high_frequency not in HIGH_FREQUENCY_MODES + (None,):
        raise ValueError(f"high_frequency must be one of {HIGH_FREQUENCY_MODES + (None,)}, "
                         f"got {high_frequency!r}")
    scale = int(scale)
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    head = keras.layers.Conv2D(num_feats, 3, padding="same", name="head")
    x = head(PixelUnshuffle(_SPATIAL, name="unshuffle")(inputs))
    for i in range(num_blocks):
        x = _layer_norm(f"body{i}_norm")(x)
        x = _block(num_feats, deploy, f"body{i}_conv")(x)
        x = activation_layer("gelu", name=f"body{i}_act")(x)
    if high_frequency is not None:
        gate = HighFrequencyGate(num_feats, mode=high_frequency, deploy=deploy, name="hf_gate")
        if high_frequency == "gated":
            hf = GaussianHighPass(blur_kernel_size, blur_sigma, name="high_pass")(inputs)
            x = gate([x, head(PixelUnshuffle(_SPATIAL, name="hf_unshuffle")(hf))])
        else:
            x = gate(x)
    x = _layer_norm("tail_norm")(x)
    x = _block(num_feats, deploy, "tail_conv")(x)
    r = _SPATIAL * scale
    x = keras.layers.Conv2D(channels * r * r, 3, padding="same", name="upsample_conv")(x)
    outputs = PixelShuffle(r, name="upsample_shuffle")(x)
    model = keras.Model(inputs, outputs, name=name)
    if init is not None:
        from keras_sr.models.rt4ksr_init import init_near_upsampling

        init_near_upsampling(model, init)
    return model


def _fused(block):
    kernel, bias = block.fused_kernel_and_bias()
    return [kernel.astype(np.float32), bias.astype(np.float32)]


def reparameterize(model, name=None):
    """The deploy form of a training-form RT4KSR model: a new model, every RB fused into one
    3x3 conv (SPECS §5.3), all other weights copied. Same outputs up to float rounding
    (borders included); the input model is left unchanged.

    Args:
        model: a training-form model from :func:`rt4ksr` (or ``keras_sr.models.build("rt4ksr")``,
            ``keras_sr.convert.load_rt4ksr_torch``, or such a model loaded from ``.keras``).
        name: the new model's name (default: ``model.name + "_deploy"``).
    """
    arch = architecture_of(model)
    if arch.pop("deploy"):
        raise ValueError(f"model {model.name!r} is already in deploy form")
    deploy = rt4ksr(**arch, deploy=True, name=name or f"{model.name}_deploy")
    for layer in deploy.layers:
        source = model.get_layer(layer.name)
        if isinstance(source, ReparamBlock):
            layer.set_weights(_fused(source))
        elif isinstance(source, HighFrequencyGate):
            layer.block.set_weights(_fused(source.block))
            layer.gamma.assign(source.gamma)
        elif source.weights:
            layer.set_weights(source.get_weights())
    return deploy


register("rt4ksr", rt4ksr, PRESETS)
