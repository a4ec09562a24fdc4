"""Training recipes and losses: paper values, overrides from Python/JSON/YAML, validation,
schedules, the RT4KSR high-frequency loss, the VGG weights guard; every recipe trains."""

import json

import keras
import numpy as np
import pytest
from scipy import ndimage

from keras_sr import data, training
from keras_sr.layers.high_frequency import gaussian_kernel1d
from keras_sr.training import losses


def test_paper_recipes():
    edsr = training.get_recipe("edsr-baseline")  # a model name maps to its family's recipe
    assert edsr.name == "edsr"
    assert (edsr.loss, edsr.learning_rate, edsr.decay_steps, edsr.gamma) == ("l1", 1e-4, 200_000, 0.5)
    assert (edsr.patch_size, edsr.batch_size, edsr.lr_patch_size(4)) == (48, 16, 48)
    assert training.get_recipe("mdsr-baseline").scales == (2, 3, 4)
    srresnet = training.get_recipe("srresnet")
    assert (srresnet.loss, srresnet.loss_weight, srresnet.lr_patch_size(4)) == ("mse", 4.0, 24)
    rt4ksr = training.get_recipe("rt4ksr")
    assert (rt4ksr.learning_rate, rt4ksr.high_frequency_weight) == (5e-4, 1.0)
    assert rt4ksr.milestones == tuple(2424 * e for e in (20, 40, 60, 80))
    assert training.get_recipe("srdensenet-all").channels == "y"
    gan = training.get_recipe("srgan")
    assert (gan.kind, gan.adversarial_weight, gan.feature_scale, gan.content_layer) == (
        "gan", 1e-3, 12.75, "block5_conv4")


