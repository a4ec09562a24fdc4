"""Keras model -> ONNX (through TensorFlow's maintained converter, tf2onnx), run with ONNX Runtime.

The graph is NHWC like every keras-sr export (input ``lr`` (N, H, W, C), output ``sr``
(N, H·s, W·s, C), float32 in [0, 1]) with batch, height and width free, so one file serves
every image size in ONNX Runtime, TensorRT (with an optimization profile) and OpenVINO::

    import onnxruntime as ort

    session = ort.InferenceSession("rt4ksr_x2_fp32_dynamic.onnx", providers=["CPUExecutionProvider"])
    sr = session.run(["sr"], {"lr": lr[None]})[0]     # lr: (H, W, 3) float32 in [0, 1]

Needs the ``onnx`` extra (``pip install keras-sr[onnx]``: tf2onnx, onnx, onnxruntime).
"""

import numpy as np

# ONNX opset of the exported graphs: 17 is read by ONNX Runtime >= 1.13, TensorRT >= 8.6 and
# OpenVINO >= 2022.3, and has every op these models need (Conv, DepthToSpace, Erf, ReduceMean).
OPSET = 17
INPUT_NAME, OUTPUT_NAME = "lr", "sr"


def require(converter=True):
    """Import the converter (unless ``converter=False``: running a file needs only the runtime)
    and the runtime, or raise ImportError saying how to install them."""
    try:
        import onnxruntime  # noqa: F401
        if converter:
            import tf2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"onnx export needs tf2onnx and onnxruntime ({exc}); "
                          "install them with: pip install 'keras-sr[onnx]'") from None


def _erfc(ctx, node, name, args):
    """tf2onnx handler for TensorFlow's Erfc (exact GELU, ``0.5·x·erfc(-x/√2)``), which it
    does not convert: ``erfc(x) = 1 - erf(x)`` with ONNX's Erf."""
    from tf2onnx import utils

    node.type = "Erf"
    one = ctx.make_const(utils.make_name(f"{name}_one"), np.array(1, dtype=np.float32))
    sub = ctx.insert_new_node_on_output("Sub", node.output[0], name=utils.make_name(f"{name}_erfc"))
    ctx.replace_inputs(sub, [one.output[0], node.output[0]])


def convert(model, opset=OPSET):
    """``model`` (single input, single output ``keras.Model``) as ONNX bytes, H x W and batch free.

    Raises:
        ImportError: tf2onnx / onnxruntime missing.
        ValueError: the model has several inputs or outputs.
    """
    require()
    import tensorflow as tf
    import tf2onnx

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(f"model {model.name!r} must have one input and one output for ONNX export")
    channels = model.inputs[0].shape[-1]
    spec = (tf.TensorSpec((None, None, None, channels), tf.float32, name=INPUT_NAME),)
    fn = tf.function(lambda lr: {OUTPUT_NAME: model(lr, training=False)}, autograph=False)
    proto, _ = tf2onnx.convert.from_function(fn, input_signature=spec, opset=opset,
                                              custom_op_handlers={"Erfc": (_erfc, [])})
    return proto.SerializeToString()


def session(onnx_model, num_threads=None):
    """ONNX Runtime CPU session for ONNX bytes or a path; ``num_threads`` intra-op threads."""
    require(converter=False)
    import onnxruntime as ort

    options = ort.SessionOptions()
    if num_threads:
        options.intra_op_num_threads = int(num_threads)
        options.inter_op_num_threads = 1
    source = bytes(onnx_model) if isinstance(onnx_model, (bytes, bytearray)) else str(onnx_model)
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def run_onnx(sess, lr):
    """SR image (H·s, W·s, C) float32 for one LR image (H, W, C) float32 in [0, 1]."""
    return sess.run([OUTPUT_NAME], {INPUT_NAME: lr[None].astype(np.float32)})[0][0]


def op_histogram(onnx_model):
    """``{op_type: count}`` of ONNX bytes."""
    import onnx

    graph = onnx.load_from_string(bytes(onnx_model)).graph
    counts = {}
    for node in graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return counts


def versions():
    """``{"tf2onnx": ..., "onnx": ..., "onnxruntime": ...}`` for the metadata."""
    import onnx
    import onnxruntime
    import tf2onnx

    return {"tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}
