"""JPEG photos through the deblocker at their own quality (issue #25, Deliver 3): the guided filter, the
block-edge measure and quality estimate, the per-quality adaptation of ``rednet10-deblock`` (its strength,
the chroma filter), and ``keras-sr restore --jpeg-quality``."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from keras_sr.data.guided_filter import guided_filter
from keras_sr.data.jpeg_level import blockiness, chroma_blockiness, estimate_jpeg_quality, luma_blockiness
from keras_sr.inference import Predictor, upscale
from keras_sr.inference.jpeg_adapt import DEBLOCK_BY_QUALITY, check_jpeg_quality, jpeg_adapted, settings_for


def jpeg(rgb_u8, quality):
    """uint8 image -> its PIL JPEG at ``quality`` (4:2:0 chroma, PIL's default) decoded, as floats in [0, 1]."""
    buffer = io.BytesIO()
    Image.fromarray(rgb_u8).save(buffer, format="JPEG", quality=int(quality))
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())), np.float64) / 255.0


@pytest.fixture(scope="module")
def photos():
    from skimage import data as skdata

    return [skdata.astronaut()[96:352, 160:416], skdata.coffee()[64:320, 160:416], skdata.chelsea()[0:256, 100:356]]


def test_guided_filter_keeps_edges_the_guide_has_and_smooths_those_it_has_not():
    guide = np.zeros((40, 40))
    guide[:, 20:] = 1.0                      # an edge at column 20
    source = guide * 0.5 + 0.2
    source[:16, :] += 0.1                    # a step at row 16 the guide does not have
    out = guided_filter(guide, source, 4, 1e-4)
    assert abs((out[:, 22] - out[:, 17]).mean() - 0.5) < 0.02      # the shared edge stays whole
    assert abs(out[12, 5] - out[20, 5]) < 0.07                     # the unshared step is smoothed (0.1 before)
    np.testing.assert_array_equal(guided_filter(guide, source, 0, 1e-4), source)
    for bad in (dict(radius=-1, eps=1e-4), dict(radius=2, eps=0)):
        with pytest.raises(ValueError, match="radius"):
            guided_filter(guide, source, **bad)
    with pytest.raises(ValueError, match="shape"):
        guided_filter(guide, source[:30], 2, 1e-4)


def test_blockiness_finds_the_blocks_wherever_the_crop_starts(photos):
    photo = photos[0]
    at10, at90 = jpeg(photo, 10), jpeg(photo, 90)
    assert chroma_blockiness(at10) > 1.5 * chroma_blockiness(at90) > 1.5
    assert luma_blockiness(at10) > luma_blockiness(at90) > 1.0
    shifted = at10[5:, 3:]                   # a crop off the 16-px grid
    assert chroma_blockiness(shifted) == pytest.approx(chroma_blockiness(at10), rel=0.05)
    assert blockiness(np.full((40, 40), 0.5), 8) == 1.0
    with pytest.raises(ValueError, match="over 32 px"):
        blockiness(np.zeros((30, 30)), 16)


def test_quality_estimate_orders_and_brackets_the_quality(photos):
    for photo in photos:
        estimates = [estimate_jpeg_quality(jpeg(photo, q)) for q in (10, 40, 90)]
        assert estimates[0] < estimates[1] < estimates[2], estimates
        # how blocky a photo looks depends on its content: these three read q40 as 28-70 (docs/restoration.md)
        assert estimates[0] <= 25 and 20 <= estimates[1] <= 75 and estimates[2] >= 80, estimates
    grey = np.repeat(photos[0][..., :1], 3, axis=-1)       # a grey photo: measured on its luma's 8-px blocks
    assert estimate_jpeg_quality(jpeg(grey, 10)) < estimate_jpeg_quality(jpeg(grey, 60))


def test_settings_fall_with_quality_and_end_at_no_change():
    strengths = [settings_for(q)[0] for q in range(1, 101, 3)]
    radii = [settings_for(q)[1] for q in range(1, 101, 3)]
    assert strengths == sorted(strengths, reverse=True) and radii == sorted(radii, reverse=True)
    assert settings_for(DEBLOCK_BY_QUALITY[0][0]) == tuple(DEBLOCK_BY_QUALITY[0][1:])
    assert settings_for(100) == (0.0, 0, 0.0)


