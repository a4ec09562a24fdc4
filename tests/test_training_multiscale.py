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
