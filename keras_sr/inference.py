"""One way to run any SR model on a numpy image: presets, ``.keras`` files, weights, ``bicubic``.

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
    import keras

    import keras_sr.layers  # noqa: F401  (registers the custom layers for deserialization)
    try:
        return keras.saving.load_model(path, compile=False)  # inference: no loss (run files hold PixelLoss)
    except Exception as e:  # noqa: BLE001  (Keras raises many types for a bad file)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"cannot load model file {path}: {first}") from e


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
        model: a ``keras.Model`` (single output, LR [0, 1] -> SR [0, 1]); a preset name
            (``keras_sr.models.list()``), built for ``scale``; ``"bicubic"`` (numpy MATLAB
            imresize); or the path of a ``.keras`` model file.
        scale: the upscaling factor; required for presets with several scales; checked
            against a given model's own factor.
        weights: optional ``.weights.h5`` (``model.load_weights``) or ``.keras`` file
            (a whole saved model, used instead of a fresh build); for a preset,
            ``"default"`` loads the weights keras-sr ships (:mod:`keras_sr.weights`).

    Raises:
        ValueError: unknown preset, unsupported scale (the registry's message), weights
            of another architecture, a model whose factor is not ``scale``.
        FileNotFoundError: a missing model or weights file.
    """
    import keras

    if isinstance(model, Predictor):
        return model
    name = None
    if isinstance(model, (str, os.PathLike)):
        spec = os.fspath(model)
        if spec.endswith(".keras") or os.sep in spec:
            if not os.path.isfile(spec):
                raise FileNotFoundError(f"model file {spec} not found")
            model = _load_keras_file(spec)
            name = os.path.basename(spec)
        else:
            from keras_sr import models

            models.get_preset(spec)  # unknown names: the registry's message
            if spec == "bicubic":
                supported = models.supported_scales(spec)
                if scale not in supported:
                    raise ValueError(f"model 'bicubic' does not support scale {scale!r}; "
                                     f"supported: {', '.join(map(str, supported))}")
                if weights is not None:
                    raise ValueError("model 'bicubic' has no weights; drop the weights file")
                return bicubic_predictor(scale)
            name = spec
            if weights is not None and os.fspath(weights).endswith(".keras"):
                models.build(spec, scale=scale)  # checks the scale like a fresh build would
                if not os.path.isfile(weights):
                    raise FileNotFoundError(f"weights file {weights} not found")
                model = _load_keras_file(os.fspath(weights))
            else:
                model = models.build(spec, scale=scale, weights=weights)
    elif isinstance(model, keras.Model):
        name = model.name
        if weights is not None:
            load_weights(model, weights)
    else:
        raise TypeError(f"model must be a keras.Model, a preset name or a .keras path, got {type(model)}")
    if len(model.outputs) != 1:
        raise ValueError(f"model {model.name!r} has {len(model.outputs)} outputs; pass a single-scale "
                         "model (e.g. a preset built with scale=)")
    channels = int(model.input_shape[-1])
    multiple = input_multiple(model)
    measured = infer_scale(model, channels, multiple)
    if scale is not None and int(scale) != measured:
        raise ValueError(f"model {name!r} upscales x{measured}, not x{scale}")
    return Predictor(_keras_fn(model), name, measured, channels, multiple, model=model)
