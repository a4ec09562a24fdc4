import pytest

import keras_sr
from keras_sr import models


def test_list_names_the_paper_presets():
    names = models.list()
    for name in ("edsr", "edsr-baseline", "mdsr", "mdsr-baseline", "bicubic", "srcnn",
                 "srdensenet-h", "srdensenet-hl", "srdensenet-all", "rednet10", "rednet20",
                 "rednet30", "srresnet", "srgan-discriminator"):
        assert name in names
    assert names == sorted(names)


def test_presets_are_data():
    preset = models.get_preset("edsr")
    assert preset["config"] == {"num_blocks": 32, "filters": 256, "res_scale": 0.1}
    preset["config"]["num_blocks"] = 1  # a copy: the registry is untouched
    assert models.get_preset("edsr")["config"]["num_blocks"] == 32


def test_build_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown model 'edsr-huge'.*edsr-baseline"):
        models.build("edsr-huge", scale=2)
    with pytest.raises(ValueError, match="does not support scale 5; supported: 2, 3, 4"):
        models.build("edsr-baseline", scale=5)
    with pytest.raises(ValueError, match="needs scale=, one of 2, 3, 4"):
        models.build("edsr-baseline")
    with pytest.raises(ValueError, match="no option 'num_block'.*num_blocks"):
        models.build("edsr-baseline", scale=2, num_block=3)


def test_overrides_replace_preset_values():
    model = models.build("edsr-baseline", scale=2, num_blocks=2, filters=8)
    assert model.name == "edsr_baseline_x2"
    assert model.get_layer("body").num_blocks == 2
    assert model.get_layer("head").filters == 8


def test_package_exposes_version_and_models():
    assert keras_sr.__version__
    assert keras_sr.models.build is models.build


def test_registry_builds_models_without_scale():
    assert models.supported_scales("srgan-discriminator") == ()
    with pytest.raises(ValueError, match="takes no scale"):
        models.build("srgan-discriminator", scale=4)
    with pytest.raises(ValueError, match="no option 'scales'"):
        models.build("srgan-discriminator", scales=(4,))
    model = models.build("srgan-discriminator", input_size=32, filters=4)
    assert model.name == "srgan_discriminator" and model.input_shape == (None, 32, 32, 3)
    assert not models.is_multi_scale("srgan-discriminator")



def test_top_level_upscale_and_evaluate_are_the_functions():
    from keras_sr.evaluation import evaluate
    from keras_sr.inference import upscale

    assert keras_sr.upscale is upscale and keras_sr.evaluate is evaluate
    assert keras_sr.data.psnr_y is not None  # submodules load lazily
