"""Quantization-aware training: fake-quant layers (LiteRT's int8 scheme), their insertion into
RT4KSR's deploy form, and the full-int8 export with the learned ranges."""
import keras
import numpy as np
import pytest

from keras_sr.layers import FakeQuant, QuantConv2D
from keras_sr.layers.fake_quant import fake_quant, fake_quant_per_channel, nudged_range
from keras_sr.models.qat import calibrate_ranges, fake_quant_layers, insert_fake_quant


@pytest.fixture(scope="module")
def small_rt4ksr():
    """RT4KSR x2 (16 features, 2 blocks) near bicubic, weights perturbed: random-ish but sane."""
    from keras_sr.models.rt4ksr import reparameterize, rt4ksr

    keras.utils.set_random_seed(1)
    model = reparameterize(rt4ksr(2, num_feats=16, num_blocks=2, init="bicubic"))
    rng = np.random.default_rng(0)
    for w in model.weights:
        value = w.numpy()
        w.assign(value + rng.normal(0, 0.05 * (value.std() + 1e-3), value.shape).astype(value.dtype))
    return model


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return (data.astronaut()[::8, ::8][None, :32, :48] / 255.0).astype("float32")


def test_fake_quant_matches_tensorflow_nudging_and_grid():
    import tensorflow as tf

    x = np.linspace(-1.3, 2.7, 1001, dtype="float32")
    for lo, hi in [(-1.0, 2.0), (-0.37, 1.91), (0.0, 1.0)]:
        ours = np.asarray(fake_quant(x, lo, hi))
        ref = tf.quantization.fake_quant_with_min_max_vars(x, lo, hi, num_bits=8).numpy()
        low, high, scale = (float(v) for v in nudged_range(lo, hi))
        assert abs(round(-low / scale) - (-low / scale)) < 1e-4  # 0.0 is on the grid
        assert ours.min() == pytest.approx(low) and ours.max() == pytest.approx(high)
        # the same grid and clipping; only exact ties round differently: TF's op rounds
        # (x - min) / scale + 0.5 down, LiteRT's QUANTIZE rounds x / scale half away from 0
        differ = np.abs(ours - ref) > 1e-5
        t = x / scale
        assert np.all(np.abs(np.abs(t[differ] - np.trunc(t[differ])) - 0.5) < 1e-3), (lo, hi)
        assert np.allclose(ours[differ] / scale, np.sign(t[differ]) * np.floor(np.abs(t[differ]) + 0.5), atol=1e-3)
        assert differ.mean() < 0.01


def test_weights_are_symmetric_per_channel_in_127_steps():
    rng = np.random.default_rng(0)
    kernel = rng.normal(size=(3, 3, 4, 5)).astype("float32") * np.arange(1, 6, dtype="float32")
    q = np.asarray(fake_quant_per_channel(kernel))
    scale = np.abs(kernel).max(axis=(0, 1, 2)) / 127
    steps = q / scale
    assert np.allclose(steps, np.round(steps), atol=1e-3)
    assert np.abs(steps).max() <= 127 + 1e-3
    assert np.allclose(np.abs(steps).max(axis=(0, 1, 2)), 127)
    # round half away from zero (std::round), not half to even
    assert float(fake_quant_per_channel(np.array([[[[2.5]], [[127.0]]]], "float32"))[0, 0, 0, 0]) == 3.0


def test_straight_through_gradient_is_one_inside_zero_when_clipped():
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradient check written with tf.GradientTape")
    x = tf.constant([-2.0, -0.5, 0.3, 0.9, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fake_quant(x, -1.0, 1.0)
    assert tape.gradient(y, x).numpy().tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_ranges_track_batches_by_ema_and_serialize(tmp_path):
    layer = FakeQuant(momentum=0.5, name="fq")
    layer(np.array([[-1.0, 3.0]], "float32"), training=True)   # first batch sets
    assert (float(layer.min), float(layer.max)) == (-1.0, 3.0)
    layer(np.array([[-3.0, 1.0]], "float32"), training=True)   # then EMA
    assert (float(layer.min), float(layer.max)) == (-2.0, 2.0)
    layer(np.array([[-9.0, 9.0]], "float32"))                   # inference: fixed
    assert (float(layer.min), float(layer.max)) == (-2.0, 2.0)
    conv = QuantConv2D(2, 3, name="c")
    for obj in (layer, conv):
        clone = obj.__class__.from_config(obj.get_config())
        assert clone.get_config() == obj.get_config()


def test_insertion_covers_rt4ksr_and_saves(small_rt4ksr, photo, tmp_path):
    qat = insert_fake_quant(small_rt4ksr)
    names = [layer.name for layer in qat.layers]
    assert "input_fq" in names and "upsample_conv_fq" in names and "body0_act_fq" in names
    assert isinstance(qat.get_layer("head"), QuantConv2D)
    assert np.allclose(qat.get_layer("head").get_weights()[0], small_rt4ksr.get_layer("head").get_weights()[0])
    calibrate_ranges(qat, [photo])
    path = tmp_path / "qat.keras"
    qat.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert len(fake_quant_layers(loaded)) == len(fake_quant_layers(qat))
    assert np.array_equal(np.asarray(loaded(photo)), np.asarray(qat(photo)))


def test_training_form_and_composite_layers_are_refused():
    from keras_sr import models

    with pytest.raises(ValueError, match="body0_conv.*ReparamBlock.*deploy form"):
        insert_fake_quant(models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1))
    with pytest.raises(ValueError, match="no int8 emulation"):
        insert_fake_quant(models.build("edsr-baseline", scale=2, filters=8, num_blocks=1))


def test_exported_full_int8_equals_the_fake_quant_model(small_rt4ksr, photo):
    """The QAT model's fake-quant output against the exported full-int8 .tflite: same output
    quantization (the learned range), and within one output step for >= 98 % of the values.
    Not every value: LiteRT's integer MEAN / RSQRT kernels round a few values one step the
    other way, and a layer norm can amplify such a step (measured: 99.0 % within one step,
    mean 0.07 steps, max 4; the float model is 22 steps away at worst)."""
    from ai_edge_litert.interpreter import Interpreter

    from keras_sr.export.qat_tflite import convert_qat, float_ops

    qat = calibrate_ranges(insert_fake_quant(small_rt4ksr), [photo])
    flatbuffer = convert_qat(qat, input_size=(48, 32))
    assert float_ops(flatbuffer) == []
    interp = Interpreter(model_content=flatbuffer)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], photo)
    interp.invoke()
    out = interp.get_tensor(interp.get_output_details()[0]["index"])
    scale, zero_point = qat.get_layer("upsample_conv_fq").quantization()
    conv_out = [d for d in interp.get_tensor_details() if d["name"].endswith("DepthToSpace")][0]
    assert conv_out["quantization"][0] == pytest.approx(scale, rel=1e-5)
    assert conv_out["quantization"][1] == zero_point
    steps = np.abs(out - np.asarray(qat(photo))) / scale
    assert np.mean(steps <= 1.01) >= 0.98
    assert steps.mean() < 0.2
    float_steps = np.abs(np.asarray(small_rt4ksr(photo)) - np.asarray(qat(photo))) / scale
    assert float_steps.max() > 3 * max(steps.max(), 1)  # the emulation is what matches, not float


