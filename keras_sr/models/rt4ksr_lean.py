"""RT4KSR's deploy form as a lean inference graph, for TFLite fp32/fp16 export: the same
outputs up to float rounding from fewer, cheaper ops.

What changes against :func:`keras_sr.models.rt4ksr.rt4ksr` (``deploy=True``), each step exact
in real arithmetic:

* **Centring moves into a convolution.** A channel layer norm starts with ``x - mean_c(x)``,
  a linear map ``P = I - 1/C`` per pixel. After the head convolution it is folded into that
  convolution's kernel and bias (``W·P``, ``b·P``); after a GELU it is one 1x1 convolution by
  ``P``. The norm is then :class:`~keras_sr.layers.CenteredChannelNorm`: SQUARE, MEAN, ADD,
  RSQRT, MUL, ADD instead of the nine ops (MEAN x2, SUB, SQUARED_DIFFERENCE, ADD x2, RSQRT,
  MUL x2) of :class:`~keras_sr.layers.ChannelLayerNorm`.
* **The norm's scale moves into the next convolution.** ``conv(y·γ + β) = conv'(y + β/γ)``
  with ``conv'`` the kernel's input channels multiplied by ``γ``; exact at the borders too,
  since the zero padding of ``y·γ + β`` and of ``y + β/γ`` scale alike. Done only where ``γ``
  is far from 0 (:data:`FOLD_MIN_GAMMA`), else the norm keeps its ``γ``.
* **Optionally, wider convolutions** (``channel_multiple``): the 3x3 convolutions that feed a
  GELU write their ``C`` channels rounded up to a multiple (zero kernels and biases, so the extra
  channels are 0 through the GELU) and the centring convolution reads only the first ``C``.
  On the AVX-512 x86 CPU of ``benchmarks/side_by_side.py`` XNNPACK runs a 24-channel output
  about 1.4x slower than a 32-channel one, so ``channel_multiple=32`` is faster there; where
  kernels tile channels by 4 or 8 (ARM NEON, mobile GPUs) the extra channels are only extra
  work, so it is off by default.

The lean form has no training form, no high-frequency branch weights and is not meant for
``fit``: it is built from a deploy-form model for export (``keras_sr.export`` does this for
fp32 and fp16) and checked there against the model it came from.
"""

import keras
import numpy as np

from keras_sr.layers import CenteredChannelNorm, PixelShuffle, PixelUnshuffle, activation_layer

FOLD_MIN_GAMMA = 1e-3  # |γ| below this (or |β/γ| above 1/this) stays in the norm: β/γ would lose digits


def _centring(channels):
    return (np.eye(channels) - 1.0 / channels).astype(np.float32)


def _foldable(gamma, beta):
    gamma = np.asarray(gamma, np.float64)
    if np.any(np.abs(gamma) < FOLD_MIN_GAMMA):
        return False
    return bool(np.max(np.abs(np.asarray(beta, np.float64) / gamma)) <= 1.0 / FOLD_MIN_GAMMA)


def _padded(kernel, bias, in_channels, out_channels):
    k = np.zeros(kernel.shape[:2] + (in_channels, out_channels), np.float32)
    k[:, :, :kernel.shape[2], :kernel.shape[3]] = kernel
    b = np.zeros(out_channels, np.float32)
    b[:bias.shape[0]] = bias
    return k, b


