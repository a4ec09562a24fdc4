"""keras_sr.evaluation: the benchmark protocol on real images, Y models, odd RT4KSR sizes, pictures."""

import numpy as np
import pytest
from PIL import Image

from conftest import shared_path
from keras_sr import data, models
from keras_sr.evaluation import dataset_images, evaluate


@pytest.fixture
def photo_folder(tmp_path):
    """Three real photos (skimage) of different sizes, one with odd LR sizes at x2 (66x42 -> 33x21)."""
    from skimage import data as skdata

    folder = tmp_path / "Photos" / "HR"
    folder.mkdir(parents=True)
    Image.fromarray(skdata.astronaut()[100:166, 180:222]).save(folder / "astronaut.png")
    Image.fromarray(skdata.coffee()[120:184, 200:280]).save(folder / "coffee.png")
    Image.fromarray(skdata.chelsea()[60:120, 100:170]).save(folder / "chelsea.png")
    return folder.parent


def reference_bicubic(folder, scale):
    """Mean PSNR/SSIM (Y) of MATLAB bicubic, written with keras_sr.data only."""
    p, s = [], []
    for f in data.list_image_files(folder):
        hr = data.modcrop(data.read_image(f), scale)
        sr = data.matlab_imresize(data.matlab_imresize(hr, 1 / scale), scale)
        p.append(data.psnr_y(sr, hr, scale))
        s.append(data.ssim_y(sr, hr, scale))
    return np.mean(p), np.mean(s)


def test_set5_bicubic_matches_the_paper_table():
    result = evaluate("bicubic", shared_path("data", "Set5"), scale=4)
    (d,) = result["datasets"]
    assert d["name"] == "Set5" and d["images"] == 5 and len(d["per_image"]) == 5
    assert d["psnr"] == pytest.approx(28.42, abs=0.02)  # EDSR paper, Table 5
    assert d["ssim"] == pytest.approx(0.8104, abs=0.001)


def test_bicubic_on_generated_photos_matches_the_metric_functions(photo_folder):
    result = evaluate("bicubic", [photo_folder, photo_folder / "HR"], scale=2)
    p_ref, s_ref = reference_bicubic(photo_folder / "HR", 2)
    for d in result["datasets"]:
        assert d["name"] == "Photos" and d["images"] == 3
        assert d["psnr"] == pytest.approx(p_ref, abs=1e-9) and d["ssim"] == pytest.approx(s_ref, abs=1e-12)
        assert d["psnr"] == pytest.approx(np.mean([r["psnr"] for r in d["per_image"]]))
        assert all(r["psnr_bicubic"] == pytest.approx(r["psnr"]) for r in d["per_image"])
    assert (result["scale"], result["channel"], result["shave"]) == (2, "y", 2)
    rgb = evaluate("bicubic", photo_folder, scale=2, channel="rgb", shave=0)["datasets"][0]
    assert rgb["psnr"] < result["datasets"][0]["psnr"]  # RGB with borders scores lower than Y


def test_y_model_is_scored_on_y(photo_folder):
    # An in-graph bicubic on one channel is a "Y model" whose output is bicubic Y: it must score
    # like bicubic (Y levels rounded as in the SRCNN protocol: within a few hundredths of a dB).
    y_bicubic = models.build("bicubic", scale=2, channels=1)
    d = evaluate(y_bicubic, photo_folder, scale=2)["datasets"][0]
    p_ref, s_ref = reference_bicubic(photo_folder / "HR", 2)
    for r in d["per_image"]:  # its bicubic reference uses the same (Y levels) protocol
        assert r["psnr_bicubic"] == pytest.approx(r["psnr"], abs=0.05)
    assert d["psnr"] == pytest.approx(p_ref, abs=0.1) and d["ssim"] == pytest.approx(s_ref, abs=0.005)
    d_rgb = evaluate(y_bicubic, photo_folder, scale=2, channel="rgb")["datasets"][0]
    ref_rgb = evaluate("bicubic", photo_folder, scale=2, channel="rgb")["datasets"][0]
    assert d_rgb["psnr"] == pytest.approx(ref_rgb["psnr"], abs=0.1)


