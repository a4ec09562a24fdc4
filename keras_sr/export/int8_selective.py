"""Selective int8: which ops of a full-integer graph stay in float (builtin ops either way).

Three kinds, found on the calibrated graph (of the model after
:func:`keras_sr.export.int8_equalize.equalize`):

* **layer norms** (``LayerNormalization`` / ``ChannelLayerNorm``): their MEAN, SQUARED_DIFFERENCE,
  RSQRT, ... have no fast int8 kernels in LiteRT (RT4KSR x2 at 640x360: 345 ms with them in
  int8, 133 ms with them in float), and the per-pixel variance in int8 is coarse;
* **activations feeding a layer norm** (:func:`pre_norm_activation_nodes`), so that the float
  island runs from a conv's output through the norm;
* **sensitive ops**: TensorFlow's ``QuantizationDebugger`` quantizes each op alone (float
  inputs) and reports its error in units of the op's output scale; an op whose RMS error
  exceeds ``SENSITIVITY_THRESHOLD`` (0.6; plain int8 rounding gives 1/sqrt(12) = 0.29) does not
  fit int8 — e.g. RT4KSR's re-parameterized tail conv, whose fused kernel has a few large
  centre taps (an identity branch) beside the small ones that carry the detail (its
  per-channel int8 weights alone cost 2.5 dB before bias correction).

``benchmarks/int8_layer_error.py`` prints the debugger's table for a preset.
"""

import csv
import io
import re
import warnings

import keras

# 0.6: in the middle of the gap, on range-equalized RT4KSR x2 (shipped weights), between the convs
# int8 keeps (0.34-0.49) and those it does not (body1_conv 0.68-0.7+, depending on the calibration
# tiles; body2/3 0.95, tail 2.1); EDSR-baseline x4's worst op is 0.42
# (benchmarks/int8_layer_error.py).
SENSITIVITY_THRESHOLD = 0.6
# The debugger's input: up to DEBUG_SAMPLES tiles of at most DEBUG_TILE (width, height) pixels.
DEBUG_TILE = (96, 96)
DEBUG_SAMPLES = 4


def layer_norm_nodes(model, graph):
    """Output tensor names of the ops of ``graph`` (a ``tflite_graph.Graph``) that compute
    ``model``'s layer normalizations (matched by the layer's name scope)."""
    names = [layer.name for layer in model._flatten_layers()
             if isinstance(layer, keras.layers.LayerNormalization)]
    return layer_nodes(names, graph)


def pre_norm_activation_nodes(model, graph):
    """Output tensor names of the ops computing ``model``'s activation layers whose output
    reaches a layer norm before any convolution (RT4KSR's GELU before each block's norm; the
    last one through the pass-through high-frequency gate). Their int8 output would be the
    norm's input, and there a few large channels set the one int8 scale of the tensor (RT4KSR
    x2: ``body3_act`` spans [-0.17, 15.6], its median channel 0.22): kept in float, the float
    island runs from the conv's output through the norm."""
    consumers = {}
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                consumers.setdefault(id(tensor._keras_history.operation), []).append(layer)

    def reaches_norm(layer, seen=()):
        for user in consumers.get(id(layer), []):
            if isinstance(user, keras.layers.LayerNormalization):
                return True
            if not isinstance(user, keras.layers.Conv2D) and user not in seen \
                    and reaches_norm(user, seen + (user,)):
                return True
        return False

    names = [layer.name for layer in model.layers
             if isinstance(layer, (keras.layers.Activation, keras.layers.ReLU, keras.layers.PReLU,
                                   keras.layers.LeakyReLU)) and reaches_norm(layer)]
    return layer_nodes(names, graph)


def layer_nodes(names, graph):
    """Output tensor names of the ops of ``graph`` inside the name scopes of layers ``names``."""
    if not names:
        return []
    pattern = re.compile(r"(^|[/;])(" + "|".join(map(re.escape, names)) + r")(_\d+)?/")
    return [op.outputs[0].name for op in graph.operators
            if op.outputs and op.outputs[0].name and pattern.search(op.outputs[0].name)]


def layer_statistics(converter, samples, count=2):
    """``[{"op_name", "tensor_name", "rmse/scale", ...}]``: the debugger's per-op error of
    ``converter`` (set up for int8 with a representative dataset) on ``samples[:count]``."""
    import tensorflow as tf

    with warnings.catch_warnings():  # the debugger runs TensorFlow's own (deprecated) interpreter
        warnings.simplefilter("ignore", UserWarning)
        debugger = tf.lite.experimental.QuantizationDebugger(
            converter=converter, debug_dataset=lambda: ([x] for x in samples[:count]))
        debugger.run()
    buf = io.StringIO()
    debugger.layer_statistics_dump(buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    for row in rows:
        scale = float(row["scale"])
        row["rmse/scale"] = float(row["mean_squared_error"]) ** 0.5 / scale if scale else 0.0
    return rows


def sensitive_nodes(converter, samples, threshold=SENSITIVITY_THRESHOLD):
    """Names of the ops whose int8 error exceeds ``threshold`` output-scale units."""
    return [row["tensor_name"] for row in layer_statistics(converter, samples, count=len(samples))
            if row["rmse/scale"] > threshold]