@pytest.mark.parametrize("bad", ["high", "0", "101", "-5"])
def test_jpeg_quality_is_checked(bad):
    with pytest.raises(ValueError, match="--jpeg-quality"):
        check_jpeg_quality(bad)


def box():
    """A grey 'deblocker': 3x3 box filter with edge padding (a receptive field of 1)."""
    def run(x):
        p = np.pad(x, ((1, 1), (1, 1), (0, 0)), mode="edge")
        return sum(p[i:i + x.shape[0], j:j + x.shape[1]] for i in range(3) for j in range(3)) / 9.0
    return Predictor(run, "box", 1, 1)


def test_per_image_quality_and_tiles_give_the_whole_image(photos):
    image = jpeg(photos[1][:96, :112], 15)
    predict = jpeg_adapted(box(), "auto")
    assert "estimated per image" in predict.name
    chosen = predict.for_image(image)
    assert chosen.name.startswith("box (opponent colour, JPEG quality ") and chosen.name.endswith(" estimated)")
    whole = upscale(predict, image, border="symmetric")    # upscale calls for_image itself
    np.testing.assert_array_equal(whole, upscale(chosen, image, border="symmetric"))
    tiled = upscale(chosen, image, tile=48, border="symmetric")  # overlap: the receptive field measured
    np.testing.assert_allclose(tiled, whole, atol=2e-5)     # on the predictor, chroma filter included
    on_y = jpeg_adapted(box(), 95, colour=False).for_image(image)
    assert on_y.channels == 1 and on_y.name == "box (JPEG quality 95 on Y, given)"


def test_shipped_deblocker_at_each_quality(photos):
    """Blocky photos: the adapted default beats the model as it is and the JPEG input, and removes chroma
    blocks; a lightly compressed photo is left nearly alone (as it is, the model smooths it by > 3 dB)."""
    from keras_sr.data import psnr
    from keras_sr.inference import load_predictor
    from keras_sr.inference.colour_restore import colour_restorer

    grey = load_predictor("rednet10-deblock", scale=1)
    adapted, as_is = jpeg_adapted(grey, "auto"), colour_restorer(grey)
    for photo in photos:
        hr = photo / 255.0
        x10 = jpeg(photo, 10)
        ours = np.clip(upscale(adapted, x10), 0, 1)
        plain = np.clip(as_is(x10), 0, 1)
        assert psnr(ours, hr) > psnr(plain, hr) + 0.1 > psnr(x10, hr) + 0.3
        assert chroma_blockiness(ours) < 0.6 * chroma_blockiness(x10)
        x95 = jpeg(photo, 95)
        assert psnr(np.clip(upscale(adapted, x95), 0, 1), hr) > psnr(x95, hr) - 0.1
        assert psnr(np.clip(as_is(x95), 0, 1), hr) < psnr(x95, hr) - 3.0


def _run(args, cwd):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "keras_sr.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, env=env)


def test_cli_deblocks_at_the_estimated_quality_and_refuses_bad_values(tmp_path, photos):
    Image.fromarray(photos[2][:96, :128]).save(tmp_path / "cat.jpg", quality=15)
    r = _run(["restore", "cat.jpg", "-o", "cat.png", "--model", "rednet10-deblock"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "opponent colour, JPEG quality" in r.stdout and "estimated" in r.stdout, r.stdout
    out = np.asarray(Image.open(tmp_path / "cat.png"), np.float64) / 255.0
    blocky = np.asarray(Image.open(tmp_path / "cat.jpg"), np.float64) / 255.0
    assert chroma_blockiness(out) < 0.7 * chroma_blockiness(blocky)
    for args, words in ((["--model", "rednet10-deblock", "--jpeg-quality", "best"], ["--jpeg-quality", "'best'"]),
                        (["--jpeg-quality", "30"], ["--jpeg-quality", "rednet10-denoise-blind"])):
        r = _run(["restore", "cat.jpg", "-o", "x.png", *args], tmp_path)
        assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
        assert all(w in r.stderr for w in words), r.stderr
        assert not (tmp_path / "x.png").exists()
