"""Small utilities shared by keras-sr tools (benchmarks, notebooks, export).

Loaded on first use (``count_macs`` imports Keras): ``atomic``, ``progress`` and ``shards`` stay
light, so the command line checks its arguments before Keras and TensorFlow load.
"""

import importlib

_FUNCTIONS = {"count_macs": "macs", "macs_by_layer": "macs"}

__all__ = ["count_macs", "macs_by_layer"]


def __getattr__(name):
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"keras_sr.utils.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'keras_sr.utils' has no attribute {name!r}")
