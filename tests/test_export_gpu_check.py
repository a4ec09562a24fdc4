"""The GPU-delegate checker flags models the delegate cannot take and passes the zoo's exports."""

import os

import numpy as np
import pytest
import tensorflow as tf

from export_helpers import build_tiny, sr_presets
from keras_sr.cli import main
from keras_sr.export import check_gpu_compatibility, convert, export_model
from keras_sr.export.tflite_graph import read_graph


def _tflite(fn, shape):
    concrete = tf.function(fn, autograph=False).get_concrete_function(tf.TensorSpec(shape, tf.float32))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def _reasons(report, op):
    return [i.reason for i in report.issues if i.op == op]


def test_dynamic_shape_arithmetic_is_flagged():
    def fn(x):  # flatten H x W with sizes read at run time: SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE
        s = tf.shape(x)
        flat = tf.reshape(x, tf.stack([s[0], s[1] * s[2], 3]))
        return tf.reshape(flat * 2.0, s)

    report = check_gpu_compatibility(_tflite(fn, (1, None, None, 3)))
    assert not report.ok
    assert report.histogram.get("SHAPE", 0) >= 1
    assert any("not supported" in r for r in _reasons(report, "SHAPE"))
    assert any("run-time input" in r for r in _reasons(report, "RESHAPE"))
    assert any(i.index == -1 and "dynamic shape" in i.reason for i in report.issues)
    # every issue names a real operator of the file (or the model as a whole)
    n_ops = len(read_graph(_tflite(fn, (1, None, None, 3))).operators)
    assert all(-1 <= i.index < n_ops for i in report.issues)


def test_unsupported_ops_are_flagged_with_their_reason():
    def fn(x):
        counts = tf.cumsum(tf.cast(x * 255.0, tf.int32), axis=2)   # CUMSUM on int32
        return tf.cast(counts, tf.float32) + tf.cast(tf.argmax(x, axis=-1), tf.float32)[..., None]

    report = check_gpu_compatibility(_tflite(fn, (1, 8, 8, 3)))
    assert not report.ok
    assert any("float input/output" in r for r in _reasons(report, "CUMSUM"))
    assert any("not supported by the GPU delegate" in r for r in _reasons(report, "ARG_MAX"))


def test_float_cumsum_with_constant_axis_follows_the_delegate_source():
    # gpu_compatibility.cc accepts CUMSUM on float with a constant int32 axis.
    report = check_gpu_compatibility(_tflite(lambda x: tf.cumsum(x, axis=2), (1, 8, 8, 3)))
    assert report.histogram == {"CUMSUM": 1} and report.ok, report.format()


def test_five_dimensional_tensor_is_flagged():
    def fn(x):
        y = tf.reshape(x, (1, 2, 4, 8, 3)) * tf.constant(np.arange(1, 4, dtype=np.float32))
        return tf.reshape(tf.nn.relu(y), (1, 8, 8, 3))

    report = check_gpu_compatibility(_tflite(fn, (1, 8, 8, 3)))
    assert any("5-D" in i.reason for i in report.issues), report.format()


def test_check_gpu_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(_tflite(lambda x: tf.argmax(x, axis=-1), (1, 8, 8, 3)))
    good = tmp_path / "good.tflite"
    good.write_bytes(_tflite(lambda x: tf.nn.relu(x) * 2.0, (1, 8, 8, 3)))
    assert main(["check-gpu", str(good)]) == 0
    assert main(["check-gpu", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "ARG_MAX" in out and "NOT ready" in out
    assert main(["check-gpu", str(tmp_path / "missing.tflite")]) == 2


def test_not_a_flatbuffer_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a model at all")
    with pytest.raises(ValueError, match="not a TFLite flatbuffer"):
        check_gpu_compatibility(str(junk))


@pytest.mark.parametrize("name", sr_presets())
def test_every_zoo_model_exports_fp32_fp16_gpu_ready(name, tmp_path):
    # The whole export path per preset (tiny config, 16x12 LR): conversion, LiteRT parity on
    # photos (fp32 within 1e-3 or export_model raises), GPU check, files + metadata.
    model, scale = build_tiny(name)
    results = export_model(model, str(tmp_path), ("fp32", "fp16"), input_size=(16, 12), name=name,
                           parity_images=1, log=lambda s: None)
    for r in results:
        assert r.gpu_report.ok, f"{name} {r.fmt}\n{r.gpu_report.format()}"
        assert "SHAPE" not in r.gpu_report.histogram
        assert os.path.exists(r.path) and os.path.exists(r.path[:-len(".tflite")] + ".json")
    assert results[0].parity.max_abs_diff <= 1e-3
    assert abs(results[1].parity.psnr_drop) < 0.2


def test_keras_layer_norm_mul_is_flagged_channel_layer_norm_is_not():
    # Keras computes x * (rsqrt(var) * gamma): a (1,H,W,1) x (1,1,1,C) MUL, which
    # gpu_compatibility.cc rejects; ChannelLayerNorm (RT4KSR's norm) gives the same values
    # with MULs the delegate takes.
    import keras

    from keras_sr.layers import ChannelLayerNorm

    rng = np.random.default_rng(0)
    weights = [rng.normal(size=8).astype("float32"), rng.normal(size=8).astype("float32")]
    x = rng.random((1, 6, 8, 8), dtype=np.float32) * 3
    outputs, reports = [], []
    for cls in (keras.layers.LayerNormalization, ChannelLayerNorm):
        inputs = keras.Input((None, None, 8))
        norm = cls(axis=-1, epsilon=1e-6)
        model = keras.Model(inputs, norm(inputs))
        norm.set_weights(weights)
        outputs.append(model.predict(x, verbose=0))
        reports.append(check_gpu_compatibility(convert(model, "fp32", input_size=(8, 6))))
    np.testing.assert_allclose(outputs[1], outputs[0], atol=1e-5)
    assert [i.op for i in reports[0].issues] == ["MUL"] and "not smaller" in reports[0].issues[0].reason
    assert reports[1].ok, reports[1].format()


def test_prelu_alpha_pad_mode_and_broadcast_rules():
    import keras

    def check(layer_fn):
        inputs = keras.Input((None, None, 4))
        model = keras.Model(inputs, layer_fn(inputs))
        return check_gpu_compatibility(convert(model, "fp32", input_size=(8, 6)))

    per_channel = check(keras.layers.PReLU(shared_axes=[1, 2], alpha_initializer="glorot_uniform"))
    shared = check(keras.layers.PReLU(shared_axes=[1, 2, 3], alpha_initializer="glorot_uniform"))
    assert per_channel.ok, per_channel.format()
    assert any("per-channel" in r for r in _reasons(shared, "PRELU")), shared.format()

    reflect = check(lambda x: keras.ops.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect"))
    symmetric = check(lambda x: keras.ops.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="symmetric"))
    assert reflect.ok, reflect.format()
    assert any("REFLECT" in r for r in _reasons(symmetric, "MIRROR_PAD")), symmetric.format()

    # 4-D + 2-D (6, 4): neither [1, 1] nor [batch, channels] -> not broadcastable on the delegate
    table = tf.constant(np.arange(24, dtype=np.float32).reshape(6, 4))
    bad = check_gpu_compatibility(_tflite(lambda x: x + table, (1, 3, 6, 4)))
    assert any("broadcasting" in r for r in _reasons(bad, "ADD")), bad.format()
