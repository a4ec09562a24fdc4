"""Tiny zoo builds for the export tests (not a test module)."""

import inspect

from keras_sr import models
from keras_sr.models import registry

# Builder options that shrink a model; each preset gets those its builder accepts.
TINY_OPTIONS = {"num_blocks": 1, "filters": 8, "growth_rate": 4, "num_layers": 2,
                "num_dense_blocks": 1, "layers_per_block": 2, "num_features": 8, "features": 8,
                "num_residual_blocks": 1, "num_convs": 4, "bottleneck_filters": 8}


def sr_presets():
    """Every registered preset with scales (SR models; not e.g. a discriminator)."""
    return [n for n in models.list() if models.get_preset(n)["scales"]]


def tiny_overrides(name):
    builder = registry._ARCHITECTURES[models.get_preset(name)["arch"]]
    params = inspect.signature(builder).parameters
    return {k: v for k, v in TINY_OPTIONS.items() if k in params}


def build_tiny(name, scale=None):
    scale = scale or models.supported_scales(name)[-1]
    return models.build(name, scale=scale, **tiny_overrides(name)), scale
