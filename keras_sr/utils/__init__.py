"""Small utilities shared by keras-sr tools (benchmarks, notebooks, export)."""

from keras_sr.utils.macs import count_macs, macs_by_layer

__all__ = ["count_macs", "macs_by_layer"]
