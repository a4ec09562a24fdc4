"""Which model and weights a verb runs: one rule for ``eval``, ``upscale`` and ``export``.

* a model file (``.keras`` of any kind keras-sr writes, or an exported SavedModel folder)
  runs with its own weights; ``--weights`` is refused beside it;
* a preset runs with ``--weights FILE`` (``.weights.h5``, a shipped one by path included, or
  a ``.keras`` checkpoint), else with the weights keras-sr ships where there are some
  (``--weights default``), else it is refused with a line naming ``--weights FILE`` and
  ``--weights none``;
* ``--weights none`` runs the preset untrained, and the verb says so in its output;
* an unsupported ``--scale`` is reported before anything about weights.

The rule for presets is the Python API's (:mod:`keras_sr.inference.preset_weights`: ``load_model``,
``load_predictor``, ``evaluate`` and ``upscale`` follow it too), with the CLI's spelling.
"""

import dataclasses
import os

from keras_sr.inference.preset_weights import CLI, UNTRAINED, preset_weights


@dataclasses.dataclass
class Choice:
    """What to load: ``model`` (preset or path), ``scale`` (None: the model's own),
    ``weights`` (what ``load_model`` / ``load_predictor`` take: None for a model file or
    ``bicubic``, ``"default"``, a path, or ``"none"``) and whether it is ``untrained``."""

    model: str
    scale: object = None
    weights: object = None
    untrained: bool = False

    @property
    def note(self):
        """Text a verb appends to what it reports ("" for trained models)."""
        return "untrained: random weights (--weights none)" if self.untrained else ""


def is_model_file(spec):
    """True when ``spec`` names a file or folder rather than a preset."""
    return spec.endswith(".keras") or spec.endswith(".h5") or os.sep in spec or os.path.isdir(spec)


def choose(model, scale=None, weights=None, default_model=None, default_scale=None):
    """The :class:`Choice` for a verb's ``--model``, ``--scale`` and ``--weights``.

    ``default_model`` / ``default_scale``: what runs without ``--model`` (upscale's shipped
    RT4KSR x2). Without ``--model``, a shipped ``.weights.h5`` names its own preset and scale
    and a ``.keras`` file is the model.

    Raises:
        ValueError: unknown preset, unsupported scale, ``--weights`` beside a model file, a
            preset without shipped weights and without ``--weights``.
    """
    from keras_sr import models
    from keras_sr import weights as shipped

    if model is None and weights is not None and os.fspath(weights).endswith(".keras"):
        return Choice(os.fspath(weights), scale)  # a checkpoint alone: it is the model
    if model is None:
        own = shipped.shipped_file(weights) if weights not in (None, "none", "default") else None
        model, scale = (own if own and scale in (None, own[1]) else
                        (default_model, default_scale if scale is None else scale))
        if model is None:
            raise ValueError("--model is required")
    model = os.fspath(model)
    if is_model_file(model):
        if weights is not None:
            raise ValueError(f"--weights applies to a preset; {model} is a model file with its own weights "
                             "(drop --weights)")
        return Choice(model, scale)
    models.get_preset(model)  # unknown names: the registry's message
    scale = models.check_scale(model, scale)  # unsupported scales: said first
    if scale is None and models.is_multi_scale(model):
        raise ValueError(f"model {model!r} needs --scale (one of "
                         f"{', '.join(map(str, models.supported_scales(model)))})")
    if model == "bicubic":
        if weights not in (None, "none", "default"):
            raise ValueError("model 'bicubic' has no weights; drop --weights")
        return Choice(model, scale)
    weights = preset_weights(model, scale, weights, CLI)  # the Python API's rule, in the CLI's words
    return Choice(model, scale, weights, untrained=weights == UNTRAINED)
