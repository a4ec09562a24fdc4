"""Moved to :mod:`keras_sr.evaluation.samples`; this name stays so that existing imports keep working."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("keras_sr.evaluation.samples")
