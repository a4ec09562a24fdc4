"""The architecture registry: ``build(name, scale=...)`` is the one way to build an architecture.

Each architecture module registers its builder function and its presets. A preset is
data: the architecture it uses, the scales it supports, the builder arguments, and
where it comes from::

    "edsr-baseline": {"arch": "edsr", "scales": (2, 3, 4),
                      "config": {"num_blocks": 16, "filters": 64, "res_scale": 1.0},
                      "description": "...", "reference": "..."}
"""

import copy
import inspect

_ARCHITECTURES = {}
_PRESETS = {}


def register(arch, builder, presets):
    """Register ``builder`` as architecture ``arch`` with its ``presets`` (a dict of dicts)."""
    if arch in _ARCHITECTURES and _ARCHITECTURES[arch] is not builder:
        raise ValueError(f"architecture {arch!r} is already registered")
    _ARCHITECTURES[arch] = builder
    for name, preset in presets.items():
        if preset["arch"] != arch:
            raise ValueError(f"preset {name!r} names arch {preset['arch']!r}, not {arch!r}")
        if name in _PRESETS and _PRESETS[name] is not preset:
            raise ValueError(f"preset {name!r} is already registered")
        _PRESETS[name] = preset


def list_presets():
    """Names of every registered preset, sorted."""
    return sorted(_PRESETS)


def get_preset(name):
    """A copy of preset ``name`` (raises ``ValueError`` naming the known presets)."""
    if name not in _PRESETS:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(list_presets())}")
    return copy.deepcopy(_PRESETS[name])


def supported_scales(name, **overrides):
    """The scales preset ``name`` can be built for (after ``overrides`` such as ``scales=``)."""
    preset = get_preset(name)
    return tuple(overrides.get("scales", preset["scales"]))


def is_multi_scale(name):
    """True when ``build(name)`` without a scale gives one model with an output per scale (MDSR)."""
    return "scales" in inspect.signature(_ARCHITECTURES[get_preset(name)["arch"]]).parameters


def check_scale(name, scale, **overrides):
    """The scale ``build(name, scale)`` would use; ``ValueError`` (naming the supported scales)
    when ``name`` does not support ``scale``.

    ``None`` stays ``None`` for a multi-scale preset (MDSR: one output per scale) and for
    a preset with no scale (not an SR model); it becomes the only scale of a one-scale
    preset.
    """
    params = inspect.signature(_ARCHITECTURES[get_preset(name)["arch"]]).parameters
    if "scale" not in params:
        return scale
    scales = supported_scales(name, **overrides)
    if scale is None and "scales" not in params:
        if len(scales) != 1:
            raise ValueError(f"model {name!r} needs scale=, one of {', '.join(map(str, scales))}")
        scale = scales[0]
    if scale is not None and scale not in scales:
        raise ValueError(f"model {name!r} does not support scale {scale!r}; "
                         f"supported: {', '.join(map(str, scales))}")
    return scale


def build(name, scale=None, **overrides):
    """Build preset ``name`` for ``scale`` as a functional ``keras.Model``, freshly initialised.

    The architecture only: a preset with its trained weights (shipped, or a file) is
    :func:`keras_sr.presets.from_preset` (``keras_sr.from_preset``).

    Args:
        name: a preset from :func:`list_presets` (e.g. ``"edsr-baseline"``).
        scale: the upscaling factor. Required unless the preset supports one scale
            only, or is multi-scale (MDSR), where ``None`` gives the model with one
            output per scale. Must be ``None`` for a preset with no scales (a model
            that is not an SR network, e.g. ``"srgan-discriminator"``).
        **overrides: builder arguments that replace the preset's (e.g. ``num_blocks=4``).

    Returns:
        A ``keras.Model``: LR image (B, H, W, C) in, SR image (B, H·scale, W·scale, C)
        out, both in [0, 1] unless the preset says otherwise.
    """
    if "weights" in overrides:  # moved in 0.2: said, rather than "no option 'weights'"
        raise TypeError(f"models.build builds {name!r} untrained; for weights use "
                        f"keras_sr.from_preset({name!r}, scale=..., weights=...)")
    preset = get_preset(name)
    builder = _ARCHITECTURES[preset["arch"]]
    params = inspect.signature(builder).parameters
    unknown = sorted(set(overrides) - set(params) - {"scale", "name"})
    if unknown:
        allowed = sorted(p for p in params if p not in ("scale", "name"))
        raise ValueError(f"model {name!r} has no option {', '.join(map(repr, unknown))}; "
                         f"options: {', '.join(allowed)}")
    kwargs = {**preset["config"], **overrides}
    if "scale" not in params:  # not an SR model (e.g. the SRGAN discriminator)
        if scale is not None:
            raise ValueError(f"model {name!r} takes no scale (it is not a super-resolution model)")
        return builder(name=name.replace("-", "_"), **kwargs)
    scales = supported_scales(name, **overrides)
    multi = "scales" in params
    scale = check_scale(name, scale, **overrides)
    if multi:
        kwargs.setdefault("scales", scales)
    model_name = name.replace("-", "_") + ("" if scale is None else f"_x{scale}")
    return builder(scale=scale, name=model_name, **kwargs)
