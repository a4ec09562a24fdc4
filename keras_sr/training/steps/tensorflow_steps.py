"""SRGAN and MDSR steps on the TensorFlow backend: ``tf.GradientTape``, exact under a
``tf.distribute`` strategy (see :mod:`keras_sr.training.multiscale` for MDSR's cross-replica
update)."""

import tensorflow as tf
from keras import ops

from keras_sr.training.steps import batch_scale


def replicas():
    """Replicas of the current strategy (Keras losses are divided by it)."""
    return tf.distribute.get_strategy().num_replicas_in_sync


def srgan_train_step(gan, data):
    lr, hr = data[:2]
    hr = ops.cast(hr, "float32")
    with tf.GradientTape() as g_tape:
        sr = ops.cast(gan.generator(lr, training=True), "float32")
        # One D step on this batch (SR as a constant) ...
        with g_tape.stop_recording(), tf.GradientTape() as d_tape:
            real = ops.cast(gan.discriminator(hr, training=True), "float32")
            fake = ops.cast(gan.discriminator(ops.stop_gradient(sr), training=True), "float32")
            d_loss = gan.discriminator_loss(real, fake)
            scaled = gan.d_optimizer.scale_loss(d_loss)
        d_vars = gan.discriminator.trainable_variables
        gan.d_optimizer.apply_gradients(zip(d_tape.gradient(scaled, d_vars), d_vars))
        # ... then one G step against the updated D.
        fake = ops.cast(gan.discriminator(sr, training=True), "float32")
        g_loss, content, adversarial, pixel = gan.generator_losses(hr, sr, fake)
        scaled = gan.optimizer.scale_loss(g_loss)
    g_vars = gan.generator.trainable_variables
    gan.optimizer.apply_gradients(zip(g_tape.gradient(scaled, g_vars), g_vars))
    return gan.report(hr, sr, replicas(), d_loss=d_loss, g_loss=g_loss, content_loss=content,
                      adversarial_loss=adversarial, pixel_loss=pixel)


def srgan_test_step(gan, data):
    lr, hr = data[:2]
    losses, hr, sr = gan.evaluation_losses(lr, hr)
    return gan.report(hr, sr, replicas(), **losses)


def _with_scale(data):
    """A batch without its ``"scale"``: the scale from the static shapes (HR side / LR side)."""
    if "scale" in data:
        return data
    return {**data, "scale": batch_scale(data["lr"], data["hr"])}


def multiscale_train_step(trainer, data):
    return trainer.report(trainer.tf_train(_with_scale(data)), replicas())


def multiscale_test_step(trainer, data):
    return trainer.report(trainer.tf_evaluate(_with_scale(data)), replicas())
