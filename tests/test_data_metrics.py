"""YCbCr and PSNR/SSIM against formulas and independent implementations; Set5 acceptance."""

import keras
import numpy as np
import pytest
from skimage import color as skcolor
from skimage import metrics as skmetrics

from conftest import shared_path
from keras_sr import data


def test_rgb_to_ycbcr_formula():
    rgb = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.2, 0.5, 0.7]])
    ycc = data.rgb_to_ycbcr(rgb) * 255
    r, g, b = rgb.T
    np.testing.assert_allclose(ycc[:, 0], 16 + 65.481 * r + 128.553 * g + 24.966 * b)
    np.testing.assert_allclose(ycc[:2], [[16, 128, 128], [235, 128, 128]], atol=1e-9)
    np.testing.assert_allclose(ycc[2], [16 + 65.481, 128 - 37.797, 128 + 112.0])
    np.testing.assert_allclose(data.rgb_to_y(rgb)[:, 0], ycc[:, 0] / 255)


def test_ycbcr_matches_skimage_and_round_trips(photo):
    ycc = data.rgb_to_ycbcr(photo[:64, :64])
    np.testing.assert_allclose(ycc * 255, skcolor.rgb2ycbcr(photo[:64, :64]), atol=1e-4)
    np.testing.assert_allclose(data.ycbcr_to_rgb(ycc), photo[:64, :64], atol=1e-6)


def test_color_on_tensors_matches_numpy(photo):
    x = photo[:16, :16]
    np.testing.assert_allclose(np.asarray(data.rgb_to_ycbcr(keras.ops.convert_to_tensor(x))),
                               data.rgb_to_ycbcr(x), atol=1e-5)
    np.testing.assert_allclose(np.asarray(data.rgb_to_y(keras.ops.convert_to_tensor(x))), data.rgb_to_y(x),
                               atol=1e-5)
    with pytest.raises(ValueError, match="3 channels"):
        data.rgb_to_y(x[..., :1])


def test_modcrop_and_shave():
    img = np.zeros((103, 58, 3))
    assert data.modcrop(img, 4).shape == (100, 56, 3)
    assert data.shave(img, 3).shape == (97, 52, 3)
    assert data.shave(img, 0) is img


def _pair(photo, rng, scale=3):
    hr = (photo[:100, :91] * 255).round().astype(np.uint8)  # modcrop to x3 -> 99 x 90
    noisy = np.clip(photo[:99, :90] + rng.normal(0, 0.03, (99, 90, 3)), 0, 1).astype(np.float32)
    return noisy, hr


def test_psnr_matches_skimage(photo, rng):
    sr, hr = _pair(photo, rng)
    hr_c = data.shave(hr[:99, :90].astype(np.float64), 3)
    sr_levels = data.shave(np.floor(np.clip(sr * 255.0, 0, 255) + 0.5), 3)
    expected = skmetrics.peak_signal_noise_ratio(hr_c, sr_levels, data_range=255)
    assert data.psnr(sr, hr, scale=3) == pytest.approx(expected, abs=1e-9)
    y = lambda a: skcolor.rgb2ycbcr(a / 255.0)[..., 0]  # noqa: E731  (unrounded Y in [16, 235])
    expected_y = skmetrics.peak_signal_noise_ratio(y(hr_c), y(sr_levels), data_range=255)
    assert data.psnr_y(sr, hr, scale=3) == pytest.approx(expected_y, abs=1e-3)
    assert data.psnr(hr[:99, :90], hr, scale=3) == float("inf")


def test_ssim_matches_skimage_gaussian(photo, rng):
    # skimage with gaussian_weights (11x11 at σ 1.5), population covariance and a 5 px
    # crop of the map is MATLAB's ssim_index with 'valid' filtering.
    sr, hr = _pair(photo, rng)
    hr_c = data.shave(hr[:99, :90].astype(np.float64), 3)
    sr_levels = data.shave(np.floor(np.clip(sr * 255.0, 0, 255) + 0.5), 3)
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    y = lambda a: skcolor.rgb2ycbcr(a / 255.0)[..., 0]  # noqa: E731
    expected_y = skmetrics.structural_similarity(y(hr_c), y(sr_levels), **kw)
    assert data.ssim_y(sr, hr, scale=3) == pytest.approx(expected_y, abs=1e-6)
    assert data.ssim(sr, hr, scale=3) == pytest.approx(
        skmetrics.structural_similarity(hr_c, sr_levels, channel_axis=-1, **kw), abs=1e-6)
    assert data.ssim(hr[:99, :90], hr, scale=3) == pytest.approx(1.0)


