"""From a preset name to a model with its weights: name -> config -> weights -> built ``keras.Model``.

The checks of a name, a scale and weights are here once (:func:`resolve`): :func:`from_preset`,
``keras_sr.inference.load_model`` / ``load_predictor`` and the CLI's ``model_choice`` all call it,
each with its own spelling in messages (:data:`~keras_sr.presets.weights_rule.PYTHON`,
:data:`~keras_sr.presets.weights_rule.CLI`). The architecture is :func:`keras_sr.models.build`'s
(fresh weights); the shipped weights are :mod:`keras_sr.weights`' (its ``index.json``); which
weights a preset runs with is :mod:`~keras_sr.presets.weights_rule`'s.
"""

import os
import warnings

from keras_sr import models
from keras_sr import weights as shipped
from keras_sr.models.mdsr import scale_model
from keras_sr.presets.weights_rule import DEFAULT, PYTHON, UNTRAINED, preset_weights, warn_untrained
from keras_sr.utils.load_errors import keras_file_problem, keras_load_cause, weights_file_problem


def names_a_file(spec):
    """True when ``spec`` names a model file or folder (``.keras``, ``.h5``, a path) rather than a preset."""
    spec = os.fspath(spec)
    return spec.endswith((".keras", ".h5")) or os.sep in spec or os.path.isdir(spec)


def resolve(name, scale=None, weights=None, spelling=PYTHON, single_output=False):
    """Check preset ``name``, then ``scale``, then ``weights``, before anything is built.

    Args:
        name: a preset name (``keras_sr.models.list()``).
        scale: the factor; ``None`` for a one-scale preset (becomes its scale) or a
            multi-scale preset (MDSR: every output).
        weights: ``None``, ``"default"``, ``"none"`` or a path (:mod:`~keras_sr.presets.weights_rule`).
        spelling: how messages name the arguments (``PYTHON`` or ``CLI``).
        single_output: the caller needs one output: a multi-scale preset needs ``scale``.

    Returns:
        ``(scale, weights)``: the checked scale, and ``None`` (``bicubic``: no weights; a
        preset that is not an SR model without weights: fresh), ``"default"``, ``"none"``
        or a path (``str``).

    Raises:
        ValueError: unknown preset or unsupported scale (the registry's messages), a
            multi-scale preset without scale where one output is needed, weights for
            ``bicubic``, a preset without shipped weights and without ``weights``.
    """
    models.get_preset(name)  # unknown names: the registry's message
    scale = models.check_scale(name, scale)  # unsupported scales: said before anything about weights
    if scale is None and single_output and models.is_multi_scale(name):
        raise ValueError(f"model {name!r} needs {spelling.scale} (one of "
                         f"{', '.join(map(str, models.supported_scales(name)))})")
    if name == "bicubic":
        if weights not in (None, UNTRAINED, DEFAULT):  # MATLAB bicubic has no weights
            raise ValueError(f"model 'bicubic' has no weights; drop {spelling.weights.format(weights=weights)}")
        return scale, None
    if not models.supported_scales(name):  # not an SR model (e.g. the SRGAN discriminator)
        return scale, None if weights is None else os.fspath(weights)
    return scale, preset_weights(name, scale, weights, spelling)


def from_preset(name, scale=None, weights=None, **overrides):
    """Preset ``name`` for ``scale`` as a ``keras.Model`` with its weights (``keras_sr.from_preset``).

    Args:
        name: a preset (``keras_sr.models.list()``), e.g. ``"rt4ksr"``.
        scale: the factor; ``None`` for a one-scale preset, or a multi-scale preset (MDSR:
            the model with one output per scale).
        weights: not given or ``"default"``: the weights keras-sr ships for the preset and
            scale (builds the form they need, e.g. RT4KSR's deploy form; a preset without
            any is refused with a ``ValueError`` naming both ways out); a ``.weights.h5``
            file (a shipped one by path is the same as ``"default"``); a ``.keras`` file
            (the whole saved model, any file ``keras-sr train`` writes); ``"none"``: the
            preset untrained, said by an ``UntrainedModelWarning``.
        **overrides: builder options (``num_blocks=4``); with the shipped weights, only
            those the shipped file fits.

    Returns:
        A ``keras.Model`` (LR [0, 1] in, SR [0, 1] out).

    Raises:
        ValueError: see :func:`resolve`; weights that do not fit; overrides the shipped
            file was not trained with.
        FileNotFoundError: a missing weights file.
    """
    scale, weights = resolve(name, scale, weights)
    return build_resolved(name, scale, weights, overrides)


