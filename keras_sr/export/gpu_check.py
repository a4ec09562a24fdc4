"""Will the TFLite GPU delegate run this model whole? A static check of the flatbuffer.

``tf.lite.experimental.Analyzer.analyze(..., gpu_compatibility=True)`` in TF 2.21 reports
every model compatible (even with CUMSUM on int32 or SHAPE ops), so keras-sr applies the
delegate's own rules, read from its source (TensorFlow, ``tensorflow/lite``):

* [GC] ``tools/versioning/gpu_compatibility.cc``, ``CheckGpuDelegateCompatibility``: the
  per-op rules (inputs, constants, options, broadcasting); an op not in its switch is
  "Not supported op".
* [MB] ``delegates/gpu/common/model_builder.cc``: ``CheckMaxSupportedOpVersion`` in each
  ``*OperationParser::IsSupported`` (op versions); ``IsAllAllowedTensors`` (no tensor of
  rank >= 5, run-time tensors float32/float16, int8/uint8 only with quantized ops);
  ``PReLUOperationParser::Parse`` (alpha is a constant of C or H x W x C values);
  ``PadOperationParser`` / ``StridedSliceOperationParser`` (their index tensors are read
  as constants).
* [DOC] the GPU delegate guide (ai.google.dev/edge/litert/performance/gpu, "Supported
  ops" / "Troubleshooting"): ops the delegate cannot take run on the CPU, splitting the
  graph; shape-changing ops computed at run time defeat the fixed-shape GPU graph.

Rules are checked per operator; every violation is an :class:`Issue`.
"""

import dataclasses
import os

from keras_sr.export.tflite_graph import is_shape_arithmetic, op_histogram, read_graph

# [MB] CheckMaxSupportedOpVersion(registration, N) per parser; ops not listed have no limit.
MAX_VERSIONS = {
    "ADD": 2, "SUB": 2, "DIV": 2, "MAXIMUM": 2, "MINIMUM": 2, "POW": 2, "SQUARED_DIFFERENCE": 2,
    "ABS": 2, "COS": 2, "SIN": 2, "EXP": 2, "LOG": 2, "RSQRT": 2, "SQRT": 2, "SQUARE": 2,
    "TANH": 2, "LOGISTIC": 2, "ELU": 2, "NEG": 2, "FLOOR": 2, "FLOOR_DIV": 2, "FLOOR_MOD": 2,
    "MUL": 3,
    "CONCATENATION": 2, "CONV_2D": 6, "DEPTHWISE_CONV_2D": 6, "CUMSUM": 1, "DENSIFY": 1,
    "DEQUANTIZE": 3, "QUANTIZE": 2, "FULLY_CONNECTED": 9, "LSTM": 4, "ONE_HOT": 1, "PRELU": 1,
    "PAD": 2, "PADV2": 2, "MIRROR_PAD": 2, "AVERAGE_POOL_2D": 2, "MAX_POOL_2D": 2,
    "RELU": 2, "RELU6": 2, "LEAKY_RELU": 2, "RESHAPE": 1, "RESIZE_BILINEAR": 3,
    "RESIZE_NEAREST_NEIGHBOR": 3, "SELECT_V2": 1, "SLICE": 2, "SOFTMAX": 2, "SPACE_TO_DEPTH": 2,
    "STRIDED_SLICE": 2, "TRANSPOSE_CONV": 3, "TRANSPOSE": 2,
}

# [GC] the one- and two-argument elementwise cases of the switch. GELU (RT4KSR) is in
# [GC]'s list and in LiteRT's ml_drift GPU op mapping; the model_builder.cc revision read for
# MAX_VERSIONS has no GELU parser, so delegates built from older TensorFlow may run it on the CPU.
UNARY_OPS = frozenset({"ABS", "CEIL", "COS", "ELU", "EXP", "FLOOR", "GELU", "LOG", "LOGISTIC",
                       "NEG", "RSQRT", "SIGN", "SIN", "SQRT", "SQUARE", "TANH"})
