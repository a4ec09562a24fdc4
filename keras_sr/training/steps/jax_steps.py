"""SRGAN and MDSR steps on the JAX backend, stateless as Keras' JAX trainer requires
(keras.io "Customizing what happens in fit() with JAX"): each step receives Keras' state
``(trainable, non_trainable, optimizer, metrics)`` values and returns the new ones.

SRGAN's second optimizer (the discriminator's) has no slot in that state: its variables
travel at the end of the model's non-trainable variables
(:attr:`~keras_sr.training.srgan.SRGAN.non_trainable_variables` on JAX), which Keras
carries through ``fit`` and writes back after it.
"""

import warnings

import jax
from keras import StatelessScope, ops

from keras_sr.training.steps import batch_scale, positions


def _take(values, index):
    return [values[i] for i in index]


def _put(values, index, new):
    values = list(values)
    for i, v in zip(index, new):
        values[i] = v
    return values


def _scaled(optimizer, optimizer_values, loss):
    """``optimizer.scale_loss(loss)`` (mixed precision) with the optimizer's values of this step."""
    with StatelessScope(state_mapping=list(zip(optimizer.variables, optimizer_values))):
        return optimizer.scale_loss(loss)


def _update_metrics(model, metric_values, hr, sr, values):
    """Stateless metric updates: the loss trackers from ``values``, PSNR from ``(hr, sr)``."""
    logs, new, start = {}, [], 0
    for metric in model.metrics:
        own = metric_values[start:start + len(metric.variables)]
        start += len(metric.variables)
        if metric is model.psnr:
            own = metric.stateless_update_state(own, hr, sr)
        else:
            own = metric.stateless_update_state(own, values[metric.name])
        logs[metric.name] = metric.stateless_result(own)
        new.extend(own)
    return logs, new


def _content_features(gan, non_trainable):
    """The frozen content network as a function of the state's values (or ``None``)."""
    network = gan.content_model
    if network is None:
        return None
    own = _take(non_trainable, positions(gan.non_trainable_variables, network.non_trainable_variables))

    def features(x):
        return network.stateless_call([], own, x, training=False)[0]

    return features


def srgan_train_step(gan, state, data):
    trainable, non_trainable, g_opt, metric_values = state
    lr, hr = data[:2]
    hr = ops.cast(hr, "float32")
    gen, disc = gan.generator, gan.discriminator
    g_t = positions(gan.trainable_variables, gen.trainable_variables)
    d_t = positions(gan.trainable_variables, disc.trainable_variables)
    g_n = positions(gan.non_trainable_variables, gen.non_trainable_variables)
    d_n = positions(gan.non_trainable_variables, disc.non_trainable_variables)
    d_o = positions(gan.non_trainable_variables, gan.d_optimizer.variables)
    g_tv, d_tv = _take(trainable, g_t), _take(trainable, d_t)
    g_nv, d_nv, d_opt = _take(non_trainable, g_n), _take(non_trainable, d_n), _take(non_trainable, d_o)

    def generate(weights):
        sr, new_nv = gen.stateless_call(weights, g_nv, lr, training=True)
        return ops.cast(sr, "float32"), new_nv

    sr, generator_vjp, g_nv = jax.vjp(generate, g_tv, has_aux=True)

    # One D step on this batch (SR as a constant) ...
    def d_loss_fn(weights, nv):
        real, nv = disc.stateless_call(weights, nv, hr, training=True)
        fake, nv = disc.stateless_call(weights, nv, jax.lax.stop_gradient(sr), training=True)
        loss = gan.discriminator_loss(ops.cast(real, "float32"), ops.cast(fake, "float32"))
        return _scaled(gan.d_optimizer, d_opt, loss), (loss, nv)

    (_, (d_loss, d_nv)), d_grads = jax.value_and_grad(d_loss_fn, has_aux=True)(d_tv, d_nv)
    d_tv, d_opt = gan.d_optimizer.stateless_apply(d_opt, d_grads, d_tv)

    # ... then one G step against the updated D: d(loss)/d(SR), pulled back through G.
    features = _content_features(gan, non_trainable)

    def g_loss_fn(sr_):
        fake, nv = disc.stateless_call(d_tv, d_nv, sr_, training=True)
        total, content, adversarial, pixel = gan.generator_losses(hr, sr_, ops.cast(fake, "float32"),
                                                                   features=features)
        return _scaled(gan.optimizer, g_opt, total), (total, content, adversarial, pixel, nv)

    (_, (g_loss, content, adversarial, pixel, d_nv)), sr_grad = jax.value_and_grad(g_loss_fn, has_aux=True)(sr)
    (g_grads,) = generator_vjp(sr_grad)
    g_tv, g_opt = gan.optimizer.stateless_apply(g_opt, g_grads, g_tv)

    logs, metric_values = _update_metrics(gan, metric_values, hr, sr, {
        "d_loss": d_loss, "g_loss": g_loss, "content_loss": content, "adversarial_loss": adversarial,
        "pixel_loss": pixel})
    trainable = _put(_put(trainable, g_t, g_tv), d_t, d_tv)
    non_trainable = _put(_put(_put(non_trainable, g_n, g_nv), d_n, d_nv), d_o, d_opt)
    return logs, (trainable, non_trainable, g_opt, metric_values)


