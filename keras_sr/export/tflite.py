"""Keras model -> TFLite flatbuffer, builtin ops only: fp32, fp16, dynamic-range int8, full int8.

Fixed-shape export (batch 1, H x W given) is what the mobile GPU delegate wants: the
graph has no run-time shape arithmetic (SHAPE, or PACK / STRIDED_SLICE / ... on run-time
integer shape vectors) and no dynamic tensor, which this module verifies. Dynamic-shape export (``input_size=None``) is for CPU use: resize the
input before allocating, as :func:`keras_sr.export.parity.run_tflite` does::

    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path="edsr_baseline_x2_fp32_dynamic.tflite", num_threads=2)
    inp = interp.get_input_details()[0]
    interp.resize_tensor_input(inp["index"], [1, 360, 640, 3])   # any H x W, NHWC
    interp.allocate_tensors()
    interp.set_tensor(inp["index"], lr)                          # float32 [0, 1]
    interp.invoke()
    sr = interp.get_tensor(interp.get_output_details()[0]["index"])  # (1, 720, 1280, 3)
"""

import functools
import re

import numpy as np

import keras_sr.export.calibration as calibration
from keras_sr.export.tflite_graph import is_shape_arithmetic, op_histogram, read_graph

FORMATS = ("fp32", "fp16", "dynamic-int8", "int8")


class ExportError(RuntimeError):
    """A conversion that cannot give a builtin-ops model the device will load."""


def _tf():
    import tensorflow as tf

    return tf


def concrete_function(model, input_size=None, channels=None):
    """The model's inference function traced for ``(1, H, W, C)`` (``None`` H/W when dynamic),
    weights frozen into constants.

    Args:
        model: a single-input ``keras.Model`` (LR in, SR out).
        input_size: ``(width, height)`` of the LR input, or ``None`` for a dynamic H x W.
        channels: input channels (default: the model's).
    """
    tf = _tf()
    channels = channels or model.inputs[0].shape[-1]
    w, h = input_size if input_size is not None else (None, None)
    spec = tf.TensorSpec((1, h, w, channels), tf.float32, name="lr")
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    fn = tf.function(lambda lr: model(lr, training=False), autograph=False)
    # Keras 3 weights are resource variables: freeze them into constants (otherwise the
    # converter keeps READ_VARIABLE ops whose variables nothing initializes).
    return convert_variables_to_constants_v2(fn.get_concrete_function(spec))


INT8_METHODS = ("selective", "full")


def convert(model, fmt="fp32", input_size=None, representative=None, int8_io="float32",
            int8_method="full", report=None):
    """Convert ``model`` to a TFLite flatbuffer with builtin ops only.

    Args:
        model: single-input ``keras.Model``.
        fmt: ``"fp32"``, ``"fp16"`` (float16 weights, float32 compute on CPU / fp16 on GPU),
            ``"dynamic-int8"`` (int8 weights, float activations) or ``"int8"`` (full integer,
            calibrated on ``representative``).
        input_size: ``(width, height)`` for a fixed-shape export, ``None`` for dynamic.
        representative: for ``"int8"``: an iterable of float32 arrays ``(1, H, W, C)`` in [0, 1],
            all of one shape. For a fixed-shape export they may be smaller than ``input_size``:
            the graph is then calibrated at their size and the activation ranges are carried
            over to the ``input_size`` graph (:mod:`keras_sr.export.calibration`; the
            calibrator holds every activation, which at full size can exceed the memory).
        int8_io: for ``"int8"``: ``"float32"`` (quantize/dequantize in the graph) or
            ``"uint8"`` (the app feeds and reads uint8; see the metadata for scale/zero point).
        int8_method: for ``"int8"``: ``"full"`` (every op int8) or ``"selective"`` (layer
            norms and the ops TensorFlow's quantization debugger finds too sensitive stay in
            float, still builtin ops; :mod:`keras_sr.export.int8_selective`).
        report: a dict, filled for ``"int8"`` with ``method`` and ``float_nodes`` (the ops
            kept in float).

    Returns:
        ``bytes`` of the ``.tflite`` file.

    Raises:
        ExportError: the model needs ops outside the builtin set (they are named), or a
            fixed-shape export still contains run-time shape arithmetic.
    """
    tf = _tf()
    if fmt not in FORMATS:
        raise ValueError(f"unknown TFLite format {fmt!r}; choose from {', '.join(FORMATS)}")
    if int8_method not in INT8_METHODS:
        raise ValueError(f"int8_method must be one of {', '.join(INT8_METHODS)}, not {int8_method!r}")
    if int8_io not in ("float32", "uint8"):
        raise ValueError(f"int8_io must be 'float32' or 'uint8', not {int8_io!r}")
    from keras_sr.models.qat import is_quantization_aware

    if is_quantization_aware(model):  # calibration would overwrite the learned ranges
        raise ValueError(f"model {model.name!r} is quantization-aware (fake-quant layers): convert it "
                         "with keras_sr.export.convert_qat (full int8, the learned ranges)")
    samples = None
    if fmt == "int8":
        if representative is None:
            raise ValueError("int8 export needs representative images for calibration")
        samples = [np.asarray(x, np.float32) for x in representative]
        if not samples:
            raise ValueError("int8 export needs at least one calibration image")
        if len({x.shape for x in samples}) > 1:
            raise ValueError("int8 calibration images must all have one shape, got "
                             f"{sorted({x.shape for x in samples})}")

    def converter_for(size, io="float32", allow_float=False, data=None, model=model):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete_function(model, size)], model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        if fmt == "fp16":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        elif fmt == "dynamic-int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        elif fmt == "int8":
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.representative_dataset = lambda: ([x] for x in (data or samples))
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            if allow_float:  # selective: float islands between QUANTIZE / DEQUANTIZE
                converter.target_spec.supported_ops.append(tf.lite.OpsSet.TFLITE_BUILTINS)
            if io == "uint8":
                converter.inference_input_type = tf.uint8
                converter.inference_output_type = tf.uint8
        return converter

    calibration_size = None if samples is None else (samples[0].shape[2], samples[0].shape[1])
    if report is not None and fmt == "int8":
        report.update(method=int8_method, float_nodes=[])
    try:
        if fmt == "int8" and int8_method == "selective":
            flatbuffer = _selective_int8(model, converter_for, samples, input_size, calibration_size,
                                         int8_io, report)
        elif input_size is not None and calibration_size is not None \
                and tuple(calibration_size) != tuple(input_size):
            small = converter_for(calibration_size)
            small._experimental_calibrate_only = True  # float model + recorded min/max
            flatbuffer = calibration.convert_with_ranges(converter_for(input_size, int8_io), small.convert())
        else:
            flatbuffer = converter_for(input_size, int8_io).convert()
    except calibration.CalibrationTransferError as exc:
        raise ExportError(f"int8 calibration at {calibration_size[0]}x{calibration_size[1]} cannot be "
                          f"transferred to the {input_size[0]}x{input_size[1]} graph: {exc}") from exc
    except Exception as exc:  # noqa: BLE001  (the converter raises several types)
        raise ExportError(_conversion_message(exc, fmt)) from exc
    if input_size is not None:
        check_fixed_shape(flatbuffer)
    return flatbuffer


