"""``keras-sr eval`` and ``keras-sr upscale``: tables, JSON, files written, one-line errors (exit 2)."""

import json

import numpy as np
import pytest
from PIL import Image

from conftest import shared_path
from keras_sr import data, models
from keras_sr.cli import main


@pytest.fixture
def photos(tmp_path):
    from skimage import data as skdata

    folder = tmp_path / "Mini"
    folder.mkdir()
    Image.fromarray(skdata.astronaut()[100:164, 180:228]).save(folder / "a.png")
    Image.fromarray(skdata.coffee()[120:176, 200:260]).save(folder / "b.png")
    return folder


def one_line_error(capsys, *needles):
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_eval_set5_bicubic_prints_the_paper_figures(capsys):
    assert main(["eval", "--model", "bicubic", "--data", str(shared_path("data", "Set5")), "--scale", "4"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("Set5"))
    _, images, psnr, ssim, _ = row.split()
    assert images == "5"
    assert float(psnr) == pytest.approx(28.42, abs=0.02) and float(ssim) == pytest.approx(0.8104, abs=0.001)


def test_eval_table_per_image_and_json(photos, tmp_path, capsys):
    out_json = tmp_path / "result.json"
    args = ["eval", "--model", "bicubic", "--data", str(photos), "--data", str(photos), "--scale", "2",
            "--per-image", "--json", str(out_json), "--save-images", str(tmp_path / "pics")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "dataset" in out and "PSNR" in out and "SSIM" in out and "seconds" in out
    assert "  a.png" in out and "  b.png" in out
    result = json.loads(out_json.read_text())
    assert [d["name"] for d in result["datasets"]] == ["Mini", "Mini"]
    d = result["datasets"][0]
    assert d["images"] == 2 and {r["file"] for r in d["per_image"]} == {"a.png", "b.png"}
    hr = data.modcrop(data.read_image(photos / "a.png"), 2)
    sr = data.matlab_imresize(data.matlab_imresize(hr, 0.5), 2.0)
    a = next(r for r in d["per_image"] if r["file"] == "a.png")
    assert a["psnr"] == pytest.approx(data.psnr_y(sr, hr, 2)) and a["ssim"] == pytest.approx(data.ssim_y(sr, hr, 2))
    assert f"{d['psnr']:.2f}" in out
    assert (tmp_path / "pics" / "Mini" / "a_x2_compare.png").is_file()
    assert main(args[:-4] + ["--rgb", "--shave", "0", "--json", str(out_json)]) == 0
    rgb = json.loads(out_json.read_text())
    assert rgb["channel"] == "rgb" and rgb["shave"] == 0 and rgb["datasets"][0]["psnr"] < d["psnr"]


def test_eval_bad_inputs_are_one_line_exit_2(photos, tmp_path, capsys):
    base = ["eval", "--data", str(photos)]
    assert main(base + ["--model", "edsr-huge", "--scale", "2"]) == 2
    one_line_error(capsys, "unknown model 'edsr-huge'")
    assert main(base + ["--model", "srdensenet-h", "--scale", "2"]) == 2
    one_line_error(capsys, "does not support scale 2")
    assert main(base + ["--model", "srcnn", "--scale", "2", "--weights", str(tmp_path / "no.weights.h5")]) == 2
    one_line_error(capsys, "no.weights.h5", "not found")
    wrong = tmp_path / "edsr_tiny.weights.h5"
    models.build("edsr-baseline", scale=2, num_blocks=1, filters=8).save_weights(wrong)
    assert main(base + ["--model", "srcnn", "--scale", "2", "--weights", str(wrong)]) == 2
    one_line_error(capsys, "edsr_tiny.weights.h5", "does not fit model 'srcnn'")
    (photos / "c.png").write_bytes(b"not an image")  # the table of the good images, c.png named, exit 1
    assert main(base + ["--model", "bicubic", "--scale", "2"]) == 1
    out = capsys.readouterr().out
    assert "Mini/c.png: cannot read image" in out and next(
        line for line in out.splitlines() if line.startswith("Mini")).split()[1] == "2"


def test_upscale_files_kinds_and_formats(photos, tmp_path, capsys):
    from skimage import data as skdata

    grey = skdata.camera()[:30, :40]
    Image.fromarray(grey).save(tmp_path / "grey.png")
    assert main(["upscale", str(tmp_path / "grey.png"), "-o", str(tmp_path / "grey_x2.jpg"),
                 "--model", "bicubic", "--scale", "2"]) == 0
    with Image.open(tmp_path / "grey_x2.jpg") as img:
        assert img.format == "JPEG" and img.mode == "L" and img.size == (80, 60)
    deep = (skdata.astronaut()[:20, :24].astype(np.uint16) * 257)
    (tmp_path / "deep.png").write_bytes(__import__("tensorflow").io.encode_png(deep).numpy())
    assert main(["upscale", str(tmp_path / "deep.png"), "-o", str(tmp_path / "deep_x2"),
                 "--model", "bicubic", "--scale", "2"]) == 0
    out16 = data.read_image(tmp_path / "deep_x2")  # no extension: PNG
    assert out16.dtype == np.uint16 and out16.shape == (40, 48, 3)
    # several inputs -> a folder, with a progress bar over files
    out_dir = tmp_path / "many"
    assert main(["upscale", str(photos / "a.png"), str(photos / "b.png"), "-o", str(out_dir),
                 "--model", "bicubic", "--scale", "3", "--tile", "16"]) == 0
    a = data.read_image(out_dir / "a.png")
    assert a.shape == (64 * 3, 48 * 3, 3)
    whole = np.clip(np.round(data.matlab_imresize(data.read_image(photos / "a.png") / 255.0, 3.0) * 255), 0, 255)
    np.testing.assert_allclose(a, whole, atol=1)  # tiled output == whole-image output (8-bit)
    out = capsys.readouterr().out
    assert "wrote" in out and str(out_dir / "b.png") in out


def test_upscale_never_overwrites_an_input(photos, capsys):
    before = (photos / "a.png").read_bytes()
    assert main(["upscale", str(photos / "a.png"), "-o", str(photos / "a.png"),
                 "--model", "bicubic", "--scale", "2"]) == 2
    one_line_error(capsys, "would overwrite the input")
    assert main(["upscale", str(photos / "a.png"), str(photos / "b.png"), "-o", str(photos),
                 "--model", "bicubic", "--scale", "2"]) == 2
    one_line_error(capsys, "would overwrite the input")
    assert (photos / "a.png").read_bytes() == before


def test_upscale_bad_inputs_and_small_overlap_warning(photos, tmp_path, capsys):
    (tmp_path / "bad.png").write_bytes(b"garbage")
    assert main(["upscale", str(tmp_path / "bad.png"), "-o", str(tmp_path / "o.png"),
                 "--model", "bicubic", "--scale", "2"]) == 2
    one_line_error(capsys, "bad.png")
    assert main(["upscale", str(photos / "a.png"), "-o", str(tmp_path / "o.png"),
                 "--model", "rt4ksr", "--scale", "4", "--weights", str(tmp_path / "rt.weights.h5")]) == 2
    one_line_error(capsys, "rt.weights.h5", "not found")
    assert main(["upscale", str(photos / "a.png"), "-o", str(tmp_path / "o.png"),
                 "--model", "bicubic", "--scale", "2", "--tile", "16", "--overlap", "0"]) == 0
    assert "warning: overlap 0 px is smaller than the receptive-field radius" in capsys.readouterr().out


def test_self_ensemble_flag_and_rgba_files(photos, tmp_path, capsys):
    out_json = tmp_path / "plus.json"
    assert main(["eval", "--model", "bicubic", "--data", str(photos), "--scale", "2", "--self-ensemble",
                 "--json", str(out_json)]) == 0
    plus = json.loads(out_json.read_text())
    assert plus["self_ensemble"] and plus["model"] == "bicubic+"
    # bicubic is flip-equivariant, so the ensemble is plain bicubic; it runs in float, where the
    # reference row rounds each MATLAB pass to uint8 (~0.02 dB apart).
    for r in plus["datasets"][0]["per_image"]:
        assert r["psnr"] == pytest.approx(r["psnr_bicubic"], abs=0.05)
    rgba = np.dstack([data.read_image(photos / "a.png"), np.full((64, 48), 200, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    assert main(["upscale", str(tmp_path / "rgba.png"), "-o", str(tmp_path / "rgba_x2.png"),
                 "--model", "bicubic", "--scale", "2"]) == 0
    with Image.open(tmp_path / "rgba_x2.png") as img:
        assert img.mode == "RGBA" and img.size == (96, 128)
        assert np.all(np.asarray(img)[..., 3] == 200)  # a constant alpha stays constant
    other = tmp_path / "other"
    other.mkdir()
    Image.fromarray(rgba[..., :3]).save(other / "a.png")
    assert main(["upscale", str(photos / "a.png"), str(other / "a.png"), "-o", str(tmp_path / "out"),
                 "--model", "bicubic", "--scale", "2"]) == 2
    one_line_error(capsys, "would both be written to")


def test_upscale_out_of_memory_is_one_line_naming_the_file_and_tile(photos, tmp_path, capsys, monkeypatch):
    """TensorFlow's OOM (ResourceExhaustedError: a 512 px photo x4 through SRDenseNet needs > 20 GB) is said
    as one line that names the file, the sizes and the --tile to use; nothing is written."""
    import tensorflow as tf

    import keras_sr.inference

    def exhausted(*args, **kwargs):
        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[1,2520,2520,256]")

    monkeypatch.setattr(keras_sr.inference, "upscale", exhausted)  # what the verb imports
    out = tmp_path / "a_x2.png"
    assert main(["upscale", str(photos / "a.png"), "-o", str(out), "--model", "bicubic", "--scale", "2",
                 "--tile", "64"]) == 2
    one_line_error(capsys, "out of memory upscaling", "a.png", "tiles of 64", "--tile 32")
    assert not out.exists()
