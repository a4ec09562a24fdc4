"""EDSR / EDSR-baseline / MDSR against SPECS §1: exact parameter counts, shapes, serialization."""

import numpy as np
import pytest

from keras_sr import models
from keras_sr.models import mdsr as mdsr_lib

# Official counts (EDSR-PyTorch, frozen MeanShift excluded), SPECS §1.1 / §1.2.
EDSR_PARAMS = {
    ("edsr-baseline", 2): 1_369_859, ("edsr-baseline", 3): 1_554_499, ("edsr-baseline", 4): 1_517_571,
    ("edsr", 2): 40_729_603, ("edsr", 3): 43_680_003, ("edsr", 4): 43_089_923,
}
MDSR_PARAMS = {"mdsr-baseline": 3_227_203, "mdsr": 7_953_987}


def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


@pytest.mark.parametrize("name,scale", sorted(EDSR_PARAMS))
def test_edsr_parameter_counts(name, scale):
    model = models.build(name, scale=scale)
    assert trainable_count(model) == EDSR_PARAMS[name, scale]
    assert model.count_params() == EDSR_PARAMS[name, scale]  # mean shift holds no weights


@pytest.mark.parametrize("name", sorted(MDSR_PARAMS))
def test_mdsr_parameter_counts(name):
    model = models.build(name)
    assert trainable_count(model) == MDSR_PARAMS[name]
    assert model.output_names == ["sr_x2", "sr_x3", "sr_x4"]


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_edsr_output_shapes(scale, size):
    model = models.build("edsr-baseline", scale=scale, num_blocks=1, filters=8)
    assert model.input_shape == (None, None, None, 3)
    y = model(np.random.default_rng(0).random((2, *size, 3), dtype="float32"))
    assert y.shape == (2, size[0] * scale, size[1] * scale, 3)


@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_mdsr_output_shapes_and_scale_views(size):
    model = models.build("mdsr-baseline", num_blocks=1, filters=8)
    x = np.random.default_rng(1).random((1, *size, 3), dtype="float32")
    outs = model(x)
    views = mdsr_lib.scale_models(model)
    assert sorted(views) == [2, 3, 4]
    for scale, out in zip((2, 3, 4), outs):
        assert out.shape == (1, size[0] * scale, size[1] * scale, 3)
        np.testing.assert_allclose(np.asarray(views[scale](x)), np.asarray(out), atol=1e-5)


def test_mdsr_scale_views_share_weights():
    model = models.build("mdsr-baseline", num_blocks=1, filters=8)
    views = mdsr_lib.scale_models(model)
    body = model.get_layer("body")
    assert views[2].get_layer("body") is body and views[4].get_layer("body") is body
    x2_only = {w.path for w in views[2].trainable_weights}
    assert not any("x3" in p or "x4" in p for p in x2_only)
    assert any("pre_x2" in p for p in x2_only) and any("upsample_x2" in p for p in x2_only)
    # the single-scale build is that view: shared body + the x3 modules
    single = models.build("mdsr-baseline", scale=3, num_blocks=1, filters=8)
    assert single.output_shape == (None, None, None, 3)
    assert trainable_count(single) == trainable_count(views[3])


def test_mdsr_scale_view_of_missing_scale():
    model = models.build("mdsr-baseline", scales=(2, 4), num_blocks=1, filters=8)
    with pytest.raises(ValueError, match="no ×3 output"):
        mdsr_lib.scale_model(model, 3)


def test_edsr_computes_in_rgb_range():
    # With zero weights everywhere the network returns the DIV2K mean, whatever the input.
    model = models.build("edsr-baseline", scale=2, num_blocks=1, filters=8)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    y = np.asarray(model(np.random.default_rng(2).random((1, 4, 4, 3), dtype="float32")))
    np.testing.assert_allclose(y[0, 0, 0], [0.4488, 0.4371, 0.4040], atol=1e-6)


@pytest.mark.parametrize("name,kwargs", [
    ("edsr-baseline", {"scale": 3, "num_blocks": 2, "filters": 8}),
    ("edsr", {"scale": 4, "num_blocks": 2, "filters": 8}),
    ("mdsr-baseline", {"num_blocks": 2, "filters": 8}),
    ("mdsr", {"scale": 2, "num_blocks": 2, "filters": 8}),
])
def test_keras_save_load_safe_mode(tmp_path, name, kwargs):
    import keras

    model = models.build(name, **kwargs)
    x = np.random.default_rng(3).random((1, 10, 14, 3), dtype="float32")
    expected = model.predict(x, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    got = loaded.predict(x, verbose=0)
    for e, g in zip(expected if isinstance(expected, list) else [expected],
                    got if isinstance(got, list) else [got]):
        np.testing.assert_array_equal(g, e)