BINARY_OPS = frozenset({"ATAN2", "DIV", "EQUAL", "FLOOR_DIV", "FLOOR_MOD", "GREATER",
                        "GREATER_EQUAL", "LOGICAL_AND", "LESS", "LESS_EQUAL", "MAXIMUM", "MINIMUM",
                        "NOT_EQUAL", "POW", "SQUARED_DIFFERENCE", "SUB"})
LOGICAL_OPS = frozenset({"EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL",
                         "LOGICAL_AND", "NOT_EQUAL"})
# [GC] every other case of the switch (ops with their own rule below, or none).
OTHER_SUPPORTED = frozenset({
    "ADD", "ADD_N", "AVERAGE_POOL_2D", "BATCH_MATMUL", "CAST", "CONCATENATION", "CONV_2D",
    "CUMSUM", "DENSIFY", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP",
    "DYNAMIC_UPDATE_SLICE", "FULLY_CONNECTED", "GATHER", "HARD_SWISH", "LSTM", "MAX_POOL_2D",
    "MEAN", "MUL", "PACK", "ONE_HOT", "QUANTIZE", "RELU_N1_TO_1", "PRELU", "RESHAPE", "SELECT",
    "SELECT_V2", "SLICE", "SOFTMAX", "SPACE_TO_DEPTH", "SPLIT", "SPLIT_V", "STRIDED_SLICE",
    "TILE", "TRANSPOSE", "TRANSPOSE_CONV", "RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR", "RELU",
    "RELU6", "LEAKY_RELU", "REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "SUM", "PAD", "PADV2",
    "MIRROR_PAD", "STABLEHLO_CLAMP"})
SUPPORTED_OPS = UNARY_OPS | BINARY_OPS | OTHER_SUPPORTED
# [GC] CheckCustomOpsGpuDelegateCompatibility: the only custom ops the delegate knows.
SUPPORTED_CUSTOM_OPS = frozenset({"Convolution2DTransposeBias", "MaxPoolingWithArgmax2D",
                                  "MaxUnpooling2D", "Resampler"})
FLOAT_TYPES = ("float32", "float16")
QUANT_TYPES = ("int8", "uint8")


@dataclasses.dataclass(frozen=True)
class Issue:
    index: int     # operator index in the main subgraph (-1: the model as a whole)
    op: str
    version: int
    reason: str

    def __str__(self):
        where = "model" if self.index < 0 else f"#{self.index} {self.op} v{self.version}"
        return f"{where}: {self.reason}"


@dataclasses.dataclass(frozen=True)
class Report:
    """The checker's verdict: ``ok`` when the GPU delegate can take every operator."""

    source: str
    issues: tuple
    histogram: dict   # {op name: count}
    num_operators: int

    @property
    def ok(self):
        return not self.issues

    def format(self):
        ops = ", ".join(f"{name} x{n}" for name, n in self.histogram.items())
        lines = [f"GPU delegate check of {self.source}: "
                 + ("ready" if self.ok else f"NOT ready, {len(self.issues)} issue(s)"),
                 f"  {self.num_operators} ops: {ops}"]
        lines += [f"  {issue}" for issue in self.issues]
        return "\n".join(lines)

    __str__ = format


def check_gpu_compatibility(model, allow_quantized=True):
    """Check a ``.tflite`` (path or bytes) against the GPU delegate's rules.

    Args:
        model: path to a ``.tflite`` file, or its bytes.
        allow_quantized: the delegate's quantized-model support (on by default in
            ``TfLiteGpuDelegateOptionsV2Default``); when False, QUANTIZE/DEQUANTIZE and
            int8/uint8 run-time tensors are issues.

    Returns:
        :class:`Report` with one :class:`Issue` per violated rule and an op histogram.
    """
    graph = _fold_fp16_constants(read_graph(model))
    issues = []
    if graph.num_subgraphs > 1:
        # Control flow (WHILE/IF) lives in extra subgraphs; [GC] has no case for those ops.
        issues.append(Issue(-1, "", 0, f"{graph.num_subgraphs} subgraphs (control flow); "
                                       "the delegate takes the main subgraph's builtin ops only"))
    dynamic_inputs = [t for t in graph.inputs if t is not None and t.is_dynamic]
    for t in dynamic_inputs:
        # [MB] the delegate builds its GPU graph once, from fixed BHWC shapes (ExtractTensorShape).
        issues.append(Issue(-1, "", 0, f"input {t.name!r} has a dynamic shape {list(t.shape_signature)}; "
                                       "export with a fixed input size for the GPU delegate"))
    for op in graph.operators:
        if _is_fp16_weight_dequantize(op):
            continue  # [MB] FP16GraphPartitionHelper folds these into their consumers
        issues += [Issue(op.index, op.name, op.version, r)
                   for r in _op_reasons(op, allow_quantized, report_dynamic=not dynamic_inputs)]
    source = model if isinstance(model, (str, os.PathLike)) else "model"
    return Report(str(source), tuple(issues), op_histogram(graph), len(graph.operators))


