"""Convert a Keras model to TFLite with builtin ops only and run it with LiteRT (tests only)."""

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
from ai_edge_litert.interpreter import Interpreter, OpResolverType


def to_tflite(model, input_shape):
    """Flatbuffer bytes of ``model`` for a fixed ``input_shape`` (batch included).

    ``supported_ops`` is TFLITE_BUILTINS only, so a graph that needs Select TF (Flex)
    ops fails to convert instead of silently depending on them. The weights are frozen
    into constants first (Keras 3 variables would otherwise stay resource variables).
    """
    fn = tf.function(lambda x: model(x, training=False),
                     input_signature=[tf.TensorSpec(input_shape, tf.float32)])
    frozen = convert_variables_to_constants_v2(fn.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen], model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def run_tflite(flatbuffer, x):
    """Run a single-input, single-output TFLite model on ``x``; returns (output, op names)."""
    # Without XNNPACK, so the op list shows the model's own builtin ops (no DELEGATE node).
    interpreter = Interpreter(model_content=flatbuffer,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.asarray(x, np.float32))
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    ops = sorted({op["op_name"] for op in interpreter._get_ops_details()})
    return out, ops


def assert_tflite_matches_keras(model, x, atol=1e-4):
    """Convert ``model`` for ``x.shape``, run both, compare; returns the TFLite op names."""
    expected = np.asarray(model(x, training=False))
    got, ops = run_tflite(to_tflite(model, x.shape), x)
    np.testing.assert_allclose(got, expected, atol=atol)
    assert not any(op.startswith("Flex") or op == "CUSTOM" for op in ops), ops
    return ops


def tflite_ops(flatbuffer):
    """The op names of a TFLite model in execution order (e.g. ``["SPACE_TO_DEPTH", "CONV_2D", ...]``)."""
    interpreter = Interpreter(model_content=flatbuffer,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    return [op["op_name"] for op in interpreter._get_ops_details()]
