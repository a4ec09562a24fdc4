"""Minimal TFLite helpers for tests: convert a Keras model with builtin ops only, run it, list its ops."""

import numpy as np


def to_tflite(model, input_shape, export_dir):
    """TFLite flatbuffer of ``model`` for a fixed ``input_shape`` (e.g. (1, 32, 48, 3)),
    restricted to TFLite builtin ops (conversion fails if a Select/Flex op would be needed).
    Goes through a SavedModel in ``export_dir`` (Keras 3 ``model.export``)."""
    import tensorflow as tf

    model.export(str(export_dir), format="tf_saved_model", verbose=False,
                 input_signature=[tf.TensorSpec(input_shape, tf.float32)])
    converter = tf.lite.TFLiteConverter.from_saved_model(str(export_dir))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def run_tflite(flatbuffer, x):
    """Run a single-input, single-output TFLite model on ``x`` with LiteRT's interpreter."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.asarray(x, np.float32))
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def tflite_ops(flatbuffer):
    """The op names of a TFLite model in execution order (e.g. ``["SPACE_TO_DEPTH", "CONV_2D", ...]``)."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    return [op["op_name"] for op in interpreter._get_ops_details()]
