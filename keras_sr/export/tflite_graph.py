"""Read a ``.tflite`` flatbuffer into plain Python: operators, versions, tensors, options.

Uses the TFLite schema module that ``ai_edge_litert`` ships (``schema_py_generated``),
so reading a model needs neither TensorFlow nor an interpreter. Weights are not copied:
a tensor only records whether its buffer holds data (a constant).
"""

import dataclasses

import numpy as np

from ai_edge_litert import schema_py_generated as schema

BUILTIN_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
TYPE_NAMES = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}

# Ops that compute shapes at run time (SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE chains).
# SHAPE/RANK/SIZE always do; the others only when they work on run-time integer vectors
# (STRIDED_SLICE of image data with constant bounds is ordinary, GPU-supported slicing).
SHAPE_ARITHMETIC_OPS = frozenset({"SHAPE", "PACK", "STRIDED_SLICE", "BROADCAST_ARGS", "RANK",
                                  "SIZE", "RANGE", "FILL", "BROADCAST_TO", "DYNAMIC_UPDATE_SLICE",
                                  "CONCATENATION", "GATHER", "MUL", "ADD", "SUB", "FLOOR_DIV"})
_ALWAYS_SHAPE_OPS = frozenset({"SHAPE", "RANK", "SIZE", "BROADCAST_ARGS"})


@dataclasses.dataclass(frozen=True)
class Tensor:
    index: int
    name: str
    shape: tuple          # the static shape stored in the file
    shape_signature: tuple  # -1 where the dimension is only known at run time
    dtype: str            # "float32", "float16", "int8", "uint8", "int32", ...
    is_const: bool        # backed by a non-empty buffer

    @property
    def rank(self):
        return len(self.shape)

    @property
    def is_dynamic(self):
        return any(d < 0 for d in self.shape_signature)


@dataclasses.dataclass(frozen=True)
class Operator:
    index: int
    name: str       # builtin name (e.g. "CONV_2D") or the custom op's name
    version: int
    is_custom: bool
    inputs: tuple   # Tensor or None (optional input omitted, index -1)
    outputs: tuple
    options: object  # the schema's options object (e.g. Conv2DOptionsT) or None


@dataclasses.dataclass(frozen=True)
class Graph:
    operators: tuple
    inputs: tuple
    outputs: tuple
    tensors: tuple
    num_subgraphs: int


def read_graph(model):
    """Parse the main subgraph of ``model`` (a path or the flatbuffer ``bytes``)."""
    if isinstance(model, (bytes, bytearray)):
        buf = bytes(model)
    else:
        with open(model, "rb") as f:
            buf = f.read()
    if len(buf) < 8 or buf[4:8] != b"TFL3":
        raise ValueError(f"{model if not isinstance(model, (bytes, bytearray)) else 'buffer'} "
                         "is not a TFLite flatbuffer (no TFL3 identifier)")
    root = schema.Model.GetRootAsModel(buf, 0)
    sub = root.Subgraphs(0)

    def has_data(buffer_index):
        if buffer_index <= 0 or buffer_index >= root.BuffersLength():
            return False
        b = root.Buffers(buffer_index)
        return b.DataLength() > 0 or b.Size() > 0  # Size(): data stored outside the flatbuffer

    tensors = []
    for i in range(sub.TensorsLength()):
        t = sub.Tensors(i)
        shape = tuple(int(d) for d in (t.ShapeAsNumpy() if t.ShapeLength() else ()))
        sig = tuple(int(d) for d in (t.ShapeSignatureAsNumpy() if t.ShapeSignatureLength() else shape))
        tensors.append(Tensor(i, (t.Name() or b"").decode(), shape, sig,
                              TYPE_NAMES.get(t.Type(), str(t.Type())), has_data(t.Buffer())))

    def pick(indices):
        return tuple(tensors[j] if j >= 0 else None for j in indices)

    operators = []
    for i in range(sub.OperatorsLength()):
        op = sub.Operators(i)
        code = root.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        is_custom = builtin == schema.BuiltinOperator.CUSTOM
        name = code.CustomCode().decode() if is_custom else BUILTIN_NAMES.get(builtin, str(builtin))
        options = None
        if op.BuiltinOptionsType():
            options = schema.BuiltinOptionsCreator(op.BuiltinOptionsType(), op.BuiltinOptions())
        ins = op.InputsAsNumpy() if op.InputsLength() else np.zeros(0, int)
        outs = op.OutputsAsNumpy() if op.OutputsLength() else np.zeros(0, int)
        operators.append(Operator(i, name, int(code.Version()), is_custom, pick(ins), pick(outs), options))
    return Graph(tuple(operators), pick(sub.InputsAsNumpy()), pick(sub.OutputsAsNumpy()),
                 tuple(tensors), root.SubgraphsLength())


def is_shape_arithmetic(op):
    """True for an operator that computes a tensor shape at run time."""
    if op.name in _ALWAYS_SHAPE_OPS:
        return True
    if op.name not in SHAPE_ARITHMETIC_OPS:
        return False
    return any(t is not None and not t.is_const and t.dtype in ("int32", "int64") and t.rank <= 1
               for t in op.inputs + op.outputs)


def op_histogram(graph):
    """``{op name: count}`` in order of first appearance."""
    counts = {}
    for op in graph.operators:
        counts[op.name] = counts.get(op.name, 0) + 1
    return counts
