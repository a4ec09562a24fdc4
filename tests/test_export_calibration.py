"""int8 calibrated at a smaller size, activation ranges carried over to the export graph."""

import json

import numpy as np
import pytest

from keras_sr import models
from keras_sr.cli import main
from keras_sr.export import calibration, convert, export_model, parity, pipeline
from keras_sr.export.gpu_check import check_gpu_compatibility
from keras_sr.export.tflite import check_fixed_shape
from keras_sr.export.tflite_graph import op_histogram, read_graph
from test_models_export import TINY, randomized

pytestmark = pytest.mark.skipif(not calibration.supported(),
                                reason="this TensorFlow lacks the converter internals the transfer uses")


def _quantization(flatbuffer):
    """{tensor name: (scale, zero point)} of the per-tensor quantized activations."""
    interp = parity.interpreter(flatbuffer)
    return {d["name"]: d["quantization"] for d in interp.get_tensor_details()
            if d["dtype"] == np.int8 and len(d["quantization_parameters"]["scales"]) == 1}


def _photo_batch(size, channels, count=2):
    return pipeline.calibration_set(size, channels, count=count)


@pytest.fixture(scope="module")
def rednet():
    return randomized(models.build("rednet10", scale=2, filters=8), seed=3)


def test_tiles_cover_the_crop_row_major():
    x = np.arange(2 * 6 * 8, dtype=np.float32).reshape(1, 6, 8, 2)
    t = calibration.tiles([x], (4, 3))
    assert [a.shape for a in t] == [(1, 3, 4, 2)] * 4
    np.testing.assert_array_equal(np.concatenate([np.concatenate(t[:2], 2), np.concatenate(t[2:], 2)], 1), x)
    assert len(calibration.tiles([x], (3, 3))) == 4  # remainder column left out
    with pytest.raises(ValueError, match="smaller than the calibration size"):
        calibration.tiles([x], (9, 3))


def test_auto_calibration_size_fits_the_budget():
    assert calibration.auto_calibration_size((640, 360), 10, 10) == (640, 360)
    w, h = calibration.auto_calibration_size((640, 360), 16 * 2**30, 2**30)
    assert (w, h) == (160, 88)  # 4 x 4 tiles, rounded down to multiples of 8
    # 3x the budget: 2 x 2 tiles (not one 370x208 tile that would leave most of the crop out)
    assert calibration.auto_calibration_size((640, 360), 3 * 2**30, 2**30) == (320, 176)
    assert calibration.auto_calibration_size((640, 36), 10**6, 1) == (32, 32)


def test_memory_budget_follows_a_container_limit(tmp_path):
    ram = calibration.physical_memory_bytes(limit_files=())
    assert ram > 0
    limit = tmp_path / "memory.max"
    limit.write_text(f"{2**30}\n")
    assert calibration.physical_memory_bytes(limit_files=(str(limit),)) == min(ram, 2**30)
    limit.write_text("max\n")  # cgroup v2: no limit
    assert calibration.physical_memory_bytes(limit_files=(str(limit), str(tmp_path / "none"))) == ram
    assert calibration.physical_memory_bytes(limit_files=(str(tmp_path / "none"),)) == ram


def test_transferred_ranges_match_full_size_calibration(rednet):
    size, tile = (96, 64), (48, 32)
    full = _photo_batch(size, 2)
    direct = convert(rednet, "int8", size, representative=full)
    carried = convert(rednet, "int8", size, representative=calibration.tiles(full, tile))
    # the same fixed-shape graph as direct calibration, with the same GPU-delegate verdict
    assert op_histogram(read_graph(carried)) == op_histogram(read_graph(direct))
    check_fixed_shape(carried)
    issues = [(i.op, i.reason) for i in check_gpu_compatibility(direct).issues]
    assert [(i.op, i.reason) for i in check_gpu_compatibility(carried).issues] == issues
    q_direct, q_carried = _quantization(direct), _quantization(carried)
    assert q_direct.keys() == q_carried.keys() and len(q_direct) > 10
    ratios = [q_carried[k][0] / q_direct[k][0] for k in q_direct]
    # the tiles hold the same pixels; their borders (zero padding inside the full image)
    # can only widen a range, measured up to 1.26x here
    assert 0.98 < min(ratios) and max(ratios) < 1.4 and np.median(ratios) == pytest.approx(1, abs=0.02)
    x = full[1]
    keras_out = rednet.predict(x, verbose=0)
    err_direct = np.abs(parity.run_tflite(parity.interpreter(direct), x[0]) - keras_out[0]).mean()
    err_carried = np.abs(parity.run_tflite(parity.interpreter(carried), x[0]) - keras_out[0]).mean()
    assert err_carried < 1.5 * err_direct + 1e-3