def srgan_test_step(gan, state, data):
    trainable, non_trainable, metric_values = state
    lr, hr = data[:2]
    mapping = list(zip(gan.trainable_variables, trainable)) + list(zip(gan.non_trainable_variables, non_trainable))
    with StatelessScope(state_mapping=mapping):
        losses, hr, sr = gan.evaluation_losses(lr, hr)
    logs, metric_values = _update_metrics(gan, metric_values, hr, sr, losses)
    return logs, (trainable, non_trainable, metric_values)


def multiscale_train_step(trainer, state, data):
    trainable, non_trainable, optimizer_values, metric_values = state
    lr, hr = data["lr"], data["hr"]
    view = trainer.views[batch_scale(lr, hr)]  # static shapes: one trace per scale
    v_t = positions(trainer.trainable_variables, view.trainable_variables)
    v_n = positions(trainer.non_trainable_variables, view.non_trainable_variables)
    o_t = positions(trainer.trainable_variables, trainer.model.trainable_variables)  # the optimizer's order

    def loss_fn(weights):
        sr, nv = view.stateless_call(weights, _take(non_trainable, v_n), lr, training=True)
        loss = trainer.sr_loss(hr, sr)
        return _scaled(trainer.optimizer, optimizer_values, loss), (loss, sr, nv)

    (_, (loss, sr, view_nv)), grads = jax.value_and_grad(loss_fn, has_aux=True)(_take(trainable, v_t))
    # Only this scale's variables get a gradient; the others (and their Adam slots) stay as they are.
    by_variable = dict(zip(v_t, grads))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Gradients do not exist")
        new, optimizer_values = trainer.optimizer.stateless_apply(
            optimizer_values, [by_variable.get(i) for i in o_t], _take(trainable, o_t))
    trainable = _put(trainable, o_t, new)
    non_trainable = _put(non_trainable, v_n, view_nv)
    logs, metric_values = _update_metrics(trainer, metric_values, hr, sr, {"loss": loss})
    return logs, (trainable, non_trainable, optimizer_values, metric_values)


def multiscale_test_step(trainer, state, data):
    trainable, non_trainable, metric_values = state
    lr, hr = data["lr"], data["hr"]
    view = trainer.views[batch_scale(lr, hr)]
    sr, _ = view.stateless_call(_take(trainable, positions(trainer.trainable_variables, view.trainable_variables)),
                                _take(non_trainable, positions(trainer.non_trainable_variables,
                                                               view.non_trainable_variables)),
                                lr, training=False)
    logs, metric_values = _update_metrics(trainer, metric_values, hr, sr, {"loss": trainer.sr_loss(hr, sr)})
    return logs, (trainable, non_trainable, metric_values)