def _is_fp16_weight_dequantize(op):
    return (op.name == "DEQUANTIZE" and op.inputs and op.inputs[0] is not None
            and op.inputs[0].is_const and op.inputs[0].dtype == "float16")


def _fold_fp16_constants(graph):
    """An fp16 export stores weights as float16 constants + DEQUANTIZE; [MB]
    ``FP16GraphPartitionHelper`` (used by ``GetOpsToReplace``) treats the dequantized
    tensors as the constants they are, so the rules see them as constants too."""
    folded = {op.outputs[0].index for op in graph.operators if _is_fp16_weight_dequantize(op)}
    if not folded:
        return graph

    def fix(tensors):
        return tuple(dataclasses.replace(t, is_const=True) if t is not None and t.index in folded
                     else t for t in tensors)

    ops = tuple(dataclasses.replace(op, inputs=fix(op.inputs)) for op in graph.operators)
    return dataclasses.replace(graph, operators=ops)


def _op_reasons(op, allow_quantized, report_dynamic=True):
    reasons = []
    name = op.name
    if op.is_custom:
        if name not in SUPPORTED_CUSTOM_OPS:  # [GC] CheckCustomOpsGpuDelegateCompatibility
            reasons.append(f"custom op {name!r} is not supported by the GPU delegate")
        return reasons
    if name in ("QUANTIZE", "DEQUANTIZE") and not allow_quantized:
        # [MB] NewOperationParser: only with allow_quant_ops.
        return [f"{name} needs the delegate's quantized-model support"]
    if name not in SUPPORTED_OPS:  # [GC] default case: "Not supported op"
        why = " (run-time shape arithmetic)" if is_shape_arithmetic(op) else ""
        return [f"op {name} is not supported by the GPU delegate{why}"]
    limit = MAX_VERSIONS.get(name)
    if limit is not None and op.version > limit:  # [MB] CheckMaxSupportedOpVersion
        reasons.append(f"op version {op.version} > {limit}, the highest the delegate parses")
    reasons += _tensor_reasons(op, allow_quantized, report_dynamic)
    rule = _RULES.get(name)
    if rule is not None:
        reasons += [r for r in rule(op) if r]
    return reasons


def _tensor_reasons(op, allow_quantized, report_dynamic=True):
    """[MB] IsAllAllowedTensors, plus static shapes: with fixed graph inputs, an output whose
    shape is only known at run time comes from shape arithmetic ([DOC])."""
    reasons = []
    allowed_in = list(FLOAT_TYPES) + (list(QUANT_TYPES) if allow_quantized else [])
    allowed_out = list(allowed_in)
    if op.name in LOGICAL_OPS:
        allowed_out.append("bool")
    if op.name == "CAST":
        allowed_in += ["bool", "int32"]
        allowed_out += ["int32"]
    if op.name == "ONE_HOT":
        allowed_in.append("int32")
    for kind, tensors, allowed in (("input", op.inputs, allowed_in), ("output", op.outputs, allowed_out)):
        for t in tensors:
            if t is None:
                continue
            if t.rank >= 5:
                reasons.append(f"{kind} {t.name or t.index!r} is {t.rank}-D {list(t.shape)}; "
                               "the delegate takes tensors of at most 4 dimensions")
            if not t.is_const and t.dtype not in allowed:
                reasons.append(f"run-time {kind} {t.name or t.index!r} has type {t.dtype}; "
                               f"allowed: {', '.join(allowed)}")
            if report_dynamic and kind == "output" and t.is_dynamic:
                reasons.append(f"output {t.name or t.index!r} has a run-time shape "
                               f"{list(t.shape_signature)} although the model input is fixed")
    return reasons


