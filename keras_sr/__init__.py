"""keras-sr: single-image super-resolution models for Keras 3.

    import keras_sr
    model = keras_sr.from_preset("rt4ksr", scale=2)           # LR [0, 1] -> SR [0, 1], shipped weights
    model = keras_sr.models.build("edsr-baseline", scale=2)   # the architecture, untrained

``import keras_sr`` registers every serializable keras-sr class (layers, losses, metrics,
``SRGAN``, ``MultiScaleTrainer``), so any file keras-sr writes opens with
``keras.saving.load_model(path, safe_mode=True)``; the other submodules load on first use.
"""

import importlib

from keras_sr import _registration

__version__ = "0.1.0"

_SUBMODULES = ("convert", "data", "evaluation", "export", "inference", "layers", "models", "presets", "training",
               "utils", "weights")
# Top-level functions: keras_sr.from_preset(name, scale, weights), keras_sr.upscale(model, image, ...),
# keras_sr.evaluate(model, dirs, scale)
_FUNCTIONS = {"from_preset": "presets", "upscale": "inference", "evaluate": "evaluation"}

_registration.backend_from_argv()  # keras-sr train --backend NAME: KERAS_BACKEND before anything imports Keras
if not _registration.started_as_cli():
    _registration.register_all()
# The keras-sr command registers (imports Keras and TensorFlow) in keras_sr.cli.main, after it
# has checked its arguments: a bad argument fails in well under a second.


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"keras_sr.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"keras_sr.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'keras_sr' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_FUNCTIONS))
