"""RED-Net: very deep residual encoder-decoder with symmetric skips (Mao, Shen, Yang,
"Image Restoration Using Very Deep Convolutional Encoder-Decoder Networks with Symmetric
Skip Connections", NIPS 2016; SPECS §3)."""

import keras

from keras_sr.layers import BicubicUpsample
from keras_sr.models.registry import register

_REFERENCE = "Mao et al., NIPS 2016; layer wiring per the REDNet_ch1.prototxt-based port (SPECS §3.1)"

PRESETS = {
    "rednet30": {
        "arch": "rednet", "scales": (1, 2, 3, 4),
        "config": {"num_layers": 15, "filters": 64, "channels": 1},
        "description": "RED30: 15 conv + 15 deconv, 64 features, skips every 2 layers, Y channel",
        "reference": _REFERENCE,
    },
    "rednet20": {
        "arch": "rednet", "scales": (1, 2, 3, 4),
        "config": {"num_layers": 10, "filters": 64, "channels": 1},
        "description": "RED20: 10 conv + 10 deconv, 64 features, skips every 2 layers, Y channel",
        "reference": _REFERENCE,
    },
    "rednet10": {
        "arch": "rednet", "scales": (1, 2, 3, 4),
        "config": {"num_layers": 5, "filters": 64, "channels": 1},
        "description": "RED10: 5 conv + 5 deconv, 64 features, skips every 2 layers, Y channel",
        "reference": _REFERENCE,
    },
    # Restoration presets (scale 1): keras-sr's own models, the ones it trains and ships (RED10's
    # wiring at half width, for CPU training); the "degradation" they restore is data that
    # `keras-sr train/eval/restore` use by default. The paper's widths: rednet10/20/30 at scale=1.
    "rednet10-denoise": {
        "arch": "rednet", "scales": (1,), "degradation": "noise:30",
        "config": {"num_layers": 5, "filters": 32, "channels": 1},
        "description": "RED10 wiring, 32 features, denoiser (scale 1, Y): Gaussian noise sigma 30 on 0-255",
        "reference": "Mao et al., NIPS 2016, §4 (denoising); width 32 is keras-sr's (paper: 64)",
    },
    "rednet10-denoise-blind": {
        "arch": "rednet", "scales": (1,), "degradation": "noise:0-55",
        "config": {"num_layers": 5, "filters": 32, "channels": 1},
        "description": "RED10 wiring, 32 features, blind denoiser (scale 1, grey): Gaussian noise sigma 0-55 on 0-255",
        "reference": "Mao et al., NIPS 2016, §4 (denoising); blind over sigma 0-55 and width 32 are keras-sr's",
    },
    "rednet10-deblock": {
        "arch": "rednet", "scales": (1,), "degradation": "jpeg:10-40",
        "config": {"num_layers": 5, "filters": 32, "channels": 1},
        "description": "RED10 wiring, 32 features, JPEG deblocker (scale 1, Y): JPEG quality 10-40",
        "reference": "Mao et al., NIPS 2016 (JPEG deblocking); width 32 is keras-sr's (paper: 64)",
    },
}


def skip_pairs(num_layers):
    """``[(j, k)]``: encoder output c_j is added to decoder output d_k.

    "Skips every two layers": c_j for even j < num_layers (c2, c4, …), each joined to its
    mirror d_{num_layers − j}. For 15 layers this gives d1+c14, d3+c12, …, d13+c2 (SPECS
    §3.1); for 10 and 5 layers it is the same rule as yjn870's REDNet20/REDNet10 (the
    paper's own RED10/RED20 wiring was not read: UNVERIFIED).
    """
    return [(j, num_layers - j) for j in reversed(range(2, num_layers, 2))]


def rednet(scale, num_layers=15, filters=64, channels=1, name="rednet"):
    """RED-Net for SR (``scale`` > 1) or restoration (``scale`` = 1) as a functional model.

    Graph: x = bicubic ×``scale`` (in-graph :class:`~keras_sr.layers.BicubicUpsample`, the
    paper's pre-processing, MATLAB-style) -> ``num_layers`` × [Conv 3×3 + ReLU] (c1…cn) ->
    ``num_layers`` × [Conv2DTranspose 3×3 stride 1 (+ ReLU, except the last, which
    outputs ``channels``)] (d1…dn), with ``relu(d_k + c_j)`` at the pairs of
    :func:`skip_pairs` -> ``d_n + x`` (global residual on the bicubic image).
    The stride-1 transposed convolutions mirror the paper (TFLite TRANSPOSE_CONV).
    At ``scale=1`` (denoising, JPEG deblocking: the paper's restoration tasks) there is no
    resize: the input is the degraded image and the output is ``net(x) + x``.

    Args:
        scale: integer upscaling factor; 1 for restoration.
        num_layers: conv layers = deconv layers (15 for RED30).
        filters: feature maps (64; one port uses 128, SPECS §3.1).
        channels: 1 (Y, ``REDNet_ch1``) or 3.

    Returns:
        ``keras.Model``: (B, H, W, channels) in [0, 1] -> (B, H·scale, W·scale, channels)
        in [0, 1] (not clipped).
    """
    if num_layers < 2:
        raise ValueError(f"rednet needs num_layers >= 2, got {num_layers!r}")
    inputs = keras.Input(shape=(None, None, channels), name="lr")
    if int(scale) < 1:
        raise ValueError(f"rednet needs scale >= 1, got {scale!r}")
    upsampled = inputs if int(scale) == 1 else BicubicUpsample(scale, name="bicubic")(inputs)
    skips = dict((k, j) for j, k in skip_pairs(num_layers))
    x = upsampled
    encoded = {}
    for j in range(1, num_layers + 1):
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"conv{j}")(x)
        encoded[j] = x
    for k in range(1, num_layers + 1):
        last = k == num_layers
        x = keras.layers.Conv2DTranspose(channels if last else filters, 3, padding="same",
                                         activation=None if last else "relu", name=f"deconv{k}")(x)
        if k in skips:
            x = keras.layers.Add(name=f"skip{k}")([x, encoded[skips[k]]])
            x = keras.layers.ReLU(name=f"skip{k}_relu")(x)
    outputs = keras.layers.Add(name="global_residual")([x, upsampled])
    return keras.Model(inputs, outputs, name=name)


register("rednet", rednet, PRESETS)
