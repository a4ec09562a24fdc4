"""The keras-sr model zoo. ``build(name, scale=...)`` is the one way in; ``list()`` names the presets."""

from keras_sr.models import (  # noqa: F401  (importing registers each architecture)
    bicubic, edsr, mdsr, rednet, rt4ksr, srcnn, srdensenet, srresnet)
from keras_sr.models.registry import (build, check_scale, get_preset, is_multi_scale, list_presets,
                                      supported_scales)

list = list_presets  # noqa: A001  (keras_sr.models.list(), as the registry API promises)

__all__ = ["build", "check_scale", "get_preset", "is_multi_scale", "list", "list_presets", "supported_scales"]
