"""Per-channel range equalization of layer norm -> conv pairs before int8 (exact in float).

TFLite quantizes activations per tensor: one int8 scale for all channels of a tensor. After a
layer norm, a few channels can carry values far larger than the others (RT4KSR x2, shipped
weights: ``tail_norm``'s output spans [-0.73, 2.80] while the median channel spans 0.22 with a
standard deviation of 0.03, about two int8 steps), so int8 rounding wipes out the small channels.

A layer norm's affine output feeding a convolution can be rescaled per channel without
changing the model: ``y_c -> y_c / s_c`` (``gamma_c, beta_c`` divided by ``s_c``) and the
conv's input-channel slice ``K[:, :, c, :] -> K[:, :, c, :] * s_c``; zero padding commutes
with the scaling, so the float outputs agree up to rounding everywhere, borders included.
With ``s_c = a_c^alpha / w_c^(1 - alpha)`` (``a_c``: the channel's max |y| on the calibration
images, ``w_c``: max |K[:, :, c, :]|) this is SmoothQuant's balance (Xiao et al., 2023,
eq. 4) between the per-tensor activation ranges and the per-output-channel weight ranges;
``alpha = 1`` makes every channel's activation range equal.
"""

import keras
import numpy as np

# SmoothQuant's migration strength: 1 (every channel's activation range equal). RT4KSR x2, shipped
# weights, PSNR-Y drop on 8 held-out BSD200 photos (benchmarks/int8_methods_results.md): at a given
# number of float convs alpha matters little (2 float: 0.38 dB at 0.5, 0.40 at 1); at 1 the
# debugger's threshold keeps 4 convs in float (0.16 dB), at 0.5 and 0.75 only 2 (0.38 / 0.40 dB).
EQUALIZE_ALPHA = 1.0


def norm_conv_pairs(model):
    """``[(norm, conv)]``: each ``LayerNormalization`` (incl. ``ChannelLayerNorm``) of
    ``model`` with ``scale`` and ``center`` whose output feeds exactly one layer, a ``Conv2D``."""
    consumers = {}
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                producer = tensor._keras_history.operation
                consumers.setdefault(id(producer), []).append(layer)
    pairs = []
    for layer in model.layers:
        if not isinstance(layer, keras.layers.LayerNormalization) or not (layer.scale and layer.center):
            continue
        users = consumers.get(id(layer), [])
        if len(users) == 1 and users[0] in conv_layers(model, need_bias=False):
            pairs.append((layer, users[0]))
    return pairs


def channel_max_abs(model, layers, samples):
    """``{layer.name: (C,) max |output|}`` of ``layers`` over ``samples`` ((1, H, W, C) arrays)."""
    # reduced inside the graph: only (1, C) per layer leaves it, however large the activations
    probe = keras.Model(model.inputs, [keras.ops.max(keras.ops.abs(layer.output), axis=(1, 2))
                                       for layer in layers])
    peaks = [0.0] * len(layers)
    for x in samples:
        outs = probe.predict(x, verbose=0)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for i, out in enumerate(outs):
            peaks[i] = np.maximum(peaks[i], out[0])
    return {layer.name: peak for layer, peak in zip(layers, peaks)}


def equalize(model, samples, alpha=EQUALIZE_ALPHA):
    """A copy of ``model`` whose layer norm -> conv pairs are range-equalized for int8.

    Args:
        model: a functional ``keras.Model`` (not changed).
        samples: calibration inputs, (1, H, W, C) float32 arrays.
        alpha: SmoothQuant's migration strength in [0, 1].

    Returns:
        ``(copy, pairs)``: the equalized copy (same layer names and outputs up to float
        rounding) and the names of the equalized ``(norm, conv)`` pairs.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    pairs = norm_conv_pairs(model)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    if not pairs:
        return copy, []
    peaks = channel_max_abs(model, [norm for norm, _ in pairs], samples)
    for norm, conv in pairs:
        a = np.maximum(peaks[norm.name], 1e-6)
        kernel, *bias = conv.get_weights()
        w = np.maximum(np.abs(kernel).max(axis=(0, 1, 3)), 1e-6)
        s = a ** alpha / w ** (1.0 - alpha)
        s = s / np.exp(np.mean(np.log(s)))  # geometric mean 1: leaves the overall scale alone
        gamma, beta = norm.get_weights()
        copy.get_layer(norm.name).set_weights([gamma / s, beta / s])
        copy.get_layer(conv.name).set_weights([kernel * s[None, None, :, None], *bias])
    return copy, [(norm.name, conv.name) for norm, conv in pairs]


def int8_kernel(kernel):
    """``kernel`` (kh, kw, in, out) rounded as TFLite quantizes conv weights: symmetric int8
    per output channel, scale max |w| / 127."""
    scale = np.maximum(np.abs(kernel).max(axis=(0, 1, 2), keepdims=True), 1e-30) / 127.0
    return np.clip(np.round(kernel / scale), -127, 127) * scale


def conv_layers(model, need_bias=True):
    """The plain ``Conv2D`` layers of ``model`` (channels last, one group, each called once;
    with a bias when ``need_bias``): those whose kernel is (kh, kw, in, out) over the input's
    channels."""
    return [layer for layer in model.layers
            if type(layer) is keras.layers.Conv2D and (layer.use_bias or not need_bias)
            and layer.groups == 1 and layer.data_format == "channels_last" and len(layer._inbound_nodes) == 1]


def correct_bias(model, samples, skip=()):
    """A copy of ``model`` whose conv biases cancel the mean error of int8 weights.

    Rounding a kernel to int8 shifts each output channel by ``sum((Q(K) - K)[.., c, o] * E[x_c])``
    on average (Nagel et al., 2019, "Data-free quantization", sec. 4.2): small for zero-mean
    inputs, large where an input channel has a large mean (RT4KSR x2's layer-norm "carrier"
    channels: without it, int8 weights alone cost 2.6 dB; with it, 0.07 dB in a float
    simulation). ``E[x_c]`` is the mean of the conv's input channel over ``samples`` (the
    zero-padded border is ignored). Convs named in ``skip`` (kept in float) are left alone.

    Returns ``(copy, names)``: the corrected copy and the names of the convs corrected.
    """
    convs = [c for c in conv_layers(model) if c.name not in skip]
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    if not convs:
        return copy, []
    probe = keras.Model(model.inputs, [keras.ops.mean(c.input, axis=(1, 2)) for c in convs])
    means = [0.0] * len(convs)
    for x in samples:
        outs = probe.predict(x, verbose=0)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for i, out in enumerate(outs):
            means[i] = means[i] + out[0].astype(np.float64) / len(samples)
    for conv, mean in zip(convs, means):
        kernel, bias = conv.get_weights()
        shift = np.einsum("ijco,c->o", (int8_kernel(kernel) - kernel).astype(np.float64), mean)
        copy.get_layer(conv.name).set_weights([kernel, (bias - shift).astype(bias.dtype)])
    return copy, [c.name for c in convs]
