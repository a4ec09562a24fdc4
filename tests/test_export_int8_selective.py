"""Selective int8: layer norms (and debugger-flagged ops) stay float, the rest int8, builtin ops."""

import json

import numpy as np
import pytest

from keras_sr import models
from keras_sr.export import convert, export_model, int8_selective, parity
from keras_sr.export.pipeline import calibration_set
from keras_sr.export.tflite_graph import read_graph

SIZE = (32, 24)


@pytest.fixture(scope="module")
def tiny_rt4ksr():
    return models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1, high_frequency=None)


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
    assert all("norm" in n for n in report["float_nodes"] if n not in report["sensitive_ops"])
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