def lean_form(model, channel_multiple=None, name=None):
    """The lean inference graph of a deploy-form RT4KSR ``model`` (see the module docstring).

    Args:
        model: a deploy-form model (:func:`keras_sr.models.rt4ksr.reparameterize`, or
            ``rt4ksr(..., deploy=True)`` with weights), high-frequency branch ``"unused"`` or
            ``None``.
        channel_multiple: round the feature channels written by the GELU-feeding 3x3
            convolutions up to this multiple (e.g. 32); ``None``: no padding.
        name: the new model's name (default ``model.name + "_lean"``).

    Returns:
        ``keras.Model`` with the same input and output shapes as ``model`` and the same
        outputs up to float rounding.
    """
    from keras_sr.models.rt4ksr_arch import _SPATIAL, architecture_of

    arch = architecture_of(model)
    if not arch["deploy"]:
        raise ValueError(f"model {model.name!r} is the training form: reparameterize it first")
    if arch["high_frequency"] == "gated":
        raise ValueError(f"model {model.name!r} uses the gated high-frequency branch, which the lean form "
                         "does not implement")
    if channel_multiple is not None and (not isinstance(channel_multiple, (int, np.integer))
                                         or channel_multiple < 1):
        raise ValueError(f"channel_multiple must be a positive int or None, got {channel_multiple!r}")
    feats, blocks, channels = arch["num_feats"], arch["num_blocks"], arch["channels"]
    width = feats if channel_multiple is None else -(-feats // int(channel_multiple)) * int(channel_multiple)
    centring = _centring(feats)
    norms = [f"body{i}_norm" for i in range(blocks)] + ["tail_norm"]
    convs = [f"body{i}_conv" for i in range(blocks)] + ["tail_conv"]
    # output channels: a padded tail would widen the upsampler's input (measured slower)
    outs = {conv: feats if conv == "tail_conv" else width for conv in convs}
    weights = {}  # layer name -> list of arrays

    head_kernel, head_bias = model.get_layer("head").get_weights()
    weights["head"] = [head_kernel @ centring, head_bias @ centring]
    folded = {}
    for norm, conv in zip(norms, convs):
        gamma, beta = model.get_layer(norm).get_weights()
        kernel, bias = model.get_layer(conv).get_weights()
        folded[norm] = _foldable(gamma, beta)
        if folded[norm]:
            weights[norm] = [(beta / gamma).astype(np.float32)]
            kernel = kernel * gamma[None, None, :, None]
        else:
            weights[norm] = [gamma, beta]
        weights[conv] = list(_padded(kernel, bias, feats, outs[conv]))
    centre_kernel = np.zeros((1, 1, width, feats), np.float32)
    centre_kernel[0, 0, :feats] = centring
    weights["upsample_conv"] = model.get_layer("upsample_conv").get_weights()

    inputs = keras.Input(shape=(None, None, channels), name="lr")
    x = PixelUnshuffle(_SPATIAL, name="unshuffle")(inputs)
    layers = [keras.layers.Conv2D(feats, 3, padding="same", name="head")]
    x = layers[-1](x)
    for i, (norm, conv) in enumerate(zip(norms, convs)):
        if i > 0:  # after a GELU: centre with a 1x1 convolution (reads the first `feats` channels)
            layers.append(keras.layers.Conv2D(feats, 1, use_bias=False, name=f"{norm}_centre"))
            x = layers[-1](x)
            weights[layers[-1].name] = [centre_kernel]
        layers.append(CenteredChannelNorm(1e-6, scale=not folded[norm], name=norm))
        x = layers[-1](x)
        layers.append(keras.layers.Conv2D(outs[conv], 3, padding="same", name=conv))
        x = layers[-1](x)
        if conv != "tail_conv":
            x = activation_layer("gelu", name=f"body{i}_act")(x)
    r = _SPATIAL * arch["scale"]
    layers.append(keras.layers.Conv2D(channels * r * r, 3, padding="same", name="upsample_conv"))
    x = layers[-1](x)
    outputs = PixelShuffle(r, name="upsample_shuffle")(x)
    lean = keras.Model(inputs, outputs, name=name or f"{model.name}_lean")
    for layer in layers:
        layer.set_weights(weights[layer.name])
    return lean


def is_lean(model):
    """Whether ``model`` was built by :func:`lean_form`."""
    return any(isinstance(layer, CenteredChannelNorm) for layer in model.layers)
