"""Full-integer int8 at large fixed shapes: calibrate a smaller copy of the graph.

TFLite's calibrator runs the float model with its intermediate tensors kept alive (it
records each op's input and output ranges), so calibrating a deep SR model at the size
it is deployed at can need several times the sum of its activations (RED-Net20 at
640x360 -> x2 was killed at 23 GB; estimated 33 GiB for RED-Net30, 71 GiB for EDSR).
The activation ranges of a fully convolutional SR model do not depend on the image
size, so:

1. the model is traced at a smaller fixed size (``calibration_size``) and calibrated
   there, on tiles of the same full-size crops (the calibrator sees the same pixels);
2. the model is converted at the deployment size up to the point where TensorFlow
   would calibrate it, and each tensor's recorded min/max is copied from step 1; the
   two graphs must agree op by op and tensor by tensor (builtin codes, tensor names,
   types and ranks), otherwise :class:`CalibrationTransferError` is raised;
3. TensorFlow's MLIR quantizer (the one ``TFLiteConverter.convert`` uses) quantizes it.

Steps 2 and 3 use two private TensorFlow functions (``optimize.calibrator.
add_intermediate_tensors`` and ``convert.mlir_quantize``) and replace the converter's
``_quantize`` hook; :func:`supported` says whether this TensorFlow has them.
"""

import inspect
import math
import os

from keras_sr.export.tflite_graph import read_graph

# Peak memory of TFLite's calibrator over the activation bytes of the graph, TF 2.21 on
# CPU: 2.9x for RED-Net10 x2 at 640x360 (3.3 GiB of activations, 9.5 GiB peak RSS; 2.7x
# at 320x180), 0.7x for EDSR-baseline x2 at 640x360 (3.3 GiB, 2.2 GiB). The estimate takes
# the high end: a needless tiling costs nothing measurable (EDSR-baseline x2 int8, shipped
# weights: PSNR drop 0.19 dB at full size, 0.18 / 0.17 dB on 320x176 / 160x88 tiles).
CALIBRATOR_MEMORY_FACTOR = 3.0

# The converter hook this module replaces, as TF 2.16-2.21 define it.
_QUANTIZE_PARAMS = ("result", "input_type", "output_type", "activations_type", "bias_type",
                    "allow_float", "enable_variable_quantization", "debug_options")


class CalibrationTransferError(RuntimeError):
    """The small calibration graph and the export graph do not correspond."""


def activation_bytes(flatbuffer):
    """Bytes of all non-constant tensors of the main subgraph: what the calibrator holds."""
    sizes = {"float32": 4, "int32": 4, "float16": 2, "int8": 1, "uint8": 1, "int64": 8, "bool": 1}
    total = 0
    for t in read_graph(flatbuffer).tensors:
        if not t.is_const:
            total += math.prod(max(d, 1) for d in t.shape) * sizes.get(t.dtype, 4)
    return total


def calibration_memory_bytes(flatbuffer):
    """Estimated peak memory of calibrating the float ``flatbuffer`` at its own size."""
    return int(CALIBRATOR_MEMORY_FACTOR * activation_bytes(flatbuffer))