def _runtime_inputs(op):
    return [t for t in op.inputs if t is not None and not t.is_const]


def _const_inputs(op):
    return [t for t in op.inputs if t is not None and t.is_const]


def _expect_io(op, runtime, outputs=1, const=None):
    """[GC] CheckInputsOutputs / CheckInputsConstsOutputs."""
    n_run, n_const = len(_runtime_inputs(op)), len(_const_inputs(op))
    if n_run != runtime:
        return f"expects {runtime} run-time input(s), has {n_run}"
    if const is not None and n_const != const:
        return f"expects {const} constant input(s), has {n_const}"
    if len(op.outputs) != outputs:
        return f"expects {outputs} output(s), has {len(op.outputs)}"
    return None


def _activation(op):
    """[GC] IsActivationSupported: every fused activation except SIGN_BIT."""
    act = getattr(op.options, "fusedActivationFunction", 0)
    return "fused activation SIGN_BIT is not supported" if act == 5 else None


def _broadcast(op):
    """[GC] CheckAddMulBroadcastCompatibility (the delegate's run-time, non-enhanced rule)."""
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if len(a) > 1 and len(b) > 1 and len(a) != len(b):
        longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
        ok = (len(longer) == 4 and len(shorter) == 3 and longer[0] == 1) or \
             (len(longer) == 4 and len(shorter) == 2 and longer[0] == 1 and tuple(shorter) == (1, 1)) or \
             (len(longer) == 4 and len(shorter) == 2 and longer[0] == shorter[0] and longer[3] == shorter[1])
        if not ok:
            return (f"broadcasting {list(a)} with {list(b)} is not supported "
                    "(4-D with 3-D needs batch 1; 2-D must be [1, 1] or [b, c])")
    return None


def _add(op):
    if len(op.inputs) != 2:
        return ["ADD requires two input tensors"]
    return [_broadcast(op)]


def _mul(op):
    if len(op.inputs) != 2:
        return ["MUL requires two input tensors"]
    a, b = op.inputs[0].shape, op.inputs[1].shape
    if len(a) == len(b):
        first_smaller = any(x < y for x, y in zip(a, b))
        second_smaller = any(y < x for x, y in zip(a, b))
        if first_smaller and second_smaller:
            return ["MUL needs one input not smaller than the other in every dimension "
                    f"({list(a)} vs {list(b)})"]
        return [_activation(op)]
    return [_broadcast(op), _activation(op)]


def _conv(op):
    """[GC] CheckConvoultionInputOutput + CheckStridesAndDilation + activation."""
    out = []
    n_run = len(_runtime_inputs(op))
    if n_run > 2:
        out.append(f"expects 1 or 2 run-time inputs, has {n_run}")
    if len(op.outputs) != 1:
        out.append(f"expects 1 output, has {len(op.outputs)}")
    o = op.options
    if o is not None:
        if min(o.strideH, o.strideW) <= 0:
            out.append(f"incorrect strides {o.strideH}x{o.strideW}")
        if op.name != "TRANSPOSE_CONV" and min(o.dilationHFactor, o.dilationWFactor) <= 0:
            out.append(f"incorrect dilation {o.dilationHFactor}x{o.dilationWFactor}")
    if op.name != "TRANSPOSE_CONV":
        out.append(_activation(op))
    return out


def _depthwise(op):
    """[GC] CheckDepthwiseConvGpuDelegateCompatibility."""
    out = _conv(op)
    x, w, y = op.inputs[0], op.inputs[1], op.outputs[0]
    if x.rank != 4 or w.rank != 4 or y.rank != 4:
        return out + ["input, filter and output must be 4-D"]
    mult = op.options.depthMultiplier if op.options is not None else 1
    if w.shape[3] != y.shape[3]:
        out.append("filter.i != output.c")
    if y.shape[3] != x.shape[3] * mult:
        out.append("output.c != input.c * depth_multiplier")
    if mult != 1 and x.shape[3] != 1:
        out.append("depth_multiplier != 1 needs input.c == 1")
    return out


