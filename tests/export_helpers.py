"""Tiny zoo builds for the export tests (not a test module)."""

import inspect

from keras_sr import models
from keras_sr.models import registry

# Width options shrink to 8 (4 for growth rates); depth options to 1 block.
_WIDTHS = {"filters": 8, "num_feats": 8, "bottleneck_filters": 8, "growth_rate": 4}
_DEPTHS = {"num_blocks": 1}


def sr_presets():
    """Every registered preset with scales (SR models; not e.g. a discriminator)."""
    return [n for n in models.list() if models.get_preset(n)["scales"]]


def tiny_overrides(name):
    preset = models.get_preset(name)
    builder = registry._ARCHITECTURES[preset["arch"]]
    params = inspect.signature(builder).parameters
    out = {}
    for key, value in {**_WIDTHS, **_DEPTHS}.items():
        if key not in params:
            continue
        default = preset["config"].get(key, params[key].default)
        out[key] = tuple(value for _ in default) if isinstance(default, (tuple, list)) else value
    if preset["arch"] == "srdensenet":
        out["num_layers"] = 2  # layers per dense block (RED-Net's num_layers is its depth: kept)
    return out


def build_tiny(name, scale=None):
    scale = scale or models.supported_scales(name)[-1]
    return models.build(name, scale=scale, **tiny_overrides(name)), scale
