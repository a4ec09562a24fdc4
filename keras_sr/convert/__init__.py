"""Converters from other frameworks' checkpoints to keras-sr models (optional extras)."""

from keras_sr.convert.rt4ksr_torch import load_rt4ksr_torch, rt4ksr_from_state_dict

__all__ = ["load_rt4ksr_torch", "rt4ksr_from_state_dict"]
