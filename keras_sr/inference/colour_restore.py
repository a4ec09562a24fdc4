"""Restore colour photos with a grey (one-channel) restoration model: ``keras-sr restore``'s default.

A grey denoiser run on Y alone (the RED-Net paper's way) leaves the noise of Cb and Cr: a colour
photo keeps its pink and green speckle. :func:`colour_restorer` runs the grey model on each channel
of an opponent colour space instead (mean, two chroma differences: :mod:`keras_sr.data.opponent`),
as colour BM3D does (Dabov et al., ICIP 2007, §2). Chroma is smooth in natural
photos, so the grey model removes its noise with little loss of detail, and its pixels stay in
[0, 1] except for the most saturated colours. The transform is per pixel and exactly inverted, so
tiles, mirrored borders and the self-ensemble give the whole-image result; on a grey photo the
chroma channels are flat 0.5 and the result is the grey model's on the photo.

Measured against colour BM3D on held-out photos: docs/restoration.md.
"""

import numpy as np

from keras_sr.data.opponent import opponent_to_rgb, rgb_to_opponent
from keras_sr.inference.predictor import Predictor


def colour_restorer(grey, channel_fn=None):
    """An RGB :class:`Predictor` that restores each opponent channel with the grey model ``grey``.

    Args:
        grey: a scale-1, one-channel :class:`Predictor`, (h, w, 1) in [0, 1] -> (h, w, 1).
        channel_fn: optional ``(run, x, k) -> restored`` for opponent channel ``k`` (0 mean, 1 and
            2 chroma), where ``run`` is the grey model's function; e.g. a noise-level adaptation
            (:func:`keras_sr.inference.noise_adapt.adapted`). Default: ``run(x)``.

    Returns:
        a :class:`Predictor` on (h, w, 3) RGB in [0, 1], named ``"{grey.name} (opponent colour)"``,
        with ``grey``'s model (its receptive field is the grey model's).
    """
    if grey.scale != 1 or grey.channels != 1:
        raise ValueError(f"colour_restorer takes a grey restoration model (scale 1, one channel); "
                         f"{grey.name} is x{grey.scale} with {grey.channels} channels")
    inner = grey.fn

    def run(rgb):
        opponent = rgb_to_opponent(rgb).astype(np.float32)
        channels = []
        for k in range(3):
            x = opponent[..., k:k + 1]
            out = inner(x) if channel_fn is None else channel_fn(inner, x, k)
            channels.append(np.asarray(out, np.float64))
        return opponent_to_rgb(np.concatenate(channels, axis=-1)).astype(np.float32)

    return Predictor(run, f"{grey.name} (opponent colour)", 1, 3, grey.multiple, grey.model)
