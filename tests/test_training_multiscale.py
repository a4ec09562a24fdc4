"""MDSR multi-scale training: each batch updates the shared modules and its own scale's only."""

import keras
import numpy as np
import tensorflow as tf

from keras_sr import models
from keras_sr.training import MultiScaleTrainer


def scale_of(path):
    for s in (2, 3, 4):
        if f"_x{s}" in path.split("/")[0]:
            return s
    return None  # shared: head, body, tail


def batch(rng, scale, n=2, size=6):
    hr = rng.random((n, size * scale, size * scale, 3)).astype("float32")
    lr = hr.reshape(n, size, scale, size, scale, 3).mean(axis=(2, 4))
    return {"lr": lr, "hr": hr, "scale": np.int32(scale)}


def test_only_the_batch_scale_and_shared_modules_are_updated(rng):
    keras.utils.set_random_seed(0)
    mdsr = models.build("mdsr-baseline", num_blocks=1, filters=8)
    trainer = MultiScaleTrainer(mdsr)
    trainer.compile(keras.optimizers.Adam(1e-3), "mae")
    variables = {v.path: v for v in mdsr.trainable_variables}
    assert {scale_of(p) for p in variables} == {None, 2, 3, 4}
    for s in (3, 3, 2):  # Adam's moments of x3 must not move x3's weights during the x2 step
        before = {p: v.numpy().copy() for p, v in variables.items()}
        data = tf.data.Dataset.from_tensors(batch(rng, s))
        history = trainer.fit(data, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        for path, v in variables.items():
            changed = not np.array_equal(before[path], v.numpy())
            assert changed == (scale_of(path) in (None, s)), (s, path)
    assert trainer.optimizer.iterations.numpy() == 3


def test_evaluate_picks_the_scale(rng):
    keras.utils.set_random_seed(0)
    mdsr = models.build("mdsr-baseline", num_blocks=1, filters=8)
    trainer = MultiScaleTrainer(mdsr)
    trainer.compile("adam", "mse")
    for s in (2, 4):
        b = batch(rng, s)
        got = trainer.evaluate(tf.data.Dataset.from_tensors(b), return_dict=True, verbose=0)
        sr = trainer.views[s](b["lr"]).numpy()
        assert np.isclose(got["loss"], np.mean((sr - b["hr"]) ** 2), rtol=1e-5)


def test_mdsr_warm_started_from_a_single_scale_edsr_computes_it_exactly_at_its_scale(rng):
    """EDSR-baseline's head, body and tail go into MDSR's shared modules, its upsampler into
    the branch of its scale (shapes tell x2 from x3/x4), the pre-processing blocks start as
    identities: that branch is the EDSR, the other branches keep fresh upsamplers."""
    from keras_sr.models.mdsr import scale_model
    from keras_sr.training.warm_start import warm_start

    keras.utils.set_random_seed(1)
    edsr = models.build("edsr-baseline", scale=3, num_blocks=2, filters=8)
    mdsr = models.build("mdsr-baseline", num_blocks=2, filters=8)
    fresh_pre = mdsr.get_layer("pre_x3_0").get_weights()
    result = warm_start(mdsr, edsr)
    assert sorted(result["copied"]) == ["body", "head", "tail", "upsample_x3"], result
    assert "upsample_x2" in result["kept"] and "upsample_x4" in result["kept"]
    lr = rng.random((1, 10, 12, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(scale_model(mdsr, 3)(lr)), np.asarray(edsr(lr)))
    conv1 = mdsr.get_layer("pre_x3_0").get_weights()[0]
    np.testing.assert_array_equal(conv1, fresh_pre[0])  # only conv2 is zeroed: conv1 learns once conv2 moves


def test_frozen_layers_keep_their_weights_while_the_rest_trains(tmp_path):
    """Recipe field frozen_layers (``--set frozen_layers=[...]``): the named layers are not
    trained, the others are; an unknown name is a one-line error listing the layers."""
    import pytest

    from keras_sr.training import get_recipe
    from keras_sr.training.train import build_trainable

    recipe = get_recipe("mdsr-baseline", model_overrides={"num_blocks": 1, "filters": 8, "scales": (2, 3)},
                        scales=(3,), frozen_layers=("head", "body", "tail"), learning_rate=1e-2)
    trainer, view = build_trainable(recipe, "mdsr-baseline", 3)
    mdsr = trainer.model
    before = {layer.name: [w.copy() for w in layer.get_weights()] for layer in mdsr.layers if layer.weights}
    rng = np.random.default_rng(0)
    trainer.fit(tf.data.Dataset.from_tensors(batch(rng, 3)).repeat(2), epochs=1, verbose=0)
    for name, weights in before.items():
        same = all(np.array_equal(a, b) for a, b in zip(weights, mdsr.get_layer(name).get_weights()))
        assert same == (name in ("head", "body", "tail", "sub_mean", "add_mean")
                        or "_x2" in name), name
    with pytest.raises(ValueError, match="no layer 'bodyy'.*layers with weights: .*head"):
        build_trainable(get_recipe("edsr-baseline", model_overrides={"num_blocks": 1, "filters": 8},
                                   frozen_layers=("bodyy",)), "edsr-baseline", 2)
    with pytest.raises(ValueError, match="frozen_layers"):
        get_recipe("edsr-baseline", frozen_layers=("body", 3))
