"""SRGAN and MDSR steps on the PyTorch backend: torch autograd (``backward()``, the
variables' ``.grad``, ``optimizer.apply`` under ``torch.no_grad()``), as in keras.io's
"Customizing what happens in fit() with PyTorch"."""

import torch
from keras import ops

from keras_sr.training.steps import batch_scale


def _gradients(loss, optimizer, variables, *networks):
    for network in networks:
        network.zero_grad()
    optimizer.scale_loss(loss).backward()
    return [v.value.grad for v in variables]


def srgan_train_step(gan, data):
    lr, hr = data[:2]
    hr = ops.cast(hr, "float32")
    sr = ops.cast(gan.generator(lr, training=True), "float32")
    # One D step on this batch (SR as a constant) ...
    real = ops.cast(gan.discriminator(hr, training=True), "float32")
    fake = ops.cast(gan.discriminator(sr.detach(), training=True), "float32")
    d_loss = gan.discriminator_loss(real, fake)
    d_vars = gan.discriminator.trainable_variables
    grads = _gradients(d_loss, gan.d_optimizer, d_vars, gan.discriminator)
    with torch.no_grad():
        gan.d_optimizer.apply(grads, d_vars)
    # ... then one G step against the updated D (its gradients are computed and dropped).
    fake = ops.cast(gan.discriminator(sr, training=True), "float32")
    g_loss, content, adversarial, pixel = gan.generator_losses(hr, sr, fake)
    g_vars = gan.generator.trainable_variables
    grads = _gradients(g_loss, gan.optimizer, g_vars, gan.generator, gan.discriminator)
    with torch.no_grad():
        gan.optimizer.apply(grads, g_vars)
    gan.discriminator.zero_grad()
    return gan.report(hr, sr.detach(), 1, d_loss=d_loss.detach(), g_loss=g_loss.detach(),
                      content_loss=content.detach(), adversarial_loss=adversarial.detach(),
                      pixel_loss=pixel.detach())


def srgan_test_step(gan, data):
    lr, hr = data[:2]
    with torch.no_grad():
        losses, hr, sr = gan.evaluation_losses(lr, hr)
    return gan.report(hr, sr, 1, **losses)


def multiscale_train_step(trainer, data):
    lr, hr = data["lr"], data["hr"]
    view = trainer.views[batch_scale(lr, hr)]
    sr = view(lr, training=True)
    loss = trainer.sr_loss(hr, sr)
    variables = view.trainable_variables  # only this scale's path (and the shared modules)
    grads = _gradients(loss, trainer.optimizer, variables, trainer.model)
    with torch.no_grad():
        trainer.optimizer.apply(grads, variables)
        trainer.psnr.update_state(hr, sr.detach())
    trainer.model.zero_grad()
    return trainer.report(loss.detach(), 1)


def multiscale_test_step(trainer, data):
    lr, hr = data["lr"], data["hr"]
    with torch.no_grad():
        sr = trainer.views[batch_scale(lr, hr)](lr, training=False)
        trainer.psnr.update_state(hr, sr)
        return trainer.report(trainer.sr_loss(hr, sr), 1)
