"""Selective int8: layer norm -> conv pairs range-equalized, layer norms and the activations feeding
them (and debugger-flagged ops) stay float, the rest int8, builtin ops."""

import json

import numpy as np
import pytest

from keras_sr import models
from keras_sr.export import convert, export_model, int8_equalize, int8_selective, parity
from keras_sr.export.pipeline import calibration_set
from keras_sr.export.tflite_graph import read_graph

SIZE = (32, 24)


@pytest.fixture(scope="module")
def tiny_rt4ksr():
    import keras

    keras.utils.set_random_seed(0)  # the bias-correction test's margin depends on the draw: one fixed draw
    return models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1, high_frequency=None, deploy=True)


@pytest.fixture(scope="module")
def samples():
    return calibration_set(SIZE, 3, count=3)


def _input_types(flatbuffer, op_name):
    return {op.inputs[0].dtype for op in read_graph(flatbuffer).operators if op.name == op_name}


def test_selective_keeps_layer_norms_float_and_convs_int8(tiny_rt4ksr, samples):
    report = {}
    selective = convert(tiny_rt4ksr, "int8", SIZE, representative=samples, int8_method="selective",
                        report=report)
    full = convert(tiny_rt4ksr, "int8", SIZE, representative=samples)  # the default of convert
    assert report["method"] == "selective" and report["layer_norm_ops"] >= 2 * 7  # two norms
    assert all("norm" in n or "_act" in n for n in report["float_nodes"] if n not in report["sensitive_ops"])
    assert report["activation_ops"] >= 1  # body0_act feeds tail_norm
    assert report["equalized"] == ["body0_norm->body0_conv", "tail_norm->tail_conv"]
    assert _input_types(selective, "GELU") == {"float32"}
    assert report["bias_corrected"] and not any(
        f"/{c}_" in n or f"/{c}/" in n for c in report["bias_corrected"] for n in report["sensitive_ops"])
    assert _input_types(selective, "MEAN") == {"float32"} and _input_types(full, "MEAN") == {"int8"}
    assert "int8" in _input_types(selective, "CONV_2D")
    ops = {op.name for op in read_graph(selective).operators}
    assert {"QUANTIZE", "DEQUANTIZE"} <= ops and not any(op.is_custom for op in read_graph(selective).operators)
    # float layer norms are no worse than int8 ones on a photo
    (_, lr, _), = parity.lr_hr_pairs(SIZE, 2, 3, count=1)
    want = np.asarray(tiny_rt4ksr(lr[None], training=False))[0]
    err = {name: np.abs(parity.run_tflite(parity.interpreter(fb), lr) - want).mean()
           for name, fb in (("selective", selective), ("full", full))}
    assert err["selective"] <= err["full"] * 1.05


def test_layer_norm_nodes_match_only_norm_scopes(tiny_rt4ksr):
    graph = read_graph(convert(tiny_rt4ksr, "fp32", SIZE))
    nodes = int8_selective.layer_norm_nodes(tiny_rt4ksr, graph)
    assert nodes and all("_norm" in n for n in nodes)
    edsr = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    assert int8_selective.layer_norm_nodes(edsr, read_graph(convert(edsr, "fp32", SIZE))) == []


def test_float_activations_are_found_through_pass_through_layers():
    # the released RT4KSR wiring: the last GELU reaches tail_norm through the (unused) hf_gate
    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=2, deploy=True)
    graph = read_graph(convert(model, "fp32", SIZE))
    nodes = int8_selective.pre_norm_activation_nodes(model, graph)
    assert any("body1_act" in n for n in nodes) and any("body0_act" in n for n in nodes)
    edsr = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    assert int8_selective.pre_norm_activation_nodes(edsr, read_graph(convert(edsr, "fp32", SIZE))) == []


def test_sensitivity_threshold_picks_the_ops_the_debugger_flags(monkeypatch):
    rows = [{"tensor_name": "a", "rmse/scale": 0.29}, {"tensor_name": "b", "rmse/scale": 2.8}]
    monkeypatch.setattr(int8_selective, "layer_statistics", lambda converter, samples, count=2: rows)
    assert int8_selective.sensitive_nodes(None, []) == ["b"]
    assert int8_selective.sensitive_nodes(None, [], threshold=0.2) == ["a", "b"]


