"""The main job's demo end to end, with 2 training steps (real pipeline, model, metrics, files)."""

import numpy as np

from keras_sr.data import psnr_y, read_image
from keras_sr.evaluation.demo import run_demo, skimage_photo


def test_demo_trains_upscales_and_writes_images(tmp_path):
    result = run_demo(tmp_path / "out", steps=2, patch_size=12, batch_size=2, verbose=0)
    files = result["files"]
    lr, bicubic, sr = (read_image(files[k]) for k in ("lr", "bicubic", "sr"))
    assert lr.shape == (256, 256, 3) and bicubic.shape == sr.shape == (512, 512, 3)
    hr = read_image(skimage_photo("astronaut.png"))
    # the printed figures are the metrics of the written files
    assert np.isclose(result["psnr_sr"], psnr_y(sr, hr, scale=2))
    assert np.isclose(result["psnr_bicubic"], psnr_y(bicubic, hr, scale=2))
    assert 30 < result["psnr_bicubic"] < 33  # MATLAB bicubic x2 on this photo
    comparison = read_image(files["comparison"])
    assert comparison.shape[1] == 3 * 200 + 2 * 4  # bicubic | EDSR | HR detail crops
    assert not list((tmp_path / "out").glob(".*.tmp"))  # atomic writes leave no temp files


def test_demo_cli_rejects_bad_steps(capsys):
    from keras_sr.cli import main

    assert main(["demo", "--steps", "0"]) == 2
    assert "--steps must be >= 1" in capsys.readouterr().err
