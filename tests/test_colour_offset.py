"""Every shipped RGB SR model's mean per-channel colour offset against HR on the bundled
photos (scikit-image) is within ±0.15 grey levels (issue #28: RT4KSR was short of red).
Models that miss it are xfail (strict: a fix turns them into a failure to update) with the
offset measured here (benchmarks/colour_offset.py measures held-out photos)."""
import numpy as np
import pytest

from keras_sr import weights

LIMIT = 0.15  # grey levels
CROP = 192    # HR centre crop (a multiple of 2·scale for every shipped scale)
PHOTOS = 3

# measured with this test on 2026-12-07 (mean over the 3 photos, R G B levels)
MISSES = {
    # warm on these three photos (each one: R +0.67..+0.91, B -0.81..-1.33); on 8 held-out photos
    # R G B 0.00 -0.08 -0.12 with clean LR, +0.05 -0.15 -0.03 with noisy JPEG LR (its card)
    ("edsr-baseline-real", 4): "R G B +0.78 -0.24 -1.02",
}


def _cases():
    from keras_sr import models

    cases = []
    for name, scale in weights.shipped():
        if scale is None or scale < 2:
            continue  # restoration models (x1) are not SR: their input is not a bicubic LR
        if models.get_preset(name)["config"].get("channels", 3) != 3:
            continue  # luma-only models (SRCNN, RED-Net, SRDenseNet): no colour to cast
        marks = ()
        if (name, scale) in MISSES:
            marks = pytest.mark.xfail(strict=True, reason=f"measured offset {MISSES[(name, scale)]} levels")
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
def test_shipped_model_has_no_colour_cast(name, scale, photos):
    import keras_sr
    from keras_sr.evaluation.colour import colour_offsets, model_predictor

    model = keras_sr.from_preset(name, scale=scale)
    offset = colour_offsets(model_predictor(model), photos, scale).mean(axis=0)
    print(f"{name} x{scale}: offset R G B {np.round(offset, 2).tolist()} levels")
    assert np.all(np.abs(offset) <= LIMIT), f"{name} x{scale}: offset {np.round(offset, 2).tolist()} levels"


def test_offset_measure_sees_a_cast():
    from keras_sr.evaluation.colour import colour_offsets

    rng = np.random.default_rng(0)
    hr = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)

    def reddish(lr):
        from keras_sr.data import matlab_imresize

        return matlab_imresize(lr, 2.0) / 255.0 + np.array([-1.0, 0.0, 0.5]) / 255.0

    offset = colour_offsets(reddish, [hr], 2).mean(axis=0)
    assert offset[0] == pytest.approx(-1.0, abs=0.3) and offset[2] == pytest.approx(0.5, abs=0.3)