def test_metric_errors():
    with pytest.raises(ValueError, match="after modcrop"):
        data.psnr(np.zeros((10, 10, 3)), np.zeros((12, 12, 3)), scale=2)
    with pytest.raises(ValueError, match="channel"):
        data.psnr(np.zeros((10, 10, 3)), np.zeros((10, 10, 3)), channel="lab")


@pytest.mark.parametrize("channel", ["y", "rgb"])
def test_keras_metrics_equal_numpy_functions(photo, rng, channel):
    hr = np.stack([photo[:40, :48], photo[200:240, 300:348]])
    sr = np.clip(hr + rng.normal(0, 0.05, hr.shape), -0.1, 1.1).astype(np.float32)  # unclipped model output
    psnr_metric, ssim_metric = data.PSNR(channel=channel, shave=2), data.SSIM(channel=channel, shave=2)
    psnr_metric.update_state(hr, sr)
    ssim_metric.update_state(hr, sr)
    expected_p = np.mean([data.psnr(s, h, scale=2, channel=channel) for s, h in zip(sr, hr)])
    expected_s = np.mean([data.ssim(s, h, scale=2, channel=channel) for s, h in zip(sr, hr)])
    assert float(psnr_metric.result()) == pytest.approx(expected_p, abs=2e-3)
    assert float(ssim_metric.result()) == pytest.approx(expected_s, abs=2e-5)


def test_keras_metrics_value_range_serialize_and_compile(photo, rng):
    hr = photo[None, :32, :32]
    sr = np.clip(hr + rng.normal(0, 0.05, hr.shape), 0, 1).astype(np.float32)
    m = data.PSNR(channel="rgb", shave=0, value_range=(-1, 1))
    m.update_state(hr * 2 - 1, sr * 2 - 1)
    assert float(m.result()) == pytest.approx(data.psnr(sr[0], hr[0], shave=0), abs=2e-3)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(m))
    assert isinstance(restored, data.PSNR) and restored.get_config() == m.get_config()
    # In compile(metrics=...): an identity model scores SSIM 1 and the capped PSNR.
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    model.compile(loss="mae", metrics=[data.PSNR(shave=2), data.SSIM(shave=2)])
    result = model.evaluate(hr, hr, verbose=0, return_dict=True)
    assert result["ssim"] == pytest.approx(1.0, abs=1e-6) and result["psnr"] > 100


def test_set5_bicubic_baseline_matches_published_table():
    # EDSR paper table (SPECS §0.2): bicubic, Y channel, shave = scale.
    hr_dir = shared_path("data", "Set5", "HR")
    published = {2: (33.66, 0.9299), 3: (30.39, 0.8682), 4: (28.42, 0.8104)}
    images = [data.read_image(p) for p in data.list_image_files(hr_dir)]
    assert len(images) == 5
    for scale, (p_ref, s_ref) in published.items():
        p, s = [], []
        for img in images:
            hr = data.modcrop(img, scale)
            sr = data.matlab_imresize(data.matlab_imresize(hr, 1 / scale), scale)
            p.append(data.psnr_y(sr, hr, scale))
            s.append(data.ssim_y(sr, hr, scale))
        assert np.mean(p) == pytest.approx(p_ref, abs=0.02), scale
        assert np.mean(s) == pytest.approx(s_ref, abs=0.001), scale


def test_psnr_y_takes_one_channel_images_as_y(rng):
    from keras_sr.data import psnr, psnr_y, rgb_to_y

    hr = rng.random((24, 20, 3))
    sr = np.clip(hr + 0.05 * rng.standard_normal(hr.shape), 0, 1)
    y_sr, y_hr = rgb_to_y(sr)[..., None], rgb_to_y(hr)[..., None]
    assert psnr_y(y_sr, y_hr, scale=2) == psnr(y_sr, y_hr, scale=2, channel="rgb")
    assert abs(psnr_y(y_sr, y_hr, scale=2) - psnr_y(sr, hr, scale=2)) < 0.05  # Y then quantised vs quantised then Y
    with pytest.raises(ValueError, match="RGB or 1-channel Y"):
        psnr_y(sr[..., :2], hr[..., :2])