# Where a container's memory limit is stated (cgroup v2, then v1).
CGROUP_LIMIT_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def physical_memory_bytes(limit_files=CGROUP_LIMIT_FILES):
    """The memory this process may use: the machine's RAM, or a smaller container
    (cgroup) limit from ``limit_files``; 0 when neither is known."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        ram = 0
    for path in limit_files:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (v2) means no limit; v1 states no limit as a huge number
            limit = int(text)
            return min(ram, limit) if ram else limit
        break
    return ram


def auto_calibration_size(input_size, full_bytes, budget_bytes, multiple=8, minimum=32):
    """The calibration size for an export at ``input_size`` = (w, h).

    ``input_size`` itself when ``full_bytes`` (calibration memory at that size) fits
    in ``budget_bytes``; otherwise each side is split into the fewest equal parts whose
    tile area fits, rounded down to a multiple of ``multiple`` (so the tiles cover the
    crop up to that rounding) and at least ``minimum`` (or the side, when smaller).
    """
    w, h = input_size
    if full_bytes <= budget_bytes:
        return (w, h)
    parts = math.ceil(math.sqrt(full_bytes / budget_bytes))

    def side(n):
        return max(min(n, minimum), n // parts // multiple * multiple)

    return (side(w), side(h))


def tiles(batch, tile_size):
    """Split each (1, H, W, C) array into non-overlapping (1, th, tw, C) tiles (row-major;
    a remainder narrower than a tile is left out)."""
    tw, th = tile_size
    out = []
    for x in batch:
        _, h, w, _ = x.shape
        if h < th or w < tw:
            raise ValueError(f"calibration image {w}x{h} is smaller than the calibration size {tw}x{th}")
        for top in range(0, h - th + 1, th):
            for left in range(0, w - tw + 1, tw):
                out.append(x[:, top:top + th, left:left + tw])
    return out


def supported():
    """True when this TensorFlow has the private functions and hook this module needs."""
    try:
        from tensorflow.lite.python import convert as tf_convert
        from tensorflow.lite.python import lite
        from tensorflow.lite.python.optimize import calibrator as tf_calibrator
    except ImportError:
        return False
    hook = getattr(lite.TFLiteConverterBaseV2, "_quantize", None)
    if hook is None or not hasattr(tf_convert, "mlir_quantize") \
            or not hasattr(tf_calibrator, "add_intermediate_tensors"):
        return False
    return tuple(inspect.signature(hook).parameters)[1:] == _QUANTIZE_PARAMS


def transfer_ranges(calibrated, target):
    """``target`` (flatbuffer bytes, not calibrated) with the min/max of ``calibrated``.

    Raises:
        CalibrationTransferError: the graphs differ (op codes, tensor names, types, ranks).
    """
    from tensorflow.lite.tools import flatbuffer_utils

    src = flatbuffer_utils.convert_bytearray_to_object(calibrated)
    dst = flatbuffer_utils.convert_bytearray_to_object(target)
    if len(src.subgraphs) != len(dst.subgraphs):
        raise CalibrationTransferError(f"{len(src.subgraphs)} vs {len(dst.subgraphs)} subgraphs")

    def rank(tensor):
        return 0 if tensor.shape is None else len(tensor.shape)

    def code(model, op):
        c = model.operatorCodes[op.opcodeIndex]
        return max(c.builtinCode, c.deprecatedBuiltinCode), c.customCode

    for k, (a, b) in enumerate(zip(src.subgraphs, dst.subgraphs)):
        if len(a.operators) != len(b.operators) or len(a.tensors) != len(b.tensors):
            raise CalibrationTransferError(
                f"subgraph {k}: {len(a.operators)} ops / {len(a.tensors)} tensors at the calibration "
                f"size vs {len(b.operators)} / {len(b.tensors)} at the export size")
        for i, (oa, ob) in enumerate(zip(a.operators, b.operators)):
            if code(src, oa) != code(dst, ob) or list(oa.inputs) != list(ob.inputs) \
                    or list(oa.outputs) != list(ob.outputs):
                raise CalibrationTransferError(f"subgraph {k}: operator {i} differs between the sizes")
        for ta, tb in zip(a.tensors, b.tensors):
            if ta.name != tb.name or ta.type != tb.type or rank(ta) != rank(tb):
                raise CalibrationTransferError(
                    f"subgraph {k}: tensor {ta.name!r} does not match {tb.name!r} (name, type or rank)")
            q = ta.quantization
            if q is not None and q.min is not None and len(q.min):
                tb.quantization = q
    return bytes(flatbuffer_utils.convert_object_to_bytearray(dst))


def convert_with_ranges(converter, calibrated, denylisted_nodes=()):
    """Run ``converter`` (set up for full-integer int8) with the activation ranges of
    ``calibrated`` (a ``_experimental_calibrate_only`` flatbuffer of the same model at
    another fixed size, or the same) instead of calibrating; return the quantized flatbuffer.
    ``denylisted_nodes``: output tensor names of ops left in float (selective int8).
    """
    import tensorflow as tf
    from tensorflow.lite.python import convert as tf_convert
    from tensorflow.lite.python.optimize import calibrator as tf_calibrator

    if not supported():
        raise CalibrationTransferError(
            f"TensorFlow {tf.__version__} lacks the converter internals that calibration at a smaller "
            "size uses; calibrate at the export size instead")

    def quantize(result, input_type, output_type, activations_type, bias_type, allow_float,
                 enable_variable_quantization, debug_options):
        if activations_type != tf.int8:
            raise CalibrationTransferError(f"only int8 activations are supported, not {activations_type}")
        model = transfer_ranges(calibrated, tf_calibrator.add_intermediate_tensors(result))
        return tf_convert.mlir_quantize(
            model, converter._experimental_disable_per_channel,
            input_data_type=input_type, output_data_type=output_type,
            enable_variable_quantization=enable_variable_quantization,
            disable_per_channel_for_dense_layers=(
                converter._experimental_disable_per_channel_quantization_for_dense_layers),
            denylisted_nodes=set(denylisted_nodes) or None,
            debug_options_str=debug_options.SerializeToString())

    converter._quantize = quantize  # instance attribute: this converter only
    return converter.convert()