def _block_size(op):
    """[GC] DEPTH_TO_SPACE / SPACE_TO_DEPTH: block size > 1 (1 is a no-op)."""
    bs = op.options.blockSize if op.options is not None else 0
    return [_expect_io(op, 1), None if bs > 1 else f"block_size {bs} must be > 1"]


def _pad(op):
    """[GC] PAD/PADV2/MIRROR_PAD: one run-time input; paddings 4x2 or 3x2 [MB: a constant]."""
    out = [_expect_io(op, 1)]
    if op.name == "MIRROR_PAD" and op.options is not None and op.options.mode != 0:
        out.append("only REFLECT mirror padding is supported")
    if len(op.inputs) < 2 or op.inputs[1] is None:
        return out + ["paddings tensor missing"]
    pads = op.inputs[1]
    if pads.rank != 2 or pads.shape[0] not in (3, 4) or pads.shape[1] != 2:
        out.append(f"paddings tensor shape {list(pads.shape)}; expected 4x2 or 3x2")
    if not pads.is_const:
        out.append("paddings must be a constant")
    return out


def _prelu(op):
    """[MB] PReLUOperationParser::Parse: alpha constant, C values (per channel) or H x W x C."""
    x, alpha = op.inputs[0], op.inputs[1]
    if not alpha.is_const:
        return ["PReLU alpha must be a constant"]
    c = x.shape[-1] if x.shape else None
    dims = [d for d in alpha.shape]
    per_channel = (all(d == 1 for d in dims[:-1]) and dims and dims[-1] == c)
    full = (len(dims) >= 3 and x.rank == 4 and dims[-3:] == list(x.shape[1:]))
    if not (per_channel or full):
        return [f"PReLU alpha shape {dims} must be per-channel ({c}) or match H x W x C"]
    return []


def _cumsum(op):
    """[GC] CheckCumsumGpuDelegateCompatibility."""
    if len(op.inputs) != 2:
        return ["expects 2 inputs and 1 output"]
    x, axis, y = op.inputs[0], op.inputs[1], op.outputs[0]
    if x.dtype not in FLOAT_TYPES or y.dtype != x.dtype or axis.dtype != "int32" or not axis.is_const:
        return [f"CUMSUM needs float input/output and a constant int32 axis "
                f"(input {x.dtype}, axis {axis.dtype}{'' if axis.is_const else ' computed at run time'})"]
    return []


def _reshape(op):
    """[GC] RESHAPE: exactly one run-time input (a computed shape tensor is a second one)."""
    r = _expect_io(op, 1)
    return [r + " (its target shape is computed at run time)" if r else None]


def _strided_slice(op):
    """[GC] STRIDED_SLICE: no ellipsis/new-axis/shrink masks, 3-D or 4-D input; [MB] constant indices."""
    o, out = op.options, []
    if o is not None:
        for mask in ("ellipsisMask", "newAxisMask", "shrinkAxisMask"):
            if getattr(o, mask, 0):
                out.append(f"{mask} is not supported")
    if len(op.inputs) < 4:
        return out + ["STRIDED_SLICE requires 4 inputs"]
    if op.inputs[0].rank not in (3, 4):
        out.append(f"input is {op.inputs[0].rank}-D; only 3-D or 4-D tensors can be sliced")
    if not all(t.is_const for t in op.inputs[1:4]):
        out.append("begin/end/strides must be constants")
    return out


def _slice(op):
    """[GC] SLICE: 3 inputs, 3-D or 4-D input."""
    if len(op.inputs) < 3:
        return [f"SLICE requires 3 inputs, has {len(op.inputs)}"]
    x = op.inputs[0]
    return [None if x.rank in (3, 4) else f"input is {x.rank}-D; SLICE takes 3-D or 4-D tensors"]