def _selective_int8(model, converter_for, samples, input_size, calibration_size, int8_io, report):
    """Equalize layer norm -> conv pairs per channel (exact in float), calibrate (at
    ``calibration_size``, or dynamic when ``input_size`` is None), keep the layer norms, the
    activations that feed them and the debugger's sensitive ops in float, correct the biases
    of the int8 convs for the mean error of their int8 weights, quantize the rest."""
    import keras_sr.export.int8_equalize as int8_equalize
    import keras_sr.export.int8_selective as int8_selective

    model, equalized = int8_equalize.equalize(model, samples, int8_equalize.EQUALIZE_ALPHA)
    converter_for = functools.partial(converter_for, model=model)
    size = None if input_size is None else calibration_size
    small = converter_for(size)
    small._experimental_calibrate_only = True
    calibrated = small.convert()
    graph = read_graph(calibrated)
    norms = int8_selective.layer_norm_nodes(model, graph)
    islands = norms + [n for n in int8_selective.pre_norm_activation_nodes(model, graph) if n not in norms]
    # The debugger runs a float + int8 copy of every op without XNNPACK: on small tiles of the
    # same images (each op's error in units of its own output scale does not depend on the size).
    w, h = samples[0].shape[2], samples[0].shape[1]
    debug_size = (min(w, int8_selective.DEBUG_TILE[0]), min(h, int8_selective.DEBUG_TILE[1]))
    tiles = calibration.tiles(samples, debug_size) if debug_size != (w, h) else samples
    tiles = tiles[::max(1, len(tiles) // int8_selective.DEBUG_SAMPLES)][:int8_selective.DEBUG_SAMPLES]
    sensitive = [n for n in int8_selective.sensitive_nodes(converter_for(debug_size, data=tiles), tiles)
                 if n not in islands]
    float_nodes = sorted(islands + sensitive)
    # the convs that stay int8 get biases that cancel the mean error of their int8 weights
    float_convs = [c.name for c in int8_equalize.conv_layers(model)
                   if set(int8_selective.layer_nodes([c.name], graph)) & set(sensitive)]
    model, corrected = int8_equalize.correct_bias(model, samples, skip=float_convs)
    if corrected:
        converter_for = functools.partial(converter_for, model=model)
        small = converter_for(size)
        small._experimental_calibrate_only = True
        calibrated = small.convert()
    if report is not None:
        report.update(float_nodes=float_nodes, layer_norm_ops=len(norms),
                      activation_ops=len(islands) - len(norms), sensitive_ops=sensitive,
                      equalized=[f"{a}->{b}" for a, b in equalized],
                      equalize_alpha=int8_equalize.EQUALIZE_ALPHA if equalized else None,
                      bias_corrected=corrected)
    return calibration.convert_with_ranges(converter_for(input_size, int8_io, allow_float=bool(float_nodes)),
                                           calibrated, denylisted_nodes=float_nodes)


def _conversion_message(exc, fmt):
    text = str(exc)
    # MLIR names each op it could not legalize as 'tf.OpName'.
    ops = sorted(set(re.findall(r"'tf\.(\w+)'", text)))
    if ops:
        return (f"{fmt} conversion needs TensorFlow ops that are not TFLite builtins "
                f"({', '.join(ops)}); Select/Flex ops are not allowed, so the model cannot be exported")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    return f"{fmt} conversion failed: {first}"


def check_fixed_shape(flatbuffer):
    """Raise :class:`ExportError` if a fixed-shape export has dynamic tensors or shape arithmetic."""
    graph = read_graph(flatbuffer)
    shape_ops = sorted({op.name for op in graph.operators if is_shape_arithmetic(op)})
    if shape_ops:
        raise ExportError(f"fixed-shape export still computes shapes at run time "
                          f"({', '.join(shape_ops)}); the GPU delegate needs a static graph")
    dynamic = [t.name or str(t.index) for t in graph.tensors if t.is_dynamic]
    if dynamic:
        raise ExportError(f"fixed-shape export has dynamic tensors: {', '.join(dynamic[:5])}")
    return op_histogram(graph)