def build_resolved(name, scale, weights, overrides=None):
    """The model for what :func:`resolve` returned (``scale``, ``weights``), with builder ``overrides``."""
    overrides = dict(overrides or {})
    if weights == UNTRAINED:
        warn_untrained(name, scale)
        weights = None
    if weights is None:
        return models.build(name, scale=scale, **overrides)
    if weights == DEFAULT:
        return _shipped(name, scale, overrides)
    path = os.fspath(weights)
    if path.endswith(".keras"):
        if overrides:
            raise ValueError("builder options (--set) apply to preset builds, not to model files")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"weights file {path} not found")
        return load_keras_file(path)
    shipped_as = shipped.shipped_file(path)  # a shipped file by path: its entry's build options
    if shipped_as is not None:
        if shipped_as != (name, scale):
            raise ValueError(f"weights file {path} is keras-sr's shipped {shipped_as[0]} x{shipped_as[1]} "
                             f"file, not {name} x{scale}")
        return _shipped(name, scale, overrides)
    return load_weights(models.build(name, scale=scale, **overrides), path, what=f"model {name!r} x{scale}")


def _shipped(name, scale, overrides):
    """Preset ``name`` x``scale`` with the weights keras-sr ships (MDSR: one file for every scale)."""
    if scale is None and models.is_multi_scale(name):  # the whole multi-output model: any scale's entry
        scale_of_entry = min((s for n, s in shipped.shipped() if n == name), default=None)
    else:
        scale_of_entry = scale
    options = shipped_build_options(name, scale_of_entry, overrides)
    path = shipped.weights_path(name, scale_of_entry)
    if options.pop("multiscale", False):
        # one file for every scale (MDSR): load the multi-output model, return this scale's branch
        full = load_weights(models.build(name, scale=None, **options), path, what=f"model {name!r}")
        return full if scale is None else scale_model(full, scale, name=name.replace("-", "_") + f"_x{scale}")
    return load_weights(models.build(name, scale=scale, **options), path, what=f"model {name!r} x{scale}")


def shipped_build_options(name, scale, overrides):
    """Builder options for the shipped weights of ``name`` x``scale``: the entry's, checked against ``overrides``.

    Raises:
        ValueError: nothing shipped (the message lists what is); an override contradicts
            what the shipped file was trained with, or builds another model than the shipped
            one (its weights would load only in part).
    """
    options = shipped.entry(name, scale)["build"]
    preset = models.get_preset(name)["config"]
    for key, value in overrides.items():
        if key in options and options[key] != value:
            raise ValueError(f"the shipped {name} x{scale} weights need {key}={options[key]!r}, "
                             f"not {key}={value!r}")
        if key not in options and (key not in preset or preset[key] != value):
            # another model than the shipped one: its weights would load only in part, silently
            raise ValueError(f"the shipped {name} x{scale} weights fit the preset as shipped; {key}={value!r} "
                             "builds another model: pass weights=None (--weights none) or your own file")
    return {**options, **overrides}


def load_weights(model, path, what=None):
    """``model.load_weights(path)`` with a one-line error naming the file when it does not fit."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights file {path} not found")
    what = what or f"model {model.name!r}"
    problem = path.endswith(".h5") and weights_file_problem(path)
    if problem:  # not "another architecture": the file itself is broken
        raise ValueError(problem)
    try:
        with warnings.catch_warnings():
            # Keras 3 only warns for some mismatches (e.g. a different layer count): fail instead.
            warnings.filterwarnings("error", message=".*(mismatch|could not be loaded|Skipping).*")
            model.load_weights(path)
    except Exception as e:  # noqa: BLE001  (Keras raises ValueError, KeyError, OSError, ...)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        first = first.split(". ")[0]  # Keras' first sentence says what did not match
        raise ValueError(f"weights file {path} does not fit {what} (another architecture or scale?): "
                         f"{first}") from e
    return model


def load_keras_file(path):
    """A ``.keras`` file for inference: ``safe_mode=True``, ``compile=False``.

    Inference never needs what training compiled into a checkpoint (loss, optimizer
    state), so it is not restored; ``import keras_sr`` has registered every keras-sr class.
    """
    import keras

    problem = os.path.exists(path) and keras_file_problem(path)
    if problem:  # Keras would say "File not found" for a file that exists
        raise ValueError(problem)
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # noqa: BLE001  (Keras raises many types for a bad file)
        raise ValueError(f"cannot load model file {path}: {keras_load_cause(e)}") from e
