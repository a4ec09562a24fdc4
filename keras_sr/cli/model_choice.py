"""Which model and weights a verb runs: one rule for ``eval``, ``upscale`` and ``export``.

* a model file (``.keras`` of any kind keras-sr writes, or an exported SavedModel folder)
  runs with its own weights; ``--weights`` is refused beside it;
* a preset runs with ``--weights FILE`` (``.weights.h5``, a shipped one by path included, or
  a ``.keras`` checkpoint), else with the weights keras-sr ships where there are some
  (``--weights default``), else it is refused with a line naming ``--weights FILE`` and
  ``--weights none``;
* ``--weights none`` runs the preset untrained, and the verb says so in its output;
* an unsupported ``--scale`` is reported before anything about weights.

The checks of a preset, its scale and its weights are the Python API's (:func:`keras_sr.presets.resolve`:
``from_preset``, ``load_model``, ``load_predictor``, ``evaluate`` and ``upscale`` run it too), with the
CLI's spelling.
"""

import dataclasses
import os

from keras_sr import presets
from keras_sr import weights as shipped


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


def choose(model, scale=None, weights=None, default_model=None, default_scale=None):
    """The :class:`Choice` for a verb's ``--model``, ``--scale`` and ``--weights``.

    ``default_model`` / ``default_scale``: what runs without ``--model`` (upscale's shipped
    edsr-baseline-real x2 for images, RT4KSR x2 for clips). Without ``--model``, a shipped ``.weights.h5`` names its own preset and scale
    and a ``.keras`` file is the model.

    Raises:
        ValueError: unknown preset, unsupported scale, ``--weights`` beside a model file, a
            preset without shipped weights and without ``--weights``.
    """
    if model is None and weights is not None and os.fspath(weights).endswith(".keras"):
        return Choice(os.fspath(weights), scale)  # a checkpoint alone: it is the model
    if model is None:
        own = shipped.shipped_file(weights) if weights not in (None, "none", "default") else None
        model, scale = (own if own and scale in (None, own[1]) else
                        (default_model, default_scale if scale is None else scale))
        if model is None:
            raise ValueError("--model is required")
    model = os.fspath(model)
    if presets.names_a_file(model):
        if weights is not None:
            raise ValueError(f"--weights applies to a preset; {model} is a model file with its own weights "
                             "(drop --weights)")
        return Choice(model, scale)
    scale, weights = presets.resolve(model, scale, weights, presets.CLI, single_output=True)
    return Choice(model, scale, weights, untrained=weights == presets.UNTRAINED)
