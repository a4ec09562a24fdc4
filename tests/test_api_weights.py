"""The Python API's weights rule (keras_sr.presets.weights_rule), the CLI's in Python words:
a preset runs its shipped weights, is refused without them, and runs untrained only when asked,
with a warning."""

import warnings

import numpy as np
import pytest

import keras_sr
from keras_sr import inference, models, presets
from keras_sr.inference import UntrainedModelWarning
from keras_sr.inference.receptive_field import receptive_field

NOT_SHIPPED = ("rednet10", 3)  # a cheap preset keras-sr ships no x3 weights for


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """One 120x120 crop of a photo scikit-image ships (a benchmark folder)."""
    from skimage import data as skdata

    from keras_sr.data import write_image

    folder = tmp_path_factory.mktemp("hr")
    write_image(folder / "coffee.png", skdata.coffee()[150:270, 250:370])
    return folder


def test_no_shipped_weights_is_refused_naming_both_ways_out(photo_folder):
    name, scale = NOT_SHIPPED
    lr = np.zeros((12, 12, 3), np.float32)
    calls = {
        "load_model": lambda: inference.load_model(name, scale),
        "load_predictor": lambda: inference.load_predictor(name, scale=scale),
        "upscale": lambda: keras_sr.upscale(name, lr, scale=scale),
        "evaluate": lambda: keras_sr.evaluate(name, photo_folder, scale),
        "evaluate default": lambda: keras_sr.evaluate(name, photo_folder, scale, weights="default"),
    }
    for call, run in calls.items():
        with pytest.raises(ValueError) as exc:
            run()
        message = str(exc.value)
        assert "\n" not in message, call
        if call == "evaluate default":  # asked for shipped weights by name: the weights index says none
            assert "ships no weights for 'rednet10' x3" in message
        else:
            assert "rednet10' x3 has no shipped weights" in message, call
            assert 'weights="PATH"' in message and 'weights="none"' in message, call


def test_explicit_untrained_runs_and_warns_at_the_callers_line(photo_folder):
    name, scale = NOT_SHIPPED
    with pytest.warns(UntrainedModelWarning, match="rednet10 x3 is untrained") as record:
        predict = inference.load_predictor(name, scale=scale, weights="none")
    assert issubclass(UntrainedModelWarning, UserWarning)
    assert record[0].filename == __file__  # not a line inside keras_sr
    assert predict.scale == scale and predict.model is not None
    with pytest.warns(UntrainedModelWarning):
        result = keras_sr.evaluate(name, photo_folder, scale, weights="none")
    assert np.isfinite(result["datasets"][0]["psnr"])
    with pytest.warns(UntrainedModelWarning):
        out = keras_sr.upscale(name, np.zeros((6, 8, 3), np.uint8), scale=scale, weights="none")
    assert out.shape == (18, 24, 3)


@pytest.mark.parametrize("name", ["rt4ksr", "edsr-baseline"])
def test_a_preset_name_runs_its_shipped_weights_above_bicubic(name, photo_folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UntrainedModelWarning)
        row = keras_sr.evaluate(name, photo_folder, 2)["datasets"][0]["per_image"][0]
        lr = np.random.default_rng(0).random((10, 14, 3), dtype=np.float32)
        by_name = keras_sr.upscale(name, lr, scale=2, border=None)
    assert row["psnr"] > row["psnr_bicubic"] + 0.5, row  # trained, not random weights
    shipped = presets.from_preset(name, scale=2, weights="default")
    np.testing.assert_allclose(by_name, np.asarray(shipped(lr[None]))[0], atol=1e-5)


def test_other_inputs_keep_their_rules():
    model = models.build("srcnn", scale=2, filters=(4, 2))
    with pytest.raises(ValueError, match="applies to a preset name"):
        inference.load_model(model, weights="none")
    with pytest.raises(ValueError, match="needs scale="):
        inference.load_predictor("mdsr-baseline")
    bicubic, _ = inference.load_model("bicubic", 2)  # no weights to have: never refused
    assert bicubic.count_params() == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UntrainedModelWarning)
        # the radius is the architecture's: a preset name is measured without weights, and silently
        assert receptive_field(*NOT_SHIPPED) == receptive_field(models.build("rednet10", scale=3))


def test_from_preset_is_the_one_way_to_weights_and_models_build_says_so():
    """keras_sr.from_preset: the weights rule of load_model (shipped by default, refused without, untrained
    only when asked); models.build builds the architecture and points at from_preset for weights."""
    assert keras_sr.from_preset is presets.from_preset
    with pytest.raises(TypeError, match=r"keras_sr\.from_preset\('rt4ksr'"):
        models.build("rt4ksr", scale=2, weights="default")
    with pytest.raises(ValueError, match=r"has no shipped weights .*weights=\"none\""):
        keras_sr.from_preset(*NOT_SHIPPED)
    with pytest.warns(UntrainedModelWarning):
        untrained = keras_sr.from_preset(*NOT_SHIPPED, weights="none")
    assert untrained.count_params() == models.build(*NOT_SHIPPED).count_params()
    with pytest.raises(ValueError, match="needs scale="):
        presets.resolve("mdsr-baseline", None, single_output=True)
    assert presets.resolve("bicubic", 3, "default") == (3, None)