def test_overrides_and_errors(tmp_path):
    r = training.get_recipe("srresnet", batch_size=4, learning_rate=None)  # None = not given
    assert (r.batch_size, r.learning_rate) == (4, 1e-4)
    assert training.get_recipe("srresnet", patch_size=10).lr_patch_size(4) == 10  # LR patch wins over HR crop
    with pytest.raises(ValueError, match="'batchsize'"):
        training.get_recipe("edsr", batchsize=4)
    with pytest.raises(ValueError, match="`batch_size`"):
        training.get_recipe("edsr", batch_size=0)
    with pytest.raises(ValueError, match="`loss`"):
        training.get_recipe("edsr", loss="huber")
    with pytest.raises(ValueError, match="`on_bad_file`"):
        training.get_recipe("edsr", on_bad_file="ignore")
    with pytest.raises(ValueError, match="no training recipe"):
        training.get_recipe("bicubic")
    with pytest.raises(ValueError, match="no recipe for 'nope'"):
        training.get_recipe("nope")
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"batch_size": 8, "milestones": [10, 20], "schedule": "multistep"}))
    r = training.get_recipe("edsr", config=path, learning_rate=2e-4)
    assert (r.batch_size, r.milestones, r.learning_rate) == (8, (10, 20), 2e-4)
    path.write_text(json.dumps({"lr": 1}))
    with pytest.raises(ValueError, match=f"config {path}: unknown key.*'lr'"):
        training.get_recipe("edsr", config=path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        training.get_recipe("edsr", config=path)


def test_yaml_config(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("batch_size: 4\nmodel_overrides:\n  num_blocks: 2\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match="PyYAML"):
            training.get_recipe("edsr", config=path)
        return
    r = training.get_recipe("edsr", config=path)
    assert (r.batch_size, r.model_overrides) == (4, {"num_blocks": 2})


def test_schedules():
    step = training.learning_rate_schedule(training.get_recipe("edsr"))
    assert np.isclose(float(step(199_999)), 1e-4) and np.isclose(float(step(200_000)), 5e-5)
    assert np.isclose(float(step(400_000)), 2.5e-5)
    multi = training.learning_rate_schedule(training.get_recipe("rt4ksr"))
    for step_, lr in ((0, 5e-4), (48_480, 5e-4), (48_481, 2.5e-4), (242_400, 3.125e-5)):
        assert np.isclose(float(multi(step_)), lr), step_  # final lr 3.125e-5 as in the checkpoints
    opt = training.make_optimizer(training.get_recipe("srresnet"))
    assert (opt.beta_1, opt.beta_2, opt.epsilon) == (0.9, 0.999, 1e-8)


def _numpy_high_pass(x):
    """x − blur(x): 5x5 σ=1 Gaussian, reflect border (edge not repeated), computed with scipy."""
    k = gaussian_kernel1d(5, 1.0)
    blurred = ndimage.correlate1d(x, k, axis=1, mode="mirror")
    return x - ndimage.correlate1d(blurred, k, axis=2, mode="mirror")


def test_high_frequency_loss(rng):
    hr = rng.random((2, 12, 10, 3), dtype=np.float32)
    sr = rng.random((2, 12, 10, 3), dtype=np.float32)
    expected = np.abs(_numpy_high_pass(hr) - _numpy_high_pass(sr)).mean()
    assert np.isclose(float(losses.HighFrequencyL1()(hr, sr)), expected, rtol=1e-5)
    # A constant offset has no high frequencies: the high-frequency term ignores it, L1 does not.
    loss = losses.PixelLoss("l1", high_frequency_weight=3.0)
    assert np.isclose(float(loss(hr, hr + 0.1)), 0.1, atol=1e-5)
    assert np.isclose(float(loss(hr, sr)), np.abs(hr - sr).mean() + 3 * expected, rtol=1e-5)


def test_srresnet_loss_is_the_papers_mse_on_signed_images(rng):
    hr = rng.random((2, 8, 8, 3), dtype=np.float32)
    sr = rng.random((2, 8, 8, 3), dtype=np.float32)
    paper = np.mean(((2 * hr - 1) - (2 * sr - 1)) ** 2)
    assert np.isclose(float(losses.pixel_loss(training.get_recipe("srresnet"))(hr, sr)), paper, rtol=1e-5)


def test_vgg_weights_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty Keras cache: nothing is downloaded
    with pytest.raises(FileNotFoundError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        losses.vgg19_content_model("imagenet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        losses.vgg19_content_model(tmp_path / "missing.h5")


def _write_images(folder, count=2, size=64):
    from skimage import data as skdata

    folder.mkdir(parents=True, exist_ok=True)
    photos = [skdata.astronaut(), skdata.coffee(), skdata.chelsea()]
    for i in range(count):
        data.write_image(str(folder / f"img{i}.png"), photos[i % 3][100:100 + size, 100:100 + size])
    return folder


# Tiny builder arguments per recipe family (the recipes themselves are the papers').
TINY = {
    "edsr": ("edsr-baseline", 2, {"num_blocks": 1, "filters": 8}),
    "mdsr": ("mdsr-baseline", 2, {"num_blocks": 1, "filters": 8}),
    "srdensenet": ("srdensenet-all", 4, {"num_blocks": 1, "num_layers": 2, "growth_rate": 4,
                                         "bottleneck_filters": 8}),
    "rednet": ("rednet10", 2, {"filters": 8}),
    "rednet-fast": ("rednet10-denoise", 1, {"filters": 8}),  # scale 1: (noisy, clean) pairs
    "srresnet": ("srresnet", 2, {"num_blocks": 1, "filters": 8}),
    "rt4ksr": ("rt4ksr", 2, {"num_feats": 8, "num_blocks": 1}),
    "srcnn": ("srcnn", 2, {"filters": (8, 4)}),
    "srgan": ("srgan", 2, {"num_blocks": 1, "filters": 8}),
}


def test_every_recipe_has_a_tiny_config():
    assert sorted(TINY) == training.list_recipes()


@pytest.mark.parametrize("family", sorted(TINY))
def test_every_recipe_trains_two_steps(family, tmp_path):
    model_name, scale, tiny = TINY[family]
    keras.utils.set_random_seed(0)
    recipe = training.get_recipe(family, batch_size=2, patch_size=8, model_overrides=tiny,
                                 discriminator_overrides={"filters": 4})
    content = None
    if recipe.kind == "gan":  # a small random VGG stand-in: this checks the step, not VGG
        content = losses.vgg19_content_model(None, "block1_conv2")
    trainable, sr_model = training.build_trainable(recipe, model_name, scale, content_model=content)
    common = dict(patch_size=8, batch_size=2, channels=recipe.channels, seed=0,
                  degradation="noise:30" if scale == 1 else None)
    folder = _write_images(tmp_path / "hr")
    if recipe.kind == "multiscale":
        ds = data.training_dataset(str(folder), scales=recipe.scales, **common)
    else:
        ds = data.training_dataset(str(folder), scale=scale, **common)
    before = [w.numpy().copy() for w in sr_model.trainable_weights]
    history = trainable.fit(ds, steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    key = "g_loss" if recipe.kind == "gan" else "loss"
    assert np.isfinite(history.history[key][0])
    assert trainable.optimizer.iterations.numpy() == 2
    assert any(not np.array_equal(b, w.numpy()) for b, w in zip(before, sr_model.trainable_weights))


def test_loss_falls_on_a_fixed_batch(rng):
    keras.utils.set_random_seed(0)
    recipe = training.get_recipe("edsr-baseline", learning_rate=1e-3)
    model, _ = training.build_trainable(recipe.replace(model_overrides={"num_blocks": 1, "filters": 16}),
                                        "edsr-baseline", 2)
    hr = np.clip(ndimage.gaussian_filter(rng.random((4, 32, 32, 3)), (0, 2, 2, 0)) * 3 - 1, 0, 1)
    lr = np.stack([data.matlab_imresize(h, 0.5) for h in hr]).astype("float32")
    history = model.fit(lr, hr.astype("float32"), batch_size=4, epochs=20, verbose=0, shuffle=False)
    losses_ = history.history["loss"]
    assert losses_[-1] < 0.5 * losses_[0], losses_
