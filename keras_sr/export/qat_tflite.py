"""Full-int8 TFLite from a quantization-aware model: the learned ranges, no calibration.

The model is traced with TF's ``FakeQuantWithMinMaxVars`` (activations, per tensor) and
``FakeQuantWithMinMaxVarsPerChannel`` (kernels, ``narrow_range``: [-127, 127]) in place of
the ``keras.ops`` emulation (:func:`keras_sr.layers.fake_quant.implementation`); TF 2.21's
converter turns each into the int8 quantization of that tensor, so every activation range
of the ``.tflite`` is the one training learned. Ops the fake-quant layers do not cover would
stay in float: that is refused (:class:`QATExportError` naming them), since the result would
not be the full-int8 model the ranges were trained for.
"""
from keras_sr.export.tflite_graph import read_graph
from keras_sr.layers import fake_quant

IO_OPS = {"QUANTIZE", "DEQUANTIZE"}


class QATExportError(RuntimeError):
    """A quantization-aware model whose full-int8 conversion left ops in float."""


def _tf_implementation():
    import tensorflow as tf

    def per_tensor(x, x_min, x_max):
        return tf.quantization.fake_quant_with_min_max_vars(x, x_min, x_max, num_bits=8)

    def per_channel(kernel, x_min, x_max):
        return tf.quantization.fake_quant_with_min_max_vars_per_channel(
            kernel, x_min, x_max, num_bits=8, narrow_range=True)

    return fake_quant.implementation(per_tensor, per_channel)


def float_ops(flatbuffer):
    """Names of the ops of ``flatbuffer`` with a float32 output (other than the I/O
    QUANTIZE / DEQUANTIZE), sorted."""
    return sorted({op.name for op in read_graph(flatbuffer).operators
                   if op.name not in IO_OPS and any(t is not None and t.dtype == "float32"
                                                    for t in op.outputs)})


def convert_qat(model, input_size=None, int8_io="float32"):
    """``bytes`` of the full-int8 ``.tflite`` of a quantization-aware ``model``
    (:func:`keras_sr.models.qat.insert_fake_quant`), activation ranges = its learned ones.

    Args:
        input_size: ``(width, height)`` for a fixed-shape export, ``None`` for dynamic.
        int8_io: ``"float32"`` (QUANTIZE / DEQUANTIZE in the graph) or ``"uint8"``.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    w, h = input_size if input_size is not None else (None, None)
    spec = tf.TensorSpec((1, h, w, model.inputs[0].shape[-1]), tf.float32, name="lr")
    with _tf_implementation():
        traced = tf.function(lambda lr: model(lr, training=False), autograph=False)
        function = convert_variables_to_constants_v2(traced.get_concrete_function(spec))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if int8_io == "uint8":
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    flatbuffer = converter.convert()
    floats = float_ops(flatbuffer)
    if floats:
        raise QATExportError(f"quantization-aware export of {model.name!r} left ops in float: "
                          f"{', '.join(sorted(floats))} (no fake-quant range on their tensors)")
    return flatbuffer