def test_export_reports_the_method(tiny_rt4ksr, tmp_path):
    lines = []
    (r,) = export_model(tiny_rt4ksr, str(tmp_path), ("int8",), input_size=SIZE, name="rt4ksr",
                        calibration_count=3, parity_images=1, log=lines.append)
    meta = json.loads((tmp_path / "rt4ksr_x2_int8_32x24.json").read_text())
    assert meta["int8"]["method"] == "selective" and meta["int8"]["layer_norm_ops"] > 0
    assert any(line.startswith("int8: method selective") for line in lines)
    assert r.gpu_report is not None and np.isfinite(r.parity.psnr_drop)
    with pytest.raises(ValueError, match="int8_method"):
        convert(tiny_rt4ksr, "int8", SIZE, representative=[np.zeros((1, 24, 32, 3), np.float32)],
                int8_method="half")


def test_equalize_keeps_outputs_and_evens_channel_ranges(tiny_rt4ksr, samples):
    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1, high_frequency=None, deploy=True)
    model.set_weights(tiny_rt4ksr.get_weights())
    norm = model.get_layer("tail_norm")
    gamma, beta = norm.get_weights()
    spread = np.geomspace(0.01, 4.0, gamma.size).astype(np.float32)  # channels 400x apart
    norm.set_weights([gamma * spread, beta * spread])
    copy, pairs = int8_equalize.equalize(model, samples, alpha=1.0)
    assert ("tail_norm", "tail_conv") in pairs
    x = samples[0]
    np.testing.assert_allclose(copy.predict(x, verbose=0), model.predict(x, verbose=0), atol=2e-5)
    before = int8_equalize.channel_max_abs(model, [norm], samples)["tail_norm"]
    after = int8_equalize.channel_max_abs(copy, [copy.get_layer("tail_norm")], samples)["tail_norm"]
    assert before.max() / before.min() > 50 and after.max() / after.min() < 1.01
    with pytest.raises(ValueError, match="alpha"):
        int8_equalize.equalize(model, samples, alpha=1.5)
    edsr = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    assert int8_equalize.norm_conv_pairs(edsr) == []


def test_correct_bias_cancels_the_mean_error_of_int8_weights(tiny_rt4ksr, samples):
    copy, names = int8_equalize.correct_bias(tiny_rt4ksr, samples, skip=("head",))
    assert "head" not in names and "tail_conv" in names
    conv, fixed = tiny_rt4ksr.get_layer("tail_conv"), copy.get_layer("tail_conv")
    probe = __import__("keras").Model(tiny_rt4ksr.inputs, conv.input)
    y = np.concatenate([probe.predict(x, verbose=0) for x in samples])
    import tensorflow as tf

    kernel, bias = conv.get_weights()
    exact = tf.nn.conv2d(y, kernel, 1, "SAME").numpy() + bias
    q = int8_equalize.int8_kernel(kernel).astype(np.float32)
    mean_err = lambda b: np.abs((tf.nn.conv2d(y, q, 1, "SAME").numpy() + b - exact)[:, 1:-1, 1:-1].mean(axis=(0, 1, 2)))
    assert mean_err(fixed.get_weights()[1]).max() < 0.2 * mean_err(bias).max() + 1e-6
    np.testing.assert_array_equal(copy.get_layer("head").get_weights()[1], tiny_rt4ksr.get_layer("head").get_weights()[1])


def test_equalization_lowers_the_int8_error_of_unbalanced_norm_channels(tiny_rt4ksr, samples, monkeypatch):
    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1, high_frequency=None, deploy=True)
    model.set_weights(tiny_rt4ksr.get_weights())
    norm = model.get_layer("tail_norm")
    gamma, beta = norm.get_weights()
    spread = np.geomspace(0.01, 4.0, gamma.size).astype(np.float32)
    norm.set_weights([gamma * spread, beta * spread])
    # the conv undoes the spread (the same function, as in a trained model whose small channels
    # carry the detail): int8 per-tensor rounding of the norm's output then wipes the small channels
    conv = model.get_layer("tail_conv")
    kernel, bias = conv.get_weights()
    conv.set_weights([kernel / spread[None, None, :, None], bias])
    (_, lr, _), = parity.lr_hr_pairs(SIZE, 2, 3, count=1)
    want = np.asarray(model(lr[None], training=False))[0]

    def error():
        fb = convert(model, "int8", SIZE, representative=samples, int8_method="selective")
        return np.abs(parity.run_tflite(parity.interpreter(fb), lr) - want).mean()

    # every conv int8, so that the conv after tail_norm reads the int8 tensor equalization is about
    monkeypatch.setattr(int8_selective, "sensitive_nodes", lambda converter, samples, threshold=None: [])
    equalized = error()
    monkeypatch.setattr(int8_equalize, "equalize", lambda m, s, alpha=None: (m, []))
    assert equalized < 0.7 * error()
