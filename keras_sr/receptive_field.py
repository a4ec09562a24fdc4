"""Moved to :mod:`keras_sr.inference.receptive_field`; this name stays so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("keras_sr.inference.receptive_field")