def test_ranges_come_from_the_calibration_data(rednet):
    """Tiles of dim images (max 0.5) give the input a quantization step half as large."""
    bright = [np.ones((1, 32, 48, 1), np.float32), np.zeros((1, 32, 48, 1), np.float32)]
    dim = [0.5 * x for x in bright]

    def input_step(images):
        flatbuffer = convert(rednet, "int8", (48, 32), representative=calibration.tiles(images, (24, 16)))
        graph = read_graph(flatbuffer)
        (quantize,) = [op for op in graph.operators if op.inputs[0] == graph.inputs[0]]
        assert quantize.name == "QUANTIZE"
        return _quantization(flatbuffer)[quantize.outputs[0].name][0]

    assert input_step(bright) == pytest.approx(1 / 255, rel=0.02)
    assert input_step(dim) == pytest.approx(0.5 / 255, rel=0.02)


ZOO = [(name, kwargs, shape) for name, kwargs, shape in TINY if models.get_preset(name)["scales"]]
ZOO.append(("rt4ksr", {"scale": 2, "num_feats": 8, "num_blocks": 1}, (1, 8, 10, 3)))


@pytest.mark.parametrize("name,kwargs,shape", ZOO, ids=[z[0] for z in ZOO])
def test_every_zoo_graph_takes_ranges_from_a_smaller_size(name, kwargs, shape):
    model = pipeline.deploy_form(randomized(models.build(name, **kwargs)), name)
    channels = shape[-1]
    size, tile = (4 * shape[2], 4 * shape[1]), (2 * shape[2], 2 * shape[1])  # a quarter of the area
    rng = np.random.default_rng(0)
    full = [rng.random((1, size[1], size[0], channels), dtype=np.float32) for _ in range(2)]
    carried = convert(model, "int8", size, representative=calibration.tiles(full, tile))
    check_fixed_shape(carried)
    direct = convert(model, "int8", size, representative=full)
    x = full[0]
    want = model.predict(x, verbose=0)[0]
    errors = [np.abs(parity.run_tflite(parity.interpreter(f), x[0]) - want).mean() for f in (direct, carried)]
    # as close to Keras as calibrating at the export size (random weights: int8 is coarse)
    assert errors[1] < 1.5 * errors[0] + 1e-3


def test_graphs_that_differ_are_refused(rednet):
    a = convert(rednet, "fp32", (48, 32))
    b = convert(randomized(models.build("srcnn", scale=2, filters=(6, 4))), "fp32", (48, 32))
    with pytest.raises(calibration.CalibrationTransferError, match="ops|differs|does not match"):
        calibration.transfer_ranges(a, b)
    # same model at another size: accepted (nothing to copy from an uncalibrated graph)
    assert read_graph(calibration.transfer_ranges(convert(rednet, "fp32", (24, 16)), a)).tensors


def test_export_calibrates_smaller_when_memory_is_short(rednet, tmp_path, monkeypatch):
    messages = []
    # a machine with 1 MB of RAM: calibration at 48x32 cannot fit
    monkeypatch.setattr(calibration, "physical_memory_bytes", lambda: 10**6)
    (r,) = export_model(rednet, str(tmp_path), ("int8",), input_size=(48, 32), name="rednet10",
                        calibration_count=2, parity_images=1, log=messages.append)
    assert any("calibrating on 32x32 tiles" in m for m in messages)
    meta = json.loads((tmp_path / "rednet10_x2_int8_48x32.json").read_text())
    assert meta["calibration"]["size"] == [32, 32] and meta["calibration"]["samples"] == 2
    assert meta["input"]["shape"] == [1, 32, 48, 1]
    assert r.parity.psnr_drop < 3.0


def test_cli_calibration_size(rednet, tmp_path, capsys):
    out = tmp_path / "x"
    assert main(["export", "--model", "rednet10", "--scale", "2", "--set", "filters=8", "--weights", "none",
                 "--formats", "int8",
                 "--input-size", "48x32", "--calibration-size", "96x16", "--out", str(out)]) == 2
    assert "calibration size 96x16" in capsys.readouterr().err
    assert not out.exists()
    assert main(["export", "--model", "rednet10", "--scale", "2", "--set", "filters=8", "--weights", "none",
                 "--formats", "int8",
                 "--input-size", "48x32", "--calibration-size", "24x16", "--calibration-count", "2",
                 "--parity-images", "1", "--out", str(out)]) == 0
    meta = json.loads((out / "rednet10_x2_int8_48x32.json").read_text())
    assert meta["calibration"] == {"size": [24, 16], "samples": 8, "images": "bundled photos"}
    assert main(["export", "--model", "rednet10", "--scale", "2", "--weights", "none", "--formats", "int8",
                 "--calibration-size", "24", "--out", str(out)]) == 2
    assert "--calibration-size must be WIDTHxHEIGHT" in capsys.readouterr().err
