"""Which weights a preset runs with: one rule for the Python API and every ``keras-sr`` verb.

* a file (``.weights.h5``, a shipped one by path included, or a ``.keras`` checkpoint): that file;
* not given, or ``"default"``: the weights keras-sr ships for the preset and scale
  (:mod:`keras_sr.weights`); without any, not given is refused with one line naming both ways
  out (a file, or the untrained opt-in) rather than run untrained;
* ``"none"`` (:data:`UNTRAINED`): the preset untrained, said out loud (an
  :class:`UntrainedModelWarning` in Python; the verbs say it in their output).

The message names the caller's own spelling (:data:`PYTHON`: ``weights="PATH"`` /
``weights="none"``; :data:`CLI`: ``--weights FILE`` / ``--weights none``).
"""

import dataclasses
import os
import sys
import warnings

DEFAULT = "default"
UNTRAINED = "none"


class UntrainedModelWarning(UserWarning):
    """A preset runs with random weights (``weights="none"``): its output is not super-resolution."""


@dataclasses.dataclass(frozen=True)
class Spelling:
    """How a caller names the model, a weights file, the untrained opt-in, the scale and the weights
    argument in messages."""

    model: str  # formatted with name and scale
    file: str
    untrained: str
    scale: str = "scale="
    weights: str = "weights={weights!r}"  # formatted with weights


PYTHON = Spelling("preset {name!r} x{scale}",
                  'weights="PATH" (a .weights.h5 or .keras file, e.g. RUN/checkpoints/best.keras from keras-sr train)',
                  'weights="none"')
CLI = Spelling("--model {name} x{scale}", "--weights FILE (e.g. RUN/checkpoints/best.keras from keras-sr train)",
               "--weights none", "--scale", "--weights")


def preset_weights(name, scale, weights=None, spelling=PYTHON):
    """The weights preset ``name`` x``scale`` runs with (see the module docstring).

    Args:
        name: a preset name (already checked against the registry).
        scale: its checked scale (``None`` only for presets without one, or a multi-scale
            preset's model with every output).
        weights: ``None``, ``"default"``, ``"none"`` or a path.
        spelling: :data:`PYTHON` or :data:`CLI`, for the refusal's message.

    Returns:
        ``"default"`` (the shipped weights; without any, :func:`keras_sr.presets.from_preset`
        says what is shipped), a path (``str``), or ``"none"`` (untrained).

    Raises:
        ValueError: ``weights`` not given and nothing shipped for ``name`` x``scale``.
    """
    from keras_sr import weights as shipped

    if weights == UNTRAINED:
        return UNTRAINED
    if weights is not None and weights != DEFAULT:
        return os.fspath(weights)
    if weights == DEFAULT or (name, scale) in shipped.SHIPPED or (
            scale is None and any(n == name for n, _ in shipped.SHIPPED)):  # MDSR: every scale
        return DEFAULT
    have = ", ".join(f"{n} x{s}" for n, s in shipped.shipped()) or "none yet"
    raise ValueError(f"{spelling.model.format(name=name, scale=scale)} has no shipped weights (shipped: {have}); "
                     f"pass {spelling.file}, or {spelling.untrained} to run it untrained")


def warn_untrained(name, scale):
    """Say that preset ``name`` x``scale`` runs untrained (an :class:`UntrainedModelWarning` pointing
    at the caller's line outside keras-sr)."""
    warnings.warn(f"{name} x{scale} is untrained (weights=\"none\"): random weights, its output is not "
                  "super-resolution", UntrainedModelWarning, stacklevel=_outside_keras_sr())


def _outside_keras_sr():
    """The ``stacklevel`` of the first frame outside the keras_sr package (seen from the caller of
    :func:`warnings.warn`), so the warning names the user's line, however deep the call came from."""
    level, frame = 1, sys._getframe(2)  # frame 0: here; 1: warn_untrained; 2: who called it
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "keras_sr":
        frame, level = frame.f_back, level + 1
    return level + 1
