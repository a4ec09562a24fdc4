"""The pixel-phase grid measure (keras_sr.evaluation.grid) and every shipped SR model's grid on
the bundled photos (issue #28: SRGAN ×4 showed a regular 4-pixel dot grid on flat areas).

Limit: on the flattest 30 % of each HR photo, the SR output's phase grid is at most twice the HR
photo's own (photos have no preferred phase; JPEG-born ones a little). Models that miss it are
xfail (strict: a fix turns them into a failure to update) with the figure measured here."""
import numpy as np
import pytest

from keras_sr import weights
from keras_sr.evaluation.grid import flat_regions, grid_against_hr, phase_grid

LIMIT = 2.0   # mean SR grid / mean HR grid on the HR's flat regions
CROP = 192    # HR centre crop (a multiple of every shipped scale)
PHOTOS = 3

# measured with this test on 2026-12-08 (mean SR grid / mean HR grid over the 3 photos, flat regions)
MISSES = {
    # was 10.92x (SR 1.00 / 1.58 / 1.50 levels) before its 2026-12-08 file; that file: SR 0.14 / 0.32 / 0.29 levels,
    # just over on these three photos; on the 29 held-out photos (issue #28's measure, its card) 1.77x
    ("srgan", 4): "2.04x",
}


def _smooth_image(size=96, seed=0):
    rng = np.random.default_rng(seed)
    from scipy.ndimage import gaussian_filter

    return np.clip(gaussian_filter(rng.uniform(0, 255, (size, size)), 6) * 3 - 250, 0, 255)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_a_periodic_pattern_is_measured_at_its_amplitude(scale):
    base = _smooth_image()
    rng = np.random.default_rng(1)
    pattern = rng.normal(0, 1, (scale, scale))
    pattern = (pattern - pattern.mean()) / pattern.std() * 2.0   # std over phases: 2 levels
    grid = np.tile(pattern, (96 // scale, 96 // scale))
    clean = phase_grid(base / 255.0, scale)
    dotted = phase_grid((base + grid) / 255.0, scale)
    assert clean < 0.2
    assert dotted == pytest.approx(2.0, abs=0.25)


def test_noise_without_a_period_measures_near_zero():
    rng = np.random.default_rng(2)
    noisy = np.clip(_smooth_image() + rng.normal(0, 10, (96, 96)), 0, 255).astype(np.uint8)
    assert phase_grid(noisy, 4) < 0.6  # white noise σ 10: 16 phase means of ~550 px each


def test_the_pattern_must_sit_on_the_lr_grid():
    """A pattern shifted by one pixel moves to other phases but keeps its strength; the
    measure is about the LR grid's phases, so it is the same number."""
    base = _smooth_image()
    grid = np.tile(np.array([[3.0, -1.0], [-1.0, -1.0]]), (48, 48))
    a = phase_grid((base + grid) / 255.0, 2)
    b = phase_grid((base + np.roll(grid, 1, axis=1)) / 255.0, 2)
    assert a == pytest.approx(b, rel=0.05) and a > 1.0


def test_flat_regions_are_the_least_active_pixels():
    image = np.zeros((64, 64))
    image[:, 32:] = np.random.default_rng(3).uniform(0, 255, (64, 32))  # right half textured
    mask = flat_regions(image / 255.0, fraction=0.3)
    assert mask.shape == (64, 64)
    assert mask.mean() == pytest.approx(0.3, abs=0.001)
    assert mask[:, :24].mean() > 0.5 and mask[:, 40:].mean() == 0


def test_refusals():
    image = _smooth_image() / 255.0
    with pytest.raises(ValueError, match="scale"):
        phase_grid(image, 1)
    with pytest.raises(ValueError, match="mask shape"):
        phase_grid(image, 2, mask=np.ones((10, 10), bool))
    with pytest.raises(ValueError, match="fraction"):
        flat_regions(image, fraction=0)
    with pytest.raises(ValueError, match="SR shape"):
        grid_against_hr(image[:90], image, 2)


def _cases():
    cases = []
    for name, scale in weights.shipped():
        if scale is None or scale < 2:
            continue  # restoration models (x1): no LR grid
        marks = ()
        if (name, scale) in MISSES:
            marks = pytest.mark.xfail(strict=True, reason=f"measured grid {MISSES[(name, scale)]}")
        cases.append(pytest.param(name, scale, marks=marks, id=f"{name}_x{scale}"))
    return cases


@pytest.fixture(scope="module")
def photos():
    from keras_sr.evaluation.samples import sample_photo_paths
    from keras_sr.export.images import center_crop, load_rgb

    paths = sample_photo_paths()[:PHOTOS]
    if len(paths) < PHOTOS:
        pytest.skip("scikit-image's bundled photos are missing")
    return [center_crop(load_rgb(p), CROP, CROP) for p in paths]


@pytest.mark.parametrize("name, scale", _cases())
def test_shipped_model_leaves_no_grid(name, scale, photos):
    from keras_sr.data import matlab_imresize, rgb_to_y
    from keras_sr.inference import load_predictor

    predict = load_predictor(name, scale=scale)
    sr_grids, hr_grids = [], []
    for hr in photos:
        lr = matlab_imresize(hr, 1.0 / scale) / 255.0
        if predict.channels == 1:
            lr, hr = rgb_to_y(lr), rgb_to_y(hr / 255.0)
        else:
            hr = hr / 255.0
        sr_grid, hr_grid = grid_against_hr(predict(lr), hr, scale)
        sr_grids.append(sr_grid)
        hr_grids.append(hr_grid)
    ratio = float(np.mean(sr_grids) / np.mean(hr_grids))
    print(f"{name} x{scale}: grid on flat regions SR {np.round(sr_grids, 2).tolist()} HR "
          f"{np.round(hr_grids, 2).tolist()} levels (ratio of means {ratio:.2f})")
    assert ratio <= LIMIT, f"{name} x{scale}: grid {ratio:.2f}x the HR photos' on flat regions"
