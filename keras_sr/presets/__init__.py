"""One way from a preset name to a model with its weights, like keras-hub's ``from_preset``.

    import keras_sr
    model = keras_sr.from_preset("rt4ksr", scale=2)                    # the weights keras-sr ships
    model = keras_sr.from_preset("edsr-baseline", scale=2, weights="run/checkpoints/best.keras")
    model = keras_sr.models.build("edsr-baseline", scale=2)             # the architecture, untrained

* :mod:`~keras_sr.presets.build`: :func:`from_preset`; :func:`resolve`, the name / scale / weights
  checks every caller runs (``keras_sr.inference``, the CLI); :func:`load_weights`;
* :mod:`~keras_sr.presets.weights_rule`: which weights a preset runs with (shipped, a file, or
  ``"none"``: untrained, said out loud), one rule for the API and the CLI.

Layers: ``keras_sr.models`` (architectures) and ``keras_sr.weights`` (the shipped files and their
index) sit below this package; ``keras_sr.inference`` and ``keras_sr.cli`` above it.
"""

import importlib

from keras_sr.presets.weights_rule import CLI, DEFAULT, PYTHON, UNTRAINED, UntrainedModelWarning

# build.py imports the architectures (Keras): loaded on first use, so the command line can check its
# arguments (which need only the names below and weights_rule) before Keras and TensorFlow load.
_BUILD = ("build_resolved", "from_preset", "load_keras_file", "load_weights", "names_a_file", "resolve",
          "shipped_build_options")


def __getattr__(name):
    if name in _BUILD or name == "build":
        module = importlib.import_module("keras_sr.presets.build")
        return module if name == "build" else getattr(module, name)
    raise AttributeError(f"module 'keras_sr.presets' has no attribute {name!r}")

__all__ = ["CLI", "DEFAULT", "PYTHON", "UNTRAINED", "UntrainedModelWarning", "build_resolved", "from_preset",
           "load_keras_file", "load_weights", "names_a_file", "resolve", "shipped_build_options"]