def test_train_qat_without_a_float_checkpoint_is_one_line_exit_2(tmp_path, capsys):
    from keras_sr.cli import main

    assert main(["train", "--model", "rt4ksr", "--scale", "2", "--qat", "--data", str(tmp_path),
                 "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--qat fine-tunes a float checkpoint: give --init-weights" in err and "\n" not in err


def test_qat_transform_takes_the_float_weights_into_the_deploy_form(small_rt4ksr, tmp_path):
    from keras_sr.models.rt4ksr import rt4ksr
    from keras_sr.training import get_recipe
    from keras_sr.training.qat import qat_recipe, qat_transform

    recipe = qat_recipe(get_recipe("rt4ksr", variant="fast"), "rt4ksr")
    assert recipe.model_overrides == {"deploy": True}  # the fast recipe's init is dropped
    path = tmp_path / "float.weights.h5"
    small_rt4ksr.save_weights(path)
    fresh = rt4ksr(2, num_feats=16, num_blocks=2, deploy=True)
    qat = qat_transform(path)(fresh)
    assert fake_quant_layers(qat)
    assert np.array_equal(qat.get_layer("tail_conv").get_weights()[0],
                          small_rt4ksr.get_layer("tail_conv").get_weights()[0])
    with pytest.raises(ValueError, match="does not fit"):
        qat_transform(path)(rt4ksr(2, num_feats=8, num_blocks=2, deploy=True))


def test_calibrating_converter_refuses_a_quantization_aware_model(small_rt4ksr):
    from keras_sr.export import convert

    with pytest.raises(ValueError, match="quantization-aware.*convert_qat"):
        convert(insert_fake_quant(small_rt4ksr), "int8", representative=[np.zeros((1, 8, 8, 3), "float32")])


def test_cli_export_of_a_qat_checkpoint_is_full_int8_with_its_ranges(small_rt4ksr, photo, tmp_path):
    import json
    import subprocess
    import sys

    path = tmp_path / "qat.keras"
    calibrate_ranges(insert_fake_quant(small_rt4ksr), [photo]).save(path)
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "export", "--model", str(path), "--formats",
                           "int8,fp32", "--input-size", "48x32", "--out", str(tmp_path / "a")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "exports as int8 only" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "export", "--model", str(path), "--formats",
                           "int8", "--input-size", "48x32", "--out", str(tmp_path / "b")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "learned ranges, no calibration" in proc.stdout
    meta = json.loads(next((tmp_path / "b").glob("*.json")).read_text())
    assert meta["int8"]["method"] == "qat" and "learned ranges" in meta["calibration"]


_BACKEND_SCRIPT = """
import numpy as np, keras
from keras_sr.models.rt4ksr import rt4ksr
from keras_sr.models.qat import calibrate_ranges, fake_quant_layers, insert_fake_quant
keras.utils.set_random_seed(1)
x = np.random.default_rng(0).uniform(0, 1, (2, 8, 8, 3)).astype("float32")
q = calibrate_ranges(insert_fake_quant(rt4ksr(2, num_feats=8, num_blocks=1, deploy=True)), [x[:1]])
q.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mae")
before = [float(layer.max) for layer in fake_quant_layers(q)]
loss = q.fit(x, np.zeros((2, 16, 16, 3), "float32"), epochs=2, verbose=0).history["loss"]
after = [float(layer.max) for layer in fake_quant_layers(q)]
assert np.isfinite(loss).all() and before != after, (loss, before, after)
print("ok", keras.backend.backend())
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_qat_trains_on_other_backends(backend):
    import os
    import subprocess
    import sys

    pytest.importorskip(backend)
    proc = subprocess.run([sys.executable, "-c", _BACKEND_SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "KERAS_BACKEND": backend})
    assert proc.returncode == 0 and f"ok {backend}" in proc.stdout, proc.stderr[-2000:]
