"""Moved to :mod:`keras_sr.inference` (``upscaling``, ``tiling``, ``borders``, ``image_files``,
``receptive_field``); this name stays so that existing imports keep working."""

from keras_sr.inference.borders import BORDER_MODES, DEFAULT_BORDER, border_mode, border_padding
from keras_sr.inference.image_files import output_path, read_for_upscale
from keras_sr.inference.receptive_field import model_receptive_field
from keras_sr.inference.tiling import super_resolve
from keras_sr.inference.upscaling import upscale

__all__ = ["BORDER_MODES", "DEFAULT_BORDER", "border_mode", "border_padding", "model_receptive_field", "output_path",
           "read_for_upscale", "super_resolve", "upscale"]
