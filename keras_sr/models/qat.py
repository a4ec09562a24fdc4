"""Quantization-aware form of a float model: fake-quant layers wherever LiteRT's full-int8 graph
holds an int8 tensor (:mod:`keras_sr.layers.fake_quant`).

``insert_fake_quant(model)`` returns a new functional model with the float model's weights:

* the input: :class:`FakeQuant` on ``[0, 1]`` (fixed: images);
* ``Conv2D`` -> :class:`QuantConv2D` (per-channel int8 kernel), then a :class:`FakeQuant`
  on its output (after its activation, which LiteRT fuses);
* ``ChannelLayerNorm`` -> :class:`QuantChannelLayerNorm` (each of its ops);
* activations and ``Add``: a :class:`FakeQuant` on the output;
* shape-only layers (pixel (un)shuffle, reshape) and RT4KSR's unused high-frequency branch
  (an identity): nothing, LiteRT keeps the input's quantization.

Any other layer (composite layers such as EDSR's residual groups, whose inner tensors would
be int8 too) is refused by name. RT4KSR must be in its deploy form (:func:`reparameterize`).
"""
import keras

from keras_sr.layers import ChannelLayerNorm, HighFrequencyGate, PixelShuffle, PixelUnshuffle
from keras_sr.layers.fake_quant import FakeQuant, QuantChannelLayerNorm, QuantConv2D

SHAPE_ONLY = (PixelShuffle, PixelUnshuffle, keras.layers.Reshape)
WITH_OUTPUT_RANGE = (keras.layers.Activation, keras.layers.ReLU, keras.layers.Add)


def _kind(layer):
    if isinstance(layer, keras.layers.InputLayer) or isinstance(layer, SHAPE_ONLY):
        return "keep"
    if isinstance(layer, HighFrequencyGate) and layer.mode == "unused":
        return "keep"
    if type(layer) is keras.layers.Conv2D:
        return "conv"
    if type(layer) is ChannelLayerNorm:
        return "norm"
    if type(layer) in WITH_OUTPUT_RANGE:
        return "output"
    return None


def fake_quant_layers(model):
    """Every :class:`FakeQuant` of ``model`` (nested ones included), in graph order."""
    return [layer for layer in model._flatten_layers(include_self=False) if isinstance(layer, FakeQuant)]


def is_quantization_aware(model):
    return bool(fake_quant_layers(model))


def insert_fake_quant(model, momentum=0.999, name=None):
    """The quantization-aware copy of a functional float ``model`` (weights copied; the
    activation ranges start at ``[-6, 6]`` until :func:`calibrate_ranges` or the first
    training batch sets them).

    Raises:
        ValueError: a layer without an int8 emulation (named), or a training-form RT4KSR.
    """
    if is_quantization_aware(model):
        raise ValueError(f"model {model.name!r} already holds fake-quant layers")
    for layer in model.layers:
        if _kind(layer) is None:
            hint = (" (RT4KSR: quantize the deploy form, keras_sr.models.rt4ksr.reparameterize)"
                    if type(layer).__name__ == "ReparamBlock" else "")
            raise ValueError(f"insert_fake_quant: layer {layer.name!r} ({type(layer).__name__}) has no "
                             f"int8 emulation{hint}")
    inputs = keras.Input(batch_shape=model.inputs[0].shape, name=model.inputs[0].name)
    quantized_input = FakeQuant(0.0, 1.0, track=False, name="input_fq")(inputs)

    def clone(layer):
        config = layer.get_config()
        kind = _kind(layer)
        if kind == "conv":
            return QuantConv2D.from_config(config)
        if kind == "norm":
            return QuantChannelLayerNorm.from_config({**config, "momentum": momentum})
        return layer.__class__.from_config(config)

    def call(layer, *args, **kwargs):
        args = [quantized_input if a is inputs else a for a in args]
        out = layer(*args, **kwargs)
        if _kind(model.get_layer(layer.name)) in ("conv", "output"):
            out = FakeQuant(momentum=momentum, name=f"{layer.name}_fq")(out)
        return out

    qat = keras.models.clone_model(model, input_tensors=inputs, clone_function=clone,
                                   call_function=call)
    qat.name = name or f"{model.name}_qat"
    for layer in model.layers:
        if layer.weights:
            new = qat.get_layer(layer.name)
            for target, value in zip(_own_weights(new), layer.get_weights(), strict=True):
                target.assign(value)
    return qat


def _own_weights(layer):
    return [w for w in layer.weights if not w.path.split("/")[-2].startswith("fq_")]


def copy_float_weights(qat, model):
    """Copy the (fine-tuned) float weights of quantization-aware ``qat`` into ``model``, the
    float architecture it was made from (fake-quant ranges dropped). Returns ``model``."""
    for layer in model.layers:
        if layer.weights:
            for target, source in zip(layer.weights, _own_weights(qat.get_layer(layer.name)), strict=True):
                target.assign(source)
    return model


def calibrate_ranges(model, images):
    """Set every activation range of a quantization-aware ``model`` to the min / max over
    ``images`` (float32 arrays (1, H, W, C) in [0, 1]), each image's pass quantized with the
    ranges measured on that image. Returns ``model``."""
    layers = [q for q in fake_quant_layers(model) if q.track]
    lows = {id(q): 0.0 for q in layers}
    highs = {id(q): 0.0 for q in layers}
    for image in images:
        for q in layers:
            q.initialized.assign(0.0)
        model(image, training=True)
        for q in layers:
            lows[id(q)] = min(lows[id(q)], float(q.min))
            highs[id(q)] = max(highs[id(q)], float(q.max))
    for q in layers:
        q.min.assign(lows[id(q)])
        q.max.assign(highs[id(q)])
        q.initialized.assign(1.0)
    return model


__all__ = ["calibrate_ranges", "copy_float_weights", "fake_quant_layers", "insert_fake_quant", "is_quantization_aware"]