def _axes_const(op):
    """[GC] MEAN/SUM/REDUCE_*: one run-time input, axes a constant int32 tensor."""
    axes = op.inputs[1]
    return [_expect_io(op, 1),
            None if axes.is_const else f"{op.name} is only supported with constant axes",
            None if axes.dtype == "int32" else f"axes must be int32, not {axes.dtype}"]


def _resize(op):
    """[GC] RESIZE_*: one run-time input (a constant size); bilinear not align_corners + half_pixel."""
    out = [_expect_io(op, 1)]
    o = op.options
    if op.name == "RESIZE_BILINEAR" and o is not None and o.alignCorners and o.halfPixelCenters:
        out.append("align_corners and half_pixel_centers cannot both be set")
    return out


def _softmax(op):
    beta = op.options.beta if op.options is not None else 1.0
    return [None if beta == 1 else f"Softmax beta {beta} != 1 is not supported"]


def _cast(op):
    """[GC] CAST: bool<->float, float32/int32 <-> float32/int32."""
    i, o = op.inputs[0].dtype, op.outputs[0].dtype
    ok = (i == "bool" and o in FLOAT_TYPES) or (i in FLOAT_TYPES and o == "bool") or \
         (i in ("float32", "int32") and o in ("float32", "int32"))
    return [_expect_io(op, 1), None if ok else f"CAST {i} -> {o} is not supported"]


def _fully_connected(op):
    """[GC] FULLY_CONNECTED."""
    o, out = op.options, []
    if o is not None and o.weightsFormat != 0:
        out.append("only the default weights format is supported")
    if len(_runtime_inputs(op)) > 2:
        out.append("more than 2 run-time inputs")
    if op.inputs[0].is_const:
        out.append("constant input is not supported")
    if o is not None and o.keepNumDims and op.inputs[0].rank != op.outputs[0].rank:
        out.append("keep_num_dims with input rank != output rank")
    return out


def _elementwise(op):
    """[GC] one-argument ops: 1 run-time input; two-argument ops: 2 run-time or 1 + 1 constant."""
    if op.name in UNARY_OPS:
        return [_expect_io(op, 1, const=0)]
    if _expect_io(op, 2, const=0) and _expect_io(op, 1, const=1):
        return ["op can only handle 1 or 2 operands (2 run-time, or 1 run-time + 1 constant)"]
    return [_activation(op)]


def _one_runtime(op):
    return [_expect_io(op, 1)]


def _pool(op):
    o = op.options
    out = [_expect_io(op, 1)]
    if o is not None and (min(o.filterHeight, o.filterWidth) <= 0 or min(o.strideH, o.strideW) <= 0):
        out.append("incorrect kernel or stride values")
    return out + [_activation(op)]


def _dequantize(op):
    return [None if op.inputs[0].dtype != "int16" else "int16 dequantization is not supported"]


_RULES = {
    "ADD": _add, "MUL": _mul, "CONV_2D": _conv, "TRANSPOSE_CONV": _conv,
    "DEPTHWISE_CONV_2D": _depthwise, "DEPTH_TO_SPACE": _block_size, "SPACE_TO_DEPTH": _block_size,
    "PAD": _pad, "PADV2": _pad, "MIRROR_PAD": _pad, "PRELU": _prelu, "CUMSUM": _cumsum,
    "RESHAPE": _reshape, "STRIDED_SLICE": _strided_slice, "SLICE": _slice, "MEAN": _axes_const,
    "SUM": _axes_const, "REDUCE_MAX": _axes_const, "REDUCE_MIN": _axes_const,
    "REDUCE_PROD": _axes_const, "RESIZE_BILINEAR": _resize, "RESIZE_NEAREST_NEIGHBOR": _resize,
    "SOFTMAX": _softmax, "CAST": _cast, "FULLY_CONNECTED": _fully_connected, "TILE": _one_runtime,
    "TRANSPOSE": _one_runtime, "QUANTIZE": _one_runtime, "AVERAGE_POOL_2D": _pool,
    "MAX_POOL_2D": _pool, "DEQUANTIZE": _dequantize,
    **{name: _elementwise for name in UNARY_OPS | BINARY_OPS},
}
