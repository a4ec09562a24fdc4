"""RT4KSR's lean export graph (keras_sr.models.rt4ksr_lean): the same outputs as the deploy
form (borders included), the ops it promises in TFLite, its fallbacks and its export path."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from test_models_rt4ksr import odd_image, perturb_all_weights, to_image_range

from keras_sr import layers, models
from keras_sr.export import export_model, float_graph
from keras_sr.models.rt4ksr import reparameterize
from keras_sr.models.rt4ksr_lean import is_lean, lean_form


def _deploy(rng, scale=2, high_frequency="unused", **kwargs):
    model = models.build("rt4ksr", scale=scale, high_frequency=high_frequency, **kwargs)
    perturb_all_weights(model, rng)  # γ, β of every norm off their init
    return reparameterize(model)


@pytest.mark.parametrize("channel_multiple", [None, 8, 32])
@pytest.mark.parametrize("scale,high_frequency", [(2, "unused"), (3, None)])
def test_lean_form_equals_deploy_form(scale, high_frequency, channel_multiple, rng):
    deploy = _deploy(rng, scale, high_frequency)
    x = odd_image(rng, 14, 18)
    to_image_range(deploy, x)
    lean = lean_form(deploy, channel_multiple)
    assert is_lean(lean) and not is_lean(deploy)
    np.testing.assert_allclose(np.asarray(lean(x)), np.asarray(deploy(x)), atol=1e-5, rtol=0)  # every pixel
    width = 24 if channel_multiple in (None, 8) else 32
    assert lean.get_layer("body0_conv").filters == width and lean.get_layer("tail_conv").filters == 24
    assert lean.get_layer("body1_norm_centre").kernel.shape == (1, 1, width, 24)


def test_gamma_near_zero_stays_in_the_norm(rng):
    deploy = _deploy(rng)
    norm = deploy.get_layer("body2_norm")
    gamma = np.asarray(norm.gamma).copy()
    gamma[3] = 0.0  # β/γ would be infinite: this norm keeps its own γ
    norm.gamma.assign(gamma)
    x = odd_image(rng, 10, 12)
    to_image_range(deploy, x)
    lean = lean_form(deploy)
    assert lean.get_layer("body2_norm").scale and not lean.get_layer("body1_norm").scale
    np.testing.assert_allclose(np.asarray(lean(x)), np.asarray(deploy(x)), atol=1e-5, rtol=0)


def test_lean_form_refuses_what_it_cannot_build(rng):
    with pytest.raises(ValueError, match="training form"):
        lean_form(models.build("rt4ksr", scale=2))
    with pytest.raises(ValueError, match="gated"):
        lean_form(_deploy(rng, high_frequency="gated", num_feats=8, num_blocks=1))
    with pytest.raises(ValueError, match="channel_multiple"):
        lean_form(_deploy(rng), 0)
    edsr = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    assert float_graph(edsr) is edsr  # no lean form: exported as it is
    with pytest.raises(ValueError, match="--channel-multiple"):
        float_graph(edsr, 32)


def test_lean_form_saves_and_loads(tmp_path, rng):
    lean = lean_form(_deploy(rng), 32)
    x = rng.random((1, 10, 14, 3), dtype="float32")
    path = tmp_path / "lean.keras"
    lean.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), lean.predict(x, verbose=0))
    assert isinstance(loaded.get_layer("tail_norm"), layers.CenteredChannelNorm)


def test_lean_tflite_has_the_promised_ops(rng):
    from tflite_utils import run_tflite, tflite_ops, to_tflite

    from keras_sr.export import check_gpu_compatibility

    shape = (1, 32, 48, 3)
    deploy = _deploy(rng)
    x = rng.random(shape, dtype="float32")
    flatbuffer = to_tflite(lean_form(deploy, 32), shape)
    np.testing.assert_allclose(run_tflite(flatbuffer, x)[0], np.asarray(deploy(x)), atol=1e-4)
    ops = tflite_ops(flatbuffer)
    # 7 convolutions + 4 centring 1x1s; per norm SQUARE, MEAN, ADD x2, RSQRT, MUL (γ folded)
    assert ops.count("CONV_2D") == 11 and ops.count("SQUARE") == ops.count("MEAN") == ops.count("RSQRT") == 5
    assert ops.count("MUL") == 5 and ops.count("ADD") == 10
    assert not {"SUB", "SQUARED_DIFFERENCE"} & set(ops)
    assert len(ops) < len(tflite_ops(to_tflite(deploy, shape)))
    assert check_gpu_compatibility(flatbuffer).ok


def test_export_writes_the_lean_graph_for_float_formats_only(tmp_path, rng):
    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=2)
    perturb_all_weights(model, rng)
    lines = []
    results = export_model(model, tmp_path, ("fp32", "fp16", "int8"), input_size=(32, 24), name="rt4ksr",
                           calibration_count=2, channel_multiple=16, parity_images=1, log=lines.append)
    said = [line for line in lines if "lean graph" in line]  # said out loud, once
    assert len(said) == 1 and "padded to 16 channels" in said[0]
    meta = {r.fmt: json.loads(open(r.path[:-len(".tflite")] + ".json").read()) for r in results}
    for fmt in ("fp32", "fp16"):
        assert meta[fmt]["graph"] == {"form": "lean", "channel_multiple": 16}, fmt
    assert meta["fp32"]["parity"]["max_abs_diff_vs_keras"] < 1e-3  # against the model as given
    assert "graph" not in meta["int8"]
    with pytest.raises(ValueError, match="fp32 and fp16"):
        export_model(model, tmp_path / "x", ("int8",), input_size=(32, 24), name="rt4ksr", channel_multiple=32)
    assert not (tmp_path / "x").exists()


def test_cli_channel_multiple_on_a_model_without_lean_form_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "export", "--model", "edsr-baseline", "--scale", "2",
                           "--weights", "none", "--set", "num_blocks=1", "--set", "filters=8",
                           "--formats", "fp32", "--input-size", "16x16", "--channel-multiple", "32",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("keras-sr: error")]
    assert len(lines) == 1 and "--channel-multiple" in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
