"""SRResNet and the SRGAN discriminator (Ledig et al., "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network", CVPR 2017, §2.2, Fig. 4; SPECS §4)."""

import keras

from keras_sr.layers import PixelShuffleUpsampler, ResidualGroup, activation_layer
from keras_sr.models.registry import register

PRESETS = {
    "srresnet": {
        "arch": "srresnet", "scales": (2, 4),
        "config": {"num_blocks": 16, "filters": 64, "activation": "prelu"},
        "description": "SRResNet: 16 BN residual blocks, PReLU, sub-pixel upsampling, 9x9 head/tail",
        "reference": "Ledig et al., CVPR 2017, Fig. 4; Lornatang/SRGAN-PyTorch model.py (SPECS §4.1)",
    },
    # The same network under the name of the weights it carries: SRGAN's generator is an
    # SRResNet trained adversarially, so `keras_sr.from_preset("srgan", scale=4)` (and
    # `keras-sr upscale --model srgan`) find the SRGAN weights, `from_preset("srresnet", ...)` the MSE ones.
    "srgan": {
        "arch": "srresnet", "scales": (2, 4),
        "config": {"num_blocks": 16, "filters": 64, "activation": "prelu"},
        "description": "SRGAN generator: the SRResNet network, for weights trained with SRGAN's adversarial loss",
        "reference": "Ledig et al., CVPR 2017, §2.2/3.2 (SPECS §4.3)",
    },
}

DISCRIMINATOR_PRESETS = {
    "srgan-discriminator": {
        "arch": "srgan_discriminator", "scales": (),
        "config": {"input_size": 96, "filters": 64},
        "description": "SRGAN discriminator for 96x96 HR patches: 8 convs (64->512), Dense 1024, Dense 1 (logit)",
        "reference": "Ledig et al., CVPR 2017, Fig. 4; Lornatang/SRGAN-PyTorch (SPECS §4.2)",
    },
}

# Keras equivalents of PyTorch BatchNorm2d defaults (SPECS §0.3).
BN_MOMENTUM = 0.9
BN_EPSILON = 1e-5


def srresnet(scale, num_blocks=16, filters=64, activation="prelu", channels=3,
             name="srresnet"):
    """SRResNet (the SRGAN generator) as a functional model.

    Graph: conv 9×9 + PReLU -> ``num_blocks`` × [conv-BN-PReLU-conv-BN + skip] -> conv-BN
    + long skip -> sub-pixel ×2 steps [conv -> pixel shuffle -> PReLU] -> conv 9×9 ->
    ``0.5·y + 0.5``. Every conv has a bias: 1,550,659 parameters at ×4 with per-channel
    PReLU, 1,549,462 (SPECS §4.1) with ``activation="prelu_scalar"``.

    Value range: the paper feeds LR in [0, 1] and trains against HR in [−1, 1] (§3.2), so
    the tail conv's output ``y`` lives in [−1, 1]; the fixed map ``0.5·y + 0.5``
    (``Rescaling``, no weights) folds that into the graph and the model returns [0, 1]
    like every keras-sr model. MSE on this [0, 1] output is the paper's MSE / 4, i.e. the
    same minimiser; a recipe that wants the paper's loss scale multiplies it by 4.

    Args:
        scale: 2 or 4 (any power of 2; pixel-shuffle ×2 steps).
        num_blocks, filters: B = 16 and 64 in the paper.
        activation: ``"prelu"`` (default: one slope per channel, ``shared_axes=[1, 2]``;
            TFLite PRELU with a per-channel alpha, which the GPU delegate runs) or
            ``"prelu_scalar"`` (one slope per PReLU, ``nn.PReLU()`` as in the reference code
            and its 1,549,462 count; 1,197 fewer parameters at ×4, but its (1, 1, 1) alpha
            is rejected by the TFLite GPU delegate's PRELU, which needs C or H·W·C alphas).
        channels: 3 (RGB).

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels)
        in [0, 1] (not clipped). BN uses batch statistics only when called with
        ``training=True``.
    """
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    x = keras.layers.Conv2D(filters, 9, padding="same", name="head")(inputs)
    x = activation_layer(activation, name="head_act")(x)
    x = ResidualGroup(num_blocks, filters, activation=activation, batch_norm=True,
                      bn_momentum=BN_MOMENTUM, bn_epsilon=BN_EPSILON, name="body")(x)
    x = PixelShuffleUpsampler(scale, filters, activation=activation, name="upsample")(x)
    x = keras.layers.Conv2D(channels, 9, padding="same", name="tail")(x)
    outputs = keras.layers.Rescaling(0.5, offset=0.5, name="to_unit_range")(x)
    return keras.Model(inputs, outputs, name=name)


def srgan_discriminator(input_size=96, filters=64, channels=3, name="srgan_discriminator"):
    """The SRGAN discriminator as a functional model (not an SR model: no scale).

    Graph: ``2·x − 1`` (images in [0, 1] -> the paper's [−1, 1]) -> conv 3×3 ``filters``
    + LeakyReLU(0.2) -> 7 × [conv 3×3 (stride 2 at odd positions, width doubling every
    two layers up to 8·filters), no bias, BN, LeakyReLU(0.2)] -> flatten -> Dense 1024 ->
    LeakyReLU(0.2) -> Dense 1. Output is a **logit** (the sigmoid belongs to the loss,
    e.g. ``BinaryCrossentropy(from_logits=True)``). 23,563,649 parameters at 96×96.

    Args:
        input_size: side of the square HR patch; fixed because of the dense layer
            (flatten size ``8·filters·ceil(input_size / 16)²``).
        filters: width of the first conv (64).
        channels: 3 (RGB).

    Returns:
        ``keras.Model``: (B, input_size, input_size, channels) in [0, 1] -> (B, 1) logits.
    """
    if not isinstance(input_size, int) or input_size < 1:
        raise ValueError(f"srgan_discriminator needs a positive int input_size, got {input_size!r}")
    inputs = keras.Input(shape=(input_size, input_size, channels), name="hr")
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_signed_range")(inputs)
    x = keras.layers.Conv2D(filters, 3, padding="same", name="conv0")(x)
    x = activation_layer("leaky_relu", name="act0")(x)
    for i in range(1, 8):
        width = filters * 2 ** (i // 2)  # 64, 128, 128, 256, 256, 512, 512
        x = keras.layers.Conv2D(width, 3, strides=1 + i % 2, padding="same", use_bias=False,
                                name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"bn{i}")(x)
        x = activation_layer("leaky_relu", name=f"act{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(1024, name="dense")(x)
    x = activation_layer("leaky_relu", name="dense_act")(x)
    outputs = keras.layers.Dense(1, name="logit")(x)
    return keras.Model(inputs, outputs, name=name)


register("srresnet", srresnet, PRESETS)
register("srgan_discriminator", srgan_discriminator, DISCRIMINATOR_PRESETS)
