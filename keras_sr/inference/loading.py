"""Load what a user names for inference: a ``keras.Model``, a preset name with its weights, a
``.keras`` file (any file keras-sr writes), ``"bicubic"`` or an exported SavedModel folder.

:func:`load_model` gives the single-output ``keras.Model``; :func:`load_predictor` the
:class:`~keras_sr.inference.Predictor` every image function runs.
"""

import os

from keras_sr import presets
from keras_sr.inference.model_info import infer_scale, input_multiple, output_scales, single_scale
from keras_sr.inference.predictor import Predictor, bicubic_predictor, keras_function
from keras_sr.inference.savedmodel import is_savedmodel, savedmodel_predictor
from keras_sr.presets import DEFAULT, UNTRAINED


def load_model(model, scale=None, weights=None, **overrides):
    """The ``keras.Model`` a user names, with its weights, for inference (single output).

    Args:
        model: a ``keras.Model``; a preset name; or a ``.keras`` file (any file keras-sr
            writes: training checkpoints of every recipe, ``.training.keras`` files).
        scale: required for presets with several scales; picks the output of a
            multi-scale model (MDSR); checked against the model's own factor by callers.
        weights: for a preset (:mod:`keras_sr.presets.weights_rule`): ``None`` or
            ``"default"``: the weights keras-sr ships (a preset without any is refused
            with a ``ValueError`` naming both ways out); a ``.weights.h5`` (a shipped one by
            path builds the form it needs) or a ``.keras`` file (the whole saved model is
            used); ``"none"``: untrained, said by an ``UntrainedModelWarning``. For a
            ``keras.Model``: a weights file loaded into it. Not allowed with a model file.
        **overrides: builder options for a preset build (``num_blocks=4``).

    Returns:
        ``(keras.Model, name)``.

    Raises:
        ValueError: unknown preset, unsupported or missing scale, a preset without shipped
            weights and without ``weights``, weights that do not fit.
        FileNotFoundError: a missing model or weights file.
    """
    import keras

    if overrides and not (isinstance(model, str) and not presets.names_a_file(model)):  # (.keras weights: presets says it)
        raise ValueError("builder options (--set) apply to preset builds, not to model files")
    if isinstance(model, keras.Model):
        if weights in (UNTRAINED, DEFAULT):
            raise ValueError(f"weights={weights!r} applies to a preset name; pass the model's weights file, "
                             "or no weights to keep the model's own")
        if weights is not None:
            presets.load_weights(model, weights)
        return single_scale(model, scale), model.name
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a keras.Model, a preset name or a .keras path, got {type(model)}")
    spec = os.fspath(model)
    if spec.endswith(".weights.h5"):
        raise ValueError(f"--model {spec} is a weights file: pass the preset it belongs to as the model "
                         f"and the file as weights (--model PRESET --weights {spec})")
    if presets.names_a_file(spec):
        if not os.path.exists(spec):
            raise FileNotFoundError(f"model file {spec} not found")
        if weights is not None:
            raise ValueError(f"weights apply to a preset, not to the model file {spec} (drop --weights)")
        return single_scale(presets.load_keras_file(spec), scale), os.path.basename(spec)
    scale, weights = presets.resolve(spec, scale, weights, single_output=True)  # the one check of all three
    return single_scale(presets.build_resolved(spec, scale, weights, overrides), scale), spec


def load_predictor(model, scale=None, weights=None):
    """A :class:`~keras_sr.inference.Predictor` for ``model``.

    Args:
        model: a ``keras.Model`` (LR [0, 1] -> SR [0, 1]); a preset name
            (``keras_sr.models.list()``), built for ``scale``; ``"bicubic"`` (numpy MATLAB
            imresize); the path of a ``.keras`` model file (any file keras-sr writes, loaded
            with ``compile=False``); or an exported SavedModel folder.
        scale: the upscaling factor; required for presets with several scales; picks the
            output of a model with one per scale (MDSR); checked against a given model's
            own factor.
        weights: a ``.weights.h5`` (``model.load_weights``) or ``.keras`` file (a whole
            saved model, used instead of a fresh build). For a preset, not given (or
            ``"default"``) means the weights keras-sr ships (:mod:`keras_sr.weights`); a
            preset without shipped weights is refused unless ``weights`` names a file, or
            ``"none"`` asks for it untrained (an ``UntrainedModelWarning`` says so).

    Raises:
        ValueError: unknown preset, unsupported scale (the registry's message), a preset
            without shipped weights and without ``weights``, weights of another
            architecture, a model whose factor is not ``scale``.
        FileNotFoundError: a missing model or weights file.
    """
    if isinstance(model, Predictor):
        return model
    if isinstance(model, (str, os.PathLike)) and is_savedmodel(os.fspath(model)):
        if weights is not None:
            raise ValueError(f"weights apply to a preset, not to the SavedModel {os.fspath(model)}")
        return savedmodel_predictor(os.fspath(model), scale)
    if isinstance(model, str) and model == "bicubic":
        scale, _ = presets.resolve(model, scale, weights)
        return bicubic_predictor(scale)
    model, name = load_model(model, scale, weights)
    output_scales(model)  # not an SR model (e.g. a discriminator): say so
    if len(model.outputs) != 1:
        raise ValueError(f"model {model.name!r} has {len(model.outputs)} outputs; pass a single-scale "
                         "model (e.g. a preset built with scale=)")
    channels = int(model.input_shape[-1])
    multiple = input_multiple(model)
    measured = infer_scale(model, channels, multiple)
    if scale is not None and int(scale) != measured:
        raise ValueError(f"model {name!r} upscales x{measured}, not x{scale}")
    return Predictor(keras_function(model), name, measured, channels, multiple, model=model)
