"""TFLite / SavedModel export: formats, parity in LiteRT, metadata, atomic writes, CLI."""

import json
import os

import keras
import numpy as np
import pytest
from keras import ops

from keras_sr import models
from keras_sr.cli import main
from keras_sr.export import (ExportError, ParityError, check_parity, convert, export_model,
                             parse_formats, parse_size, parity, run_tflite)
from keras_sr.utils import atomic
from keras_sr.export.tflite_graph import read_graph

SIZE = (32, 24)  # LR width x height


@pytest.fixture(scope="module")
def tiny_x2():
    return models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)


@pytest.fixture(scope="module")
def exported(tiny_x2, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    results = export_model(tiny_x2, str(out), ("savedmodel", "fp32", "fp16", "dynamic-int8", "int8"),
                           input_size=SIZE, name="edsr-baseline", calibration_count=3, log=lambda s: None)
    return out, {r.fmt: r for r in results}


def test_every_format_is_written_with_metadata(exported):
    out, results = exported
    names = sorted(os.listdir(out))
    assert names == sorted(["edsr_baseline_x2_savedmodel", "edsr_baseline_x2_savedmodel.json"] + [
        f"edsr_baseline_x2_{f}_32x24.{ext}" for f in ("fp32", "fp16", "dynamic-int8", "int8")
        for ext in ("tflite", "json")])
    meta = json.loads((out / "edsr_baseline_x2_fp16_32x24.json").read_text())
    assert meta["input"]["shape"] == [1, 24, 32, 3] and meta["output"]["shape"] == [1, 48, 64, 3]
    assert meta["layout"] == "NHWC" and meta["color"] == "RGB" and meta["value_range"] == [0.0, 1.0]
    assert meta["scale"] == 2 and meta["format"] == "tflite-fp16" and meta["input"]["dtype"] == "float32"
    assert meta["gpu_delegate_ready"] is True and "keras_sr_version" in meta
    assert os.path.exists(out / "edsr_baseline_x2_savedmodel" / "saved_model.pb")
    sm_meta = json.loads((out / "edsr_baseline_x2_savedmodel.json").read_text())
    assert sm_meta["format"] == "savedmodel" and sm_meta["input"]["shape"] == [-1, 24, 32, 3]


def test_parity_fp32_tight_and_quantized_close(exported):
    _, r = exported
    assert r["fp32"].parity.max_abs_diff <= 1e-3
    assert abs(r["fp16"].parity.psnr_drop) < 0.1
    for fmt in ("dynamic-int8", "int8"):  # quantized: real error, still a usable image
        assert 0 < r[fmt].parity.max_abs_diff < 0.2
        assert abs(r[fmt].parity.psnr_drop) < 1.0
    assert r["int8"].size_bytes < r["fp32"].size_bytes
    assert {op.name for op in read_graph(r["int8"].path).operators} >= {"QUANTIZE", "CONV_2D"}


def test_savedmodel_serves_the_keras_output(exported, tiny_x2, rng):
    import tensorflow as tf

    out, _ = exported
    loaded = tf.saved_model.load(str(out / "edsr_baseline_x2_savedmodel"))
    x = rng.random((1, 24, 32, 3), dtype=np.float32)
    got = np.asarray(loaded.serve(tf.constant(x)))
    np.testing.assert_allclose(got, tiny_x2.predict(x, verbose=0), atol=1e-5)


def test_dynamic_export_resizes_on_cpu(tiny_x2, rng):
    flatbuffer = convert(tiny_x2, "fp32", input_size=None)
    interp = parity.interpreter(flatbuffer)
    for h, w in ((12, 20), (17, 9)):
        lr = rng.random((h, w, 3), dtype=np.float32)
        got = run_tflite(interp, lr)
        np.testing.assert_allclose(got, tiny_x2.predict(lr[None], verbose=0)[0], atol=1e-4)


def test_int8_with_uint8_io(tiny_x2, tmp_path):
    results = export_model(tiny_x2, str(tmp_path), ("int8",), input_size=SIZE, int8_io="uint8",
                           calibration_count=2, parity_images=1, log=lambda s: None)
    meta = json.loads((tmp_path / "edsr_baseline_x2_int8_32x24.json").read_text())
    assert meta["input"]["dtype"] == "uint8" and meta["input"]["quantization"]["scale"] > 0
    assert abs(results[0].parity.psnr_drop) < 1.5


def test_fp32_parity_failure_keeps_no_file(tiny_x2, tmp_path, monkeypatch):
    monkeypatch.setattr(parity, "FP32_TOLERANCE", 1e-12)
    with pytest.raises(ParityError, match="not kept"):
        # a different model's export cannot match: real mismatch, default tolerance
        other = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
        check_parity(tiny_x2, convert(other, "fp32", SIZE), "fp32", 2,
                     parity.lr_hr_pairs(SIZE, 2, 3, count=1), tolerance=1e-3)
    with pytest.raises(ParityError):
        export_model(tiny_x2, str(tmp_path), ("fp32",), input_size=SIZE, parity_images=1,
                     log=lambda s: None)
    assert os.listdir(tmp_path) == []


class _Erfinv(keras.layers.Layer):
    def call(self, x):
        return ops.erfinv(x * 0.5)


def test_select_tf_ops_fail_with_the_op_named():
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, _Erfinv()(inputs))
    with pytest.raises(ExportError, match=r"not TFLite builtins \(Erfinv\)"):
        convert(model, "fp32", input_size=(8, 8))


