"""Moved to :mod:`keras_sr.inference` (``upscaling``, ``tiling``, ``borders``, ``image_files``,
``receptive_field``); this name stays so that existing imports keep working."""

from keras_sr.inference.borders import BORDER_MODES, DEFAULT_BORDER, border_mode, border_padding  # noqa: F401
from keras_sr.inference.image_files import output_path, read_for_upscale  # noqa: F401
from keras_sr.inference.receptive_field import model_receptive_field  # noqa: F401
from keras_sr.inference.tiling import super_resolve  # noqa: F401
from keras_sr.inference.upscaling import upscale  # noqa: F401
