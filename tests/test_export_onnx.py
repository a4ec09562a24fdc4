"""ONNX export: conversion (H/W free), parity in ONNX Runtime, metadata, refusal, CLI."""

import json
import os

import numpy as np
import pytest

pytest.importorskip("tf2onnx", reason="the onnx extra (tf2onnx) is not installed")
pytest.importorskip("onnxruntime", reason="the onnx extra (onnxruntime) is not installed")

from keras_sr import models  # noqa: E402
from keras_sr.cli import main  # noqa: E402
from keras_sr.export import ParityError, export_model, onnx_export, parity  # noqa: E402

SIZE = (32, 24)


@pytest.fixture(scope="module")
def tiny_rt4ksr():
    # GELU (TensorFlow's Erfc, which tf2onnx lacks), layer norm, (un)shuffle: the awkward ops.
    return models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1, high_frequency=None)


def test_onnx_export_matches_keras_at_any_size(tiny_rt4ksr, tmp_path):
    results = export_model(tiny_rt4ksr, str(tmp_path), ("onnx",), input_size=SIZE, name="rt4ksr",
                           parity_images=1, log=lambda s: None)
    (result,) = results
    assert result.path == str(tmp_path / "rt4ksr_x2_fp32_dynamic.onnx") and os.path.getsize(result.path) > 0
    assert result.parity.max_abs_diff <= parity.ONNX_TOLERANCE and result.parity.runtime == "onnxruntime"
    meta = json.loads((tmp_path / "rt4ksr_x2_fp32_dynamic.json").read_text())
    assert meta["format"] == "onnx" and meta["onnx"]["opset"] == onnx_export.OPSET
    assert meta["input"]["shape"] == [-1, -1, -1, 3] and meta["dynamic_shape"] is True
    assert meta["parity"]["max_abs_diff_vs_keras"] <= 1e-4
    ops = onnx_export.op_histogram(open(result.path, "rb").read())
    assert {"Conv", "Erf", "SpaceToDepth", "DepthToSpace"} <= set(ops) and "Erfc" not in ops
    # The file runs at sizes other than the parity size, batch included, and equals Keras there.
    sess = onnx_export.session(result.path, num_threads=1)
    x = np.random.default_rng(0).random((2, 10, 14, 3), dtype=np.float32)
    got = sess.run(["sr"], {"lr": x})[0]
    want = np.asarray(tiny_rt4ksr(x, training=False))
    assert got.shape == (2, 20, 28, 3) and np.abs(got - want).max() <= 1e-4


def test_onnx_that_differs_from_keras_is_not_written(tiny_rt4ksr, tmp_path, monkeypatch):
    real = onnx_export.run_onnx
    monkeypatch.setattr(onnx_export, "run_onnx", lambda sess, lr: real(sess, lr) + 1e-3)
    with pytest.raises(ParityError, match="onnx export differs from Keras"):
        export_model(tiny_rt4ksr, str(tmp_path), ("onnx",), input_size=SIZE, name="rt4ksr",
                     parity_images=1, log=lambda s: None)
    assert os.listdir(tmp_path) == []


def test_cli_export_onnx_and_missing_extra(tmp_path, monkeypatch, capsys):
    args = ["export", "--model", "edsr-baseline", "--scale", "2", "--weights", "none", "--set", "num_blocks=1",
            "--set", "filters=8", "--formats", "onnx", "--input-size", "32x24", "--parity-images", "1",
            "--out", str(tmp_path / "out")]
    assert main(args) == 0
    assert sorted(os.listdir(tmp_path / "out")) == ["edsr_baseline_x2_fp32_dynamic.json",
                                                     "edsr_baseline_x2_fp32_dynamic.onnx"]
    assert main(args) == 2  # never overwrites without --overwrite
    assert "exists" in capsys.readouterr().err

    def missing():
        raise ImportError("onnx export needs tf2onnx and onnxruntime; install them with: "
                          "pip install 'keras-sr[onnx]'")
    monkeypatch.setattr(onnx_export, "require", missing)
    assert main(args[:-1] + [str(tmp_path / "other")]) == 2
    assert "keras-sr[onnx]" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "other")