def test_existing_outputs_are_not_overwritten(tiny_x2, tmp_path):
    target = tmp_path / "edsr_baseline_x2_fp32_32x24.tflite"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match="--overwrite"):
        export_model(tiny_x2, str(tmp_path), ("fp32",), input_size=SIZE, log=lambda s: None)
    assert target.read_bytes() == b"keep me"
    export_model(tiny_x2, str(tmp_path), ("fp32",), input_size=SIZE, overwrite=True, parity_images=1,
                 log=lambda s: None)
    assert read_graph(str(target)).operators
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp-")]


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(TypeError):
        atomic.write_bytes(str(tmp_path / "x.bin"), object())  # not bytes: fails mid-write
    assert os.listdir(tmp_path) == []


def test_argument_parsing_errors():
    assert parse_size("640x360") == (640, 360)
    assert parse_formats("all")[0] == "savedmodel"
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("640")
    with pytest.raises(ValueError, match="unknown format"):
        parse_formats("fp32,fp8")


def test_cli_export_and_one_line_errors(tmp_path, capsys):
    args = ["export", "--model", "edsr-baseline", "--scale", "3", "--set", "num_blocks=1",
            "--set", "filters=8", "--weights", "none", "--formats", "fp32", "--input-size", "20x16",
            "--parity-images", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "edsr_baseline_x3_fp32_20x16.tflite" in out and "GPU delegate check" in out and "ready" in out
    assert "untrained" in out and "below bicubic" in out  # said out loud, not a silent random export
    assert "keras-sr: warning: the Keras model is " in out  # EDSR untrained: always far below bicubic
    assert main(args) == 2  # exists, no --overwrite
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--overwrite" in err
    assert main(args[:9] + ["--formats", "fp8", "--out", str(tmp_path)]) == 2
    assert "unknown format" in capsys.readouterr().err
    assert main(["export", "--model", "edsr-baseline", "--out", str(tmp_path)]) == 2
    assert "needs scale" in capsys.readouterr().err


def test_rt4ksr_is_reparameterized_before_export(tmp_path):
    from keras_sr.export import deploy_form, float_graph
    from keras_sr.models import rt4ksr

    from export_helpers import build_tiny

    model, scale = build_tiny("rt4ksr", scale=2)
    assert not rt4ksr.architecture_of(model)["deploy"]
    deploy = deploy_form(model, "rt4ksr")
    assert rt4ksr.architecture_of(deploy)["deploy"]
    assert deploy_form(deploy, "rt4ksr") is deploy           # already deployed: unchanged
    assert rt4ksr.architecture_of(deploy_form(model))["deploy"]  # preset found from model.name
    r = export_model(model, str(tmp_path), ("fp32",), input_size=(16, 12), name="rt4ksr",
                     parity_images=1, log=lambda s: None)[0]
    # parity is against the training form as given; the file holds the fused deploy graph in its lean
    # form (one more 1x1 centring conv per norm after a GELU: keras_sr.models.rt4ksr_lean)
    assert r.parity.max_abs_diff <= 1e-3
    convs = sum(op.name == "CONV_2D" for op in read_graph(r.path).operators)
    lean = float_graph(deploy)
    assert convs == sum(isinstance(layer, keras.layers.Conv2D) for layer in lean.layers)
    assert convs == sum(isinstance(layer, keras.layers.Conv2D) for layer in deploy.layers) + 1  # 1 block


def test_y_channel_model_all_formats(tmp_path):
    from export_helpers import build_tiny

    model, scale = build_tiny("srdensenet-h")
    results = export_model(model, str(tmp_path), ("fp32", "fp16", "dynamic-int8", "int8"),
                           input_size=(12, 8), name="srdensenet-h", calibration_count=2,
                           parity_images=1, log=lambda s: None)
    assert [r.fmt for r in results] == ["fp32", "fp16", "dynamic-int8", "int8"]
    meta = json.loads((tmp_path / "srdensenet_h_x4_int8_12x8.json").read_text())
    assert meta["color"] == "Y" and meta["input"]["shape"] == [1, 8, 12, 1]
    assert meta["output"]["shape"] == [1, 32, 48, 1]


def test_cli_keras_file_weights_and_bad_models(tiny_x2, tmp_path, capsys):
    keras_file = tmp_path / "tiny.keras"
    tiny_x2.save(keras_file)
    common = ["--formats", "fp32", "--input-size", "16x12", "--parity-images", "1"]
    assert main(["export", "--model", "my-edsr", "--keras", str(keras_file), "--scale", "2", *common,
                 "--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "my_edsr_x2_fp32_16x12.json").exists()
    weights = tmp_path / "tiny.weights.h5"
    tiny_x2.save_weights(weights)
    assert main(["export", "--model", "edsr-baseline", "--scale", "2", "--set", "num_blocks=1",
                 "--set", "filters=8", "--weights", str(weights), *common, "--out", str(tmp_path / "b")]) == 0
    meta = json.loads((tmp_path / "b" / "edsr_baseline_x2_fp32_16x12.json").read_text())
    assert meta["parity"]["max_abs_diff_vs_keras"] <= 1e-3
    capsys.readouterr()
    assert main(["export", "--model", "srgan-discriminator", *common, "--out", str(tmp_path / "c")]) == 2
    assert "not a super-resolution model" in capsys.readouterr().err
    assert main(["export", "--model", "mdsr-baseline", "--set", "num_blocks=1", *common,
                 "--out", str(tmp_path / "d")]) == 2
    assert "needs --scale" in capsys.readouterr().err
    assert main(["export", "--model", "edsr-baseline", "--keras", str(keras_file), "--scale", "3",
                 *common, "--out", str(tmp_path / "e")]) == 2
    assert "upscales x2, not x3" in capsys.readouterr().err


def test_export_script_is_the_cli_front(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "export" / "export.py"
    spec = importlib.util.spec_from_file_location("export_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    args = ["--model", "srcnn", "--scale", "2", "--set", "filters=(8, 4)", "--weights", "none", "--formats", "fp32",
            "--input-size", "16x12", "--parity-images", "1", "--out", str(tmp_path)]
    assert script.main(args) == 0
    assert (tmp_path / "srcnn_x2_fp32_16x12.tflite").exists()
    assert script.main(args) == 2 and "--overwrite" in capsys.readouterr().err
