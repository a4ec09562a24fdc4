"""Issue #26, automatic tiling by memory for big photos: the plan for a 6000x4000 x4 photo uses real
tiles under the default budget, PNG outputs are streamed (no PIL copy of the image), and a run's
peak memory stays under the budget its plan was made for."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_sr.data import png_writer
from keras_sr.data.io import read_image, write_image


PLAN = """
import json
from keras_sr.inference import load_predictor
from keras_sr.inference.memory import DEFAULT_CAP, current_rss, fixed_bytes
from keras_sr.inference.upscaling import choose_tile

edsr_x4 = load_predictor("edsr-baseline", scale=4)
print(json.dumps({
    "fixed": fixed_bytes(4000, 6000, 4), "rss": current_rss(),
    "png": choose_tile(edsr_x4, 4000, 6000, DEFAULT_CAP),
    "jpeg": choose_tile(edsr_x4, 4000, 6000, DEFAULT_CAP, encoder=".jpg"),
    "float": choose_tile(edsr_x4, 1500, 2000, DEFAULT_CAP, floats=True),
    "plain": choose_tile(edsr_x4, 1500, 2000, DEFAULT_CAP)}))
"""


def test_a_6000x4000_x4_photo_is_planned_in_real_tiles_under_the_default_cap():
    import json

    from keras_sr.inference.memory import MIN_TILE

    # Planning only, nothing runs, in a fresh process as `keras-sr upscale` plans (the plan subtracts the
    # process's own memory, and a test worker that ran other tests first is GBs larger than the CLI).
    # The 8-bit photo stays uint8 (mirrored once), the 1.15 GB output is held once and streamed to the
    # PNG: the fixed share leaves room for tiles in 3 GiB.
    proc = subprocess.run([sys.executable, "-c", PLAN], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    plan = json.loads(proc.stdout.strip().splitlines()[-1])
    assert plan["fixed"] < 1.5 * 2**30
    assert plan["rss"] < 1.5 * 2**30
    tile, note = plan["png"]
    assert tile is not None and tile >= 128 and tile > MIN_TILE, note
    assert note == f"tiles of {tile} px to fit the 3.0 GiB budget"
    # a JPEG output goes through PIL (its 4-byte copy and the encoded file): counted, smaller tiles
    assert plan["jpeg"][0] < tile
    # a photo with alpha is upscaled in float: counted too
    assert plan["float"][0] < plan["plain"][0]


@pytest.mark.parametrize("shape, dtype", [((37, 53), np.uint8), ((37, 53, 2), np.uint8), ((37, 53, 3), np.uint8),
                                          ((37, 53, 4), np.uint8), ((37, 53), np.uint16), ((37, 53, 2), np.uint16),
                                          ((37, 53, 3), np.uint16), ((37, 53, 4), np.uint16), ((1, 1, 3), np.uint8)])
def test_png_outputs_are_streamed_and_read_back_identically(tmp_path, monkeypatch, shape, dtype):
    monkeypatch.setattr(png_writer, "BAND_BYTES", 500)  # many bands, the last one short

    def no_pil_copy(*args, **kwargs):
        raise AssertionError("a PNG output went through PIL's copy of the image")

    monkeypatch.setattr(Image, "fromarray", no_pil_copy)
    image = np.random.default_rng(sum(shape)).integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)
    image[5:9] = image[4:5] if shape[0] > 9 else image[5:9]  # flat runs, for every filter branch
    path = tmp_path / "x.png"
    write_image(path, image)
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]  # no temp file left
    with Image.open(path) as img:
        img.load()
        mode = img.mode
        pixels = np.asarray(img)
    if dtype == np.uint16 and len(shape) == 3:  # PIL reads 16-bit colour as 8 bits: TensorFlow's decoder
        import tensorflow as tf

        assert mode in ("RGB", "RGBA", "LA")
        pixels = tf.io.decode_png(tf.io.read_file(str(path)), dtype=tf.uint16).numpy()
    else:
        assert mode == {1: "L" if dtype == np.uint8 else "I;16", 2: "LA", 3: "RGB", 4: "RGBA"}[
            shape[-1] if len(shape) == 3 else 1]
    np.testing.assert_array_equal(pixels.reshape(image.shape).astype(np.int64), image.astype(np.int64))
    if len(shape) == 3 and shape[-1] == 3:  # keras-sr's own reader (TensorFlow's decoder for 16 bits)
        np.testing.assert_array_equal(read_image(path), image)


def test_the_png_writer_refuses_what_a_png_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="uint8 or uint16"):
        png_writer.write_png(tmp_path / "x.png", np.zeros((4, 4, 3), np.int32))
    with pytest.raises(ValueError, match="shape"):
        png_writer.write_png(tmp_path / "x.png", np.zeros((4, 4, 5), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_a_run_stays_under_the_budget_its_tiles_were_planned_for(tmp_path):
    """Fresh process: a photo that does not fit whole in --max-memory 1500M is tiled, and the
    process's peak RSS (what /usr/bin/time reports) stays within the budget (+5%)."""
    rng = np.random.default_rng(0)
    photo = np.clip(np.kron(rng.integers(0, 256, (60, 80, 3)), np.ones((8, 8, 1))) + rng.normal(0, 4, (480, 640, 3)),
                    0, 255).astype(np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    code = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
            "print(r.stdout); print(r.stderr[-2000:], file=sys.stderr); "
            "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024); sys.exit(r.returncode)")
    command = [sys.executable, "-c", code, sys.executable, "-m", "keras_sr.cli", "upscale", str(tmp_path / "photo.png"),
               "-o", str(tmp_path / "out.png"), "--model", "edsr-baseline", "--scale", "2", "--max-memory", "1500M"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    plan = next(line for line in result.stdout.splitlines() if line.startswith("upscaling"))
    assert "to fit the 1.5 GiB budget" in plan, plan  # tiled, and the budget was enough for real tiles
    peak = int(result.stdout.split("PEAK")[-1])
    assert peak <= 1.05 * 1500 * 2**20, (peak / 2**20, plan)
    with Image.open(tmp_path / "out.png") as out:
        assert out.size == (1280, 960)


def test_an_8_bit_photo_is_never_held_in_float32():
    """Each window is made float when it runs: a run holds the uint8 photo and the uint8 output, not a
    float32 copy of the photo (4x its size), and the output equals the whole-image one."""
    import tracemalloc

    from keras_sr.inference import Predictor, upscale

    nearest = Predictor(lambda x: x.repeat(2, 0).repeat(2, 1), "nearest", 2, 3)  # cheap: memory, not maths
    photo = np.random.default_rng(0).integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    whole = upscale(nearest, photo, tile=None)
    tracemalloc.start()
    try:
        tiled = upscale(nearest, photo, tile=128)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(tiled, whole)
    np.testing.assert_array_equal(tiled, photo.repeat(2, 0).repeat(2, 1))
    assert peak < tiled.nbytes + 4 * photo.nbytes / 2, (peak / 2**20, tiled.nbytes / 2**20)  # < half a float copy


def test_every_tile_window_has_one_shape_and_the_output_stays_exact():
    """Each new input shape makes TensorFlow/oneDNN keep another set of buffers (a 2000x1500 x4 run
    planned for 3.0 GiB peaked at 3.23 GiB with windows cut at the edges): edge windows are moved
    inward instead, which keeps every core's context, so the output equals the whole-image one."""
    from keras_sr.inference import load_predictor, upscale

    model = load_predictor("edsr-baseline", scale=2)
    shapes = []

    def recording(x):
        shapes.append(x.shape)
        return model.fn(x)

    from keras_sr.inference import Predictor

    predict = Predictor(recording, model.name, 2, 3, model.multiple, model=model.model)
    photo = np.random.default_rng(1).integers(0, 256, (150, 170, 3), dtype=np.uint8)
    whole = upscale(predict, photo, tile=None)
    shapes.clear()
    tiled = upscale(predict, photo, tile=48)
    assert len(shapes) > 4 and len(set(shapes)) == 1, set(shapes)
    np.testing.assert_array_equal(tiled, whole)