def test_rt4ksr_handles_odd_lr_sizes_and_keras_files(photo_folder, tmp_path):
    model = models.build("rt4ksr", scale=2)
    result = evaluate(model, photo_folder, scale=2)
    assert all(np.isfinite(r["psnr"]) for r in result["datasets"][0]["per_image"])
    path = tmp_path / "rt4ksr.keras"
    model.save(path)
    again = evaluate(str(path), photo_folder, scale=2)
    assert again["datasets"][0]["psnr"] == pytest.approx(result["datasets"][0]["psnr"], abs=1e-6)
    with pytest.raises(ValueError, match="upscales x2, not x3"):
        evaluate(str(path), photo_folder, scale=3)


def test_self_ensemble_and_weights(photo_folder, tmp_path):
    model = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    plain = evaluate(model, photo_folder, scale=2)["datasets"][0]["psnr"]
    plus = evaluate(model, photo_folder, scale=2, self_ensemble=True)
    assert plus["model"].endswith("+") and plus["datasets"][0]["psnr"] != pytest.approx(plain, abs=1e-3)
    weights = tmp_path / "tiny.weights.h5"
    model.save_weights(weights)
    other = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    assert evaluate(other, photo_folder, scale=2, weights=weights)["datasets"][0]["psnr"] == pytest.approx(plain)
    with pytest.raises(ValueError, match="tiny.weights.h5 does not fit"):
        evaluate("srcnn", photo_folder, scale=2, weights=weights)
    with pytest.raises(FileNotFoundError, match="missing.weights.h5"):
        evaluate("srcnn", photo_folder, scale=2, weights=tmp_path / "missing.weights.h5")


def test_save_images_writes_sr_and_comparison(photo_folder, tmp_path):
    out = tmp_path / "pictures"
    evaluate("bicubic", photo_folder, scale=2, save_images=out)
    sr = data.read_image(out / "Photos" / "coffee_x2_bicubic.png")
    hr = data.modcrop(data.read_image(photo_folder / "HR" / "coffee.png"), 2)
    np.testing.assert_array_equal(sr, data.matlab_imresize(data.matlab_imresize(hr, 0.5), 2.0))
    compare = data.read_image(out / "Photos" / "coffee_x2_compare.png")
    assert compare.shape[1] > 3 * compare.shape[0] - 100  # three crops side by side, captions below


def test_bad_inputs_name_themselves(photo_folder, tmp_path):
    with pytest.raises(ValueError, match="unknown model 'edsr-huge'"):
        evaluate("edsr-huge", photo_folder, scale=2)
    with pytest.raises(ValueError, match="does not support scale 3"):
        evaluate("srdensenet-h", photo_folder, scale=3)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        evaluate("bicubic", tmp_path / "nowhere", scale=2)
    (photo_folder / "HR" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    d = evaluate("bicubic", photo_folder, scale=2)["datasets"][0]  # the good images, the bad one named
    assert d["images"] == 3 and [r["file"] for r in d["skipped"]] == ["broken.png"]
    assert "broken.png" not in [r["file"] for r in d["per_image"]] and d["skipped"][0]["reason"]


def test_dataset_folder_layouts(photo_folder):
    assert dataset_images(photo_folder)[0] == "Photos"
    name, files = dataset_images(photo_folder / "HR")
    assert name == "Photos" and len(files) == 3


def test_comparison_crop_goes_where_bicubic_errs(photo):
    from keras_sr.evaluation.visualize import detail_crop, sr_comparison

    hr = (photo[:96, :96] * 255).astype(np.uint8)
    bicubic = hr.copy()
    bicubic[60:80, 10:30] = 0  # the only error
    top, left, h, w = detail_crop(hr, bicubic, size=32)
    assert (h, w) == (32, 32) and top <= 60 and top + 32 >= 80 and left <= 10 and left + 32 >= 30
    picture = sr_comparison(bicubic, photo[:96, :96], hr, psnr_bicubic=20.0, psnr_sr=25.5,
                            model_name="EDSR", crop_size=32, zoom=2)
    assert picture.dtype == np.uint8 and picture.shape[1] == 3 * 64 + 2 * 4
    np.testing.assert_array_equal(picture[:64, 2 * 68:2 * 68 + 64:2][::2], hr[top:top + 32, left:left + 32])
