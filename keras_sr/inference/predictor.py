"""A :class:`Predictor`: an SR function on one numpy image, with what callers need to know about it.

Every way keras-sr runs a model on images (``upscale``, ``evaluate``, tiling, self-ensemble,
the receptive-field measurement) goes through one: a ``keras.Model``
(:func:`keras_predictor`), MATLAB bicubic (:func:`bicubic_predictor`) or an exported
SavedModel (:mod:`keras_sr.inference.savedmodel`). :func:`keras_sr.inference.load_predictor`
makes the right one from what a user names.
"""

import numpy as np


class Predictor:
    """An SR function on single images with what callers need to know about it.

    Attributes:
        name: what to call it in tables and captions.
        scale: the upscaling factor.
        channels: 3 (RGB) or 1 (MATLAB Y / 255).
        multiple: input height and width must be multiples of this (handled by
            :meth:`__call__` by edge padding and cropping).
        model: the ``keras.Model`` (``None`` for bicubic).
        for_image: ``None``, or a function of the whole input image returning the
            :class:`Predictor` to run on it (a denoiser that estimates each image's noise level:
            :func:`keras_sr.inference.noise_adapt.noise_adapted`); callers that run whole images
            (:func:`keras_sr.inference.upscale`, ``keras-sr restore``) call it first.
    """

    for_image = None

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


def keras_function(model):
    """(h, w, C) -> (h·s, w·s, C) numpy function of a single-output ``keras.Model`` (batch of one)."""
    def run(lr):
        out = model(lr[None], training=False)
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(f"model {model.name!r} has several outputs; pass a single-scale model "
                             "(e.g. keras_sr.models.mdsr.scale_model)")
        return np.asarray(out)[0]
    return run


def bicubic_predictor(scale, channels=3):
    """MATLAB bicubic upscaling (numpy, float) as a :class:`Predictor`.

    ``bicubic`` is MATLAB ``imresize`` in numpy (:func:`keras_sr.data.matlab_imresize`), the
    benchmark baseline, not the in-graph layer.
    """
    from keras_sr.data import matlab_imresize

    def run(lr):
        return matlab_imresize(lr.astype(np.float64), float(scale)).astype(np.float32)

    return Predictor(run, "bicubic", scale, channels)
