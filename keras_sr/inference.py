"""One way to run any SR model on a numpy image: presets, ``.keras`` files, weights, ``bicubic``,
exported SavedModel folders.

:func:`load_predictor` turns what a user names (a ``keras.Model``, a preset name with
optional weights, a ``.keras`` file, or ``"bicubic"``) into a :class:`Predictor`: a
function from one LR image (h, w, C) float32 in [0, 1] to its SR image (h·s, w·s, C),
that knows the model's scale, its channels (3 = RGB, 1 = MATLAB Y) and the multiple its
input sizes must have (RT4KSR pixel-unshuffles by 2: other sizes are padded by edge
replication and the output cropped, so any size works).

``bicubic`` is MATLAB ``imresize`` in numpy (:func:`keras_sr.data.matlab_imresize`), the
benchmark baseline, not the in-graph layer.
"""

import os

import numpy as np

WEIGHTS_SUFFIXES = (".weights.h5", ".keras")


class Predictor:
    """An SR function on single images with what callers need to know about it.

    Attributes:
        name: what to call it in tables and captions.
        scale: the upscaling factor.
        channels: 3 (RGB) or 1 (MATLAB Y / 255).
        multiple: input height and width must be multiples of this (handled by
            :meth:`__call__` by edge padding and cropping).
        model: the ``keras.Model`` (``None`` for bicubic).
    """

    def __init__(self, fn, name, scale, channels, multiple=1, model=None):
        self.fn, self.name, self.scale = fn, name, int(scale)
        self.channels, self.multiple, self.model = int(channels), int(multiple), model

    def __call__(self, lr):
        """(h, w, C) float in [0, 1] -> (h·s, w·s, C) float32 (not clipped)."""
        lr = np.asarray(lr, np.float32)
        if lr.ndim != 3 or lr.shape[-1] != self.channels:
            raise ValueError(f"{self.name} takes (H, W, {self.channels}) images, got shape {lr.shape}")
        h, w = lr.shape[:2]
        m = self.multiple
        ph, pw = -h % m, -w % m
        if ph or pw:
            lr = np.pad(lr, ((0, ph), (0, pw), (0, 0)), mode="edge")
        sr = np.asarray(self.fn(lr), np.float32)
        return sr[: h * self.scale, : w * self.scale]


def _keras_fn(model):
    def run(lr):
        out = model(lr[None], training=False)
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(f"model {model.name!r} has several outputs; pass a single-scale model "
                             "(e.g. keras_sr.models.mdsr.scale_model)")
        return np.asarray(out)[0]
    return run


def input_multiple(model):
    """The multiple of the input size a model needs: the product of its pixel-unshuffle factors."""
    from keras_sr.layers import PixelUnshuffle

    multiple = 1
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, PixelUnshuffle):
            multiple *= layer.block_size
    return multiple


def infer_scale(model, channels, multiple=1):
    """The upscaling factor of a ``keras.Model``, measured on a small input."""
    n = 8 * multiple
    out = model(np.zeros((1, n, n, channels), np.float32), training=False)
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(f"model {model.name!r} has several outputs; pass a single-scale model")
    h = int(out.shape[1])
    if h % n:
        raise ValueError(f"model {model.name!r} maps {n} px to {h} px: not an integer SR scale")
    return h // n


def bicubic_predictor(scale, channels=3):
    """MATLAB bicubic upscaling (numpy, float) as a :class:`Predictor`."""
    from keras_sr.data import matlab_imresize

    def run(lr):
        return matlab_imresize(lr.astype(np.float64), float(scale)).astype(np.float32)

    return Predictor(run, "bicubic", scale, channels)


def _load_keras_file(path):
    """A ``.keras`` file for inference: ``safe_mode=True``, ``compile=False``.

    Inference never needs what training compiled into a checkpoint (loss, optimizer
    state), so it is not restored; ``import keras_sr`` has registered every keras-sr class.
    """
    import keras

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # noqa: BLE001  (Keras raises many types for a bad file)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"cannot load model file {path}: {first}") from e


