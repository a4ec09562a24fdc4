"""Run by tests/test_training_distributed.py in a fresh process: two logical CPU devices
must be configured before TensorFlow initialises, which would disturb the other tests."""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_sr import models, training  # noqa: E402
from keras_sr.training import MultiScaleTrainer, losses  # noqa: E402

TINY = {"num_blocks": 1, "filters": 8}


def images(seed, n=4, size=8, scale=2):
    rng = np.random.default_rng(seed)
    hr = rng.random((n, size * scale, size * scale, 3)).astype("float32")
    return hr.reshape(n, size, scale, size, scale, 3).mean(axis=(2, 4)), hr


def in_scope(strategy, fn):
    if strategy is None:
        return fn()
    with strategy.scope():
        return fn()


def plain(strategy):
    """EDSR, 3 steps on one global batch of 4: the losses and the final weights."""
    keras.utils.set_random_seed(0)
    recipe = training.get_recipe("edsr-baseline", learning_rate=1e-3, model_overrides=TINY)
    model, _ = in_scope(strategy, lambda: training.build_trainable(recipe, "edsr-baseline", 2))
    ds = tf.data.Dataset.from_tensors(images(1)).repeat()
    history = model.fit(ds, steps_per_epoch=1, epochs=3, verbose=0, shuffle=False)
    loss = [float(x) for x in history.history["loss"]]
    steps = [float(model.evaluate(*images(1), batch_size=4, verbose=0))]
    return loss + steps, [w.numpy().tolist() for w in model.weights]


def gan(strategy):
    keras.utils.set_random_seed(0)

    def build():
        g = training.build_srgan(2, 16, content_model=losses.vgg19_content_model(None, "block1_conv2"),
                                 generator_overrides=TINY, discriminator_overrides={"filters": 4})
        g.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
        return g

    g = in_scope(strategy, build)
    # Inference-mode losses (BN moving statistics): must not depend on the replica count.
    evaluated = g.evaluate(*images(2), batch_size=4, return_dict=True, verbose=0)
    g0 = [w.numpy().copy() for w in g.generator.trainable_weights]
    d0 = [w.numpy().copy() for w in g.discriminator.trainable_weights]
    h = g.fit(tf.data.Dataset.from_tensors(images(2)).repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    changed = (any(not np.array_equal(a, w.numpy()) for a, w in zip(g0, g.generator.trainable_weights)),
               any(not np.array_equal(a, w.numpy()) for a, w in zip(d0, g.discriminator.trainable_weights)))
    return {k: float(v[-1]) for k, v in h.history.items()}, changed, evaluated


def multiscale(strategy):
    """MDSR, batches of x3, x2, x3, x4 (one scale each, per example): the final weights, and
    which variables the last (x4) step changed."""
    from keras_sr.training.multiscale import per_example_scale

    keras.utils.set_random_seed(0)

    def build():
        trainer = MultiScaleTrainer(models.build("mdsr-baseline", **TINY))
        trainer.compile(keras.optimizers.Adam(1e-3), "l1")
        return trainer

    trainer = in_scope(strategy, build)
    batches = []
    for i, s in enumerate((3, 2, 3, 4)):
        lr, hr = images(10 + i, scale=s)
        batches.append({"lr": lr, "hr": hr, "scale": np.int32(s)})
    ds = tf.data.Dataset.from_generator(lambda: iter(batches), output_signature={
        "lr": tf.TensorSpec((4, 8, 8, 3)), "hr": tf.TensorSpec((4, None, None, 3)),
        "scale": tf.TensorSpec((), tf.int32)}).map(per_example_scale)
    trainer.fit(ds.take(3), epochs=1, verbose=0)
    before = [v.numpy().copy() for v in trainer.model.trainable_variables]
    trainer.fit(ds.skip(3), epochs=1, verbose=0)
    changed = {v.path: not np.array_equal(b, v.numpy()) for b, v in zip(before, trainer.model.trainable_variables)}
    return [w.numpy() for w in trainer.model.weights], changed, int(trainer.optimizer.iterations.numpy())


if __name__ == "__main__":
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    out = {"replicas": mirrored.num_replicas_in_sync}
    out["plain_one"], w_one = plain(None)
    out["plain_two"], w_two = plain(mirrored)
    out["weights_max_diff"] = max(float(np.max(np.abs(np.array(a) - np.array(b)))) for a, b in zip(w_one, w_two))
    out["gan_two"], out["gan_changed"], out["gan_eval_two"] = gan(mirrored)
    out["gan_eval_one"] = gan(None)[2]
    ms_one, out["ms_changed_one"], out["ms_steps_one"] = multiscale(None)
    ms_two, out["ms_changed_two"], out["ms_steps_two"] = multiscale(mirrored)
    out["ms_max_diff"] = max(float(np.max(np.abs(a - b))) for a, b in zip(ms_one, ms_two))
    json.dump(out, open(sys.argv[1], "w"))
