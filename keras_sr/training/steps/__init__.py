"""The custom training steps (SRGAN, MDSR) per Keras backend, written the way Keras 3
supports each one (keras.io "Customizing what happens in fit()" for TensorFlow, JAX and
PyTorch):

* :mod:`~keras_sr.training.steps.tensorflow_steps`: ``tf.GradientTape`` (and the
  ``tf.distribute`` strategies of :mod:`keras_sr.training.multiworker`);
* :mod:`~keras_sr.training.steps.jax_steps`: stateless — ``stateless_call`` of each
  network, ``jax.value_and_grad`` / ``jax.vjp``, ``optimizer.stateless_apply``, metrics by
  ``stateless_update_state``; the step receives and returns Keras' state tuple;
* :mod:`~keras_sr.training.steps.torch_steps`: torch autograd (``loss.backward()``, the
  variables' ``.grad``, ``optimizer.apply`` under ``torch.no_grad()``).

The losses themselves are written once, with ``keras.ops``, in the models
(:class:`~keras_sr.training.srgan.SRGAN`, :class:`~keras_sr.training.multiscale.MultiScaleTrainer`);
these modules only differ in how gradients are taken and applied.
"""

import importlib

import keras

_MODULES = {"tensorflow": "tensorflow_steps", "jax": "jax_steps", "torch": "torch_steps"}


def for_backend(backend=None):
    """The step module of ``backend`` (default: Keras' current one)."""
    backend = backend or keras.backend.backend()
    if backend not in _MODULES:
        raise ValueError(f"keras-sr's custom training steps run on TensorFlow, JAX and PyTorch, not on the "
                         f"{backend!r} backend (set KERAS_BACKEND or --backend)")
    return importlib.import_module(f"keras_sr.training.steps.{_MODULES[backend]}")


def positions(variables, subset):
    """Index in ``variables`` of each variable of ``subset`` (the same Python objects)."""
    index = {id(v): i for i, v in enumerate(variables)}
    return [index[id(v)] for v in subset]


def batch_scale(lr, hr):
    """The SR scale of a batch from its static shapes (HR side / LR side)."""
    scale, rest = divmod(int(hr.shape[1]), int(lr.shape[1]))
    if rest:
        raise ValueError(f"HR batch side {hr.shape[1]} is not a multiple of the LR side {lr.shape[1]}")
    return scale