def output_scales(model):
    """The upscaling factor of each output of a ``keras.Model`` (one per output, in order)."""
    channels = int(model.input_shape[-1])
    n = 8 * input_multiple(model)
    try:
        shapes = model.compute_output_shape((1, n, n, channels))
    except Exception:  # noqa: BLE001  (some layers cannot say: run the model instead)
        shapes = None
    try:
        if shapes is None:
            out = model(np.zeros((1, n, n, channels), np.float32), training=False)
            shapes = [tuple(o.shape) for o in (out if isinstance(out, (list, tuple)) else [out])]
    except Exception as e:  # noqa: BLE001  (e.g. a fixed-size discriminator input)
        raise ValueError(f"model {model.name!r} is not a super-resolution model (it does not take an "
                         f"{n}x{n} image: {str(e).strip().splitlines()[0] if str(e).strip() else e!r})") from e
    if isinstance(shapes, dict):
        shapes = list(shapes.values())
    elif not isinstance(shapes, (list, tuple)) or (shapes and isinstance(shapes[0], int | type(None))):
        shapes = [shapes]  # one output: a single shape tuple
    scales = []
    for shape in shapes:
        if len(shape) != 4 or shape[1] is None or shape[1] % n:
            raise ValueError(f"model {model.name!r} is not a super-resolution model (an {n}x{n} input "
                             f"gives output shape {tuple(shape)})")
        scales.append(int(shape[1]) // n)
    return scales


def single_scale(model, scale=None):
    """``model`` itself, or for a model with an output per scale (MDSR) the view of output ``scale``.

    Raises:
        ValueError: a multi-output model without ``scale``, or without an output for it.
    """
    import keras

    if len(model.outputs) == 1:
        return model
    scales = output_scales(model)
    listed = ", ".join(map(str, scales))
    if scale is None:
        raise ValueError(f"model {model.name!r} has an output per scale ({listed}); pass the scale "
                         "(--scale)")
    if int(scale) not in scales:
        raise ValueError(f"model {model.name!r} has no x{scale} output (its scales: {listed})")
    return keras.Model(model.inputs, model.outputs[scales.index(int(scale))], name=f"{model.name}_x{scale}")


def is_savedmodel(path):
    """True for a TensorFlow SavedModel folder (``keras-sr export --formats savedmodel``)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "saved_model.pb"))


def savedmodel_predictor(path, scale=None):
    """A :class:`Predictor` running an exported SavedModel folder (its ``serve`` signature).

    Keras 3 cannot ``load_model`` a SavedModel, so it runs through
    ``tf.saved_model.load``. A fixed-shape export takes only LR images of its size.
    """
    import tensorflow as tf

    try:
        loaded = tf.saved_model.load(path)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"cannot load SavedModel {path}: {str(e).strip().splitlines()[0]}") from e
    signatures = loaded.signatures
    fn = signatures.get("serve") or signatures.get("serving_default")
    if fn is None:
        raise ValueError(f"SavedModel {path} has no 'serve' signature")
    (key, spec), = fn.structured_input_signature[1].items()
    _, h, w, channels = spec.shape

    def run(lr):
        if (h is not None and lr.shape[0] != h) or (w is not None and lr.shape[1] != w):
            raise ValueError(f"SavedModel {path} is a fixed-shape export for {w}x{h} LR images, not "
                             f"{lr.shape[1]}x{lr.shape[0]}: export with --dynamic, or pass the .keras file")
        out = fn(**{key: tf.constant(lr[None], tf.float32)})
        return np.asarray(next(iter(out.values())))[0]

    probe = (h or 16, w or 16)
    measured = int(run(np.zeros((*probe, channels), np.float32)).shape[0]) // probe[0]
    if scale is not None and int(scale) != measured:
        raise ValueError(f"SavedModel {path} upscales x{measured}, not x{scale}")
    multiple = 1
    if h is None:  # dynamic: the multiple its sizes need (RT4KSR's pixel-unshuffle: 2)
        for size, m in ((9, 1), (10, 2)):
            try:
                run(np.zeros((size, size, channels), np.float32))
                break
            except Exception:  # noqa: BLE001  (the graph rejects the size)
                multiple = 2 * m
    return Predictor(run, os.path.basename(os.path.normpath(path)), measured, channels, multiple)


def load_model(model, scale=None, weights=None, **overrides):
    """The ``keras.Model`` a user names, with its weights, for inference (single output).

    Args:
        model: a ``keras.Model``; a preset name; or a ``.keras`` file (any file keras-sr
            writes: training checkpoints of every recipe, ``.training.keras`` files).
        scale: required for presets with several scales; picks the output of a
            multi-scale model (MDSR); checked against the model's own factor by callers.
        weights: for a preset: ``None`` (fresh, untrained), ``"default"`` (shipped), a
            ``.weights.h5`` (a shipped one by path builds the form it needs) or a
            ``.keras`` file (the whole saved model is used); for a ``keras.Model``: a
            weights file loaded into it. Not allowed with a model file.
        **overrides: builder options for a preset build (``num_blocks=4``).

    Returns:
        ``(keras.Model, name)``.
    """
    import keras

    if overrides and not (isinstance(model, str) and not _names_a_file(model)
                          and not os.fspath(weights or "").endswith(".keras")):
        raise ValueError("builder options (--set) apply to preset builds, not to model files")
    if isinstance(model, keras.Model):
        if weights is not None:
            load_weights(model, weights)
        return single_scale(model, scale), model.name
    if not isinstance(model, (str, os.PathLike)):
        raise TypeError(f"model must be a keras.Model, a preset name or a .keras path, got {type(model)}")
    spec = os.fspath(model)
    if spec.endswith(".weights.h5"):
        raise ValueError(f"--model {spec} is a weights file: pass the preset it belongs to as the model "
                         f"and the file as weights (--model PRESET --weights {spec})")
    if _names_a_file(spec):
        if not os.path.exists(spec):
            raise FileNotFoundError(f"model file {spec} not found")
        if weights is not None:
            raise ValueError(f"weights apply to a preset, not to the model file {spec} (drop --weights)")
        return single_scale(_load_keras_file(spec), scale), os.path.basename(spec)
    from keras_sr import models

    models.get_preset(spec)  # unknown names: the registry's message
    scale = models.check_scale(spec, scale)  # unsupported scales: the registry's message
    if weights is not None and os.fspath(weights).endswith(".keras"):
        if not os.path.isfile(weights):
            raise FileNotFoundError(f"weights file {weights} not found")
        return single_scale(_load_keras_file(os.fspath(weights)), scale), spec
    return single_scale(models.build(spec, scale=scale, weights=weights, **overrides), scale), spec


def _names_a_file(spec):
    return spec.endswith(".keras") or os.sep in spec or os.path.isdir(spec)


def load_weights(model, path, what=None):
    """``model.load_weights(path)`` with a one-line error naming the file when it does not fit."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"weights file {path} not found")
    what = what or f"model {model.name!r}"
    import warnings

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


def load_predictor(model, scale=None, weights=None):
    """A :class:`Predictor` for ``model``.

    Args:
        model: a ``keras.Model`` (LR [0, 1] -> SR [0, 1]); a preset name
            (``keras_sr.models.list()``), built for ``scale``; ``"bicubic"`` (numpy MATLAB
            imresize); the path of a ``.keras`` model file (any file keras-sr writes, loaded
            with ``compile=False``); or an exported SavedModel folder.
        scale: the upscaling factor; required for presets with several scales; picks the
            output of a model with one per scale (MDSR); checked against a given model's
            own factor.
        weights: optional ``.weights.h5`` (``model.load_weights``) or ``.keras`` file
            (a whole saved model, used instead of a fresh build); for a preset,
            ``"default"`` loads the weights keras-sr ships (:mod:`keras_sr.weights`).

    Raises:
        ValueError: unknown preset, unsupported scale (the registry's message), weights
            of another architecture, a model whose factor is not ``scale``.
        FileNotFoundError: a missing model or weights file.
    """
    if isinstance(model, Predictor):
        return model
    if isinstance(model, (str, os.PathLike)) and is_savedmodel(os.fspath(model)):
        if weights is not None:
            raise ValueError(f"weights apply to a preset, not to the SavedModel {os.fspath(model)}")
        return savedmodel_predictor(os.fspath(model), scale)
    if isinstance(model, str) and model == "bicubic":
        from keras_sr import models

        supported = models.supported_scales(model)
        if scale not in supported:
            raise ValueError(f"model 'bicubic' does not support scale {scale!r}; "
                             f"supported: {', '.join(map(str, supported))}")
        if weights is not None:
            raise ValueError("model 'bicubic' has no weights; drop the weights file")
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
    return Predictor(_keras_fn(model), name, measured, channels, multiple, model=model)
