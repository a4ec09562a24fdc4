"""Upscale one whole image with any SR model: any image kind, tiles with exact seams, borders.

    from keras_sr.inference import upscale
    sr = upscale("edsr-baseline", image, scale=2, tile=256)   # the shipped x2 weights

Images: grey, RGB, RGBA; uint8, uint16 or float in [0, 1]. Grey is replicated to RGB for
RGB models and the output is grey again. Alpha is upscaled with MATLAB bicubic. Models
on MATLAB's Y channel (``model.input_shape[-1] == 1``: SRCNN, RED-Net, SRDenseNet)
upscale Y with the model and Cb, Cr with MATLAB bicubic, then convert back to RGB
(how their papers make colour pictures). Tiling: :mod:`keras_sr.inference.tiling`;
borders: :mod:`keras_sr.inference.borders`.
"""

import numpy as np

from keras_sr.inference.borders import DEFAULT_BORDER, border_mode
from keras_sr.inference.loading import load_predictor
from keras_sr.inference.tiling import super_resolve


def _split_image(image, keep_integers=False):
    """image -> (rgb float (H, W, 3), alpha float (H, W, 1) or None, kind dict).

    ``keep_integers``: an 8- or 16-bit image without alpha stays in its type (grey repeated to
    RGB in it), for :func:`super_resolve`'s ``convert`` (:func:`_to_float`) to make each window float."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"image must be (H, W), (H, W, 1|2|3|4), got shape {np.shape(image)}")
    if keep_integers and arr.dtype in (np.uint8, np.uint16) and arr.shape[-1] in (1, 3):
        grey = arr.shape[-1] == 1
        return (np.repeat(arr, 3, axis=-1) if grey else arr), None, {"dtype": arr.dtype, "grey": grey}
    if arr.dtype == np.uint8 or arr.dtype == np.uint16:
        x = arr.astype(np.float32) / np.float32(np.iinfo(arr.dtype).max)
    elif arr.dtype.kind == "f":
        x = arr.astype(np.float32)
    else:
        raise ValueError(f"image dtype {arr.dtype} is not uint8, uint16 or float")
    c = x.shape[-1]
    grey = c in (1, 2)
    colour = x[..., :1] if grey else x[..., :3]
    alpha = x[..., -1:] if c in (2, 4) else None
    rgb = np.repeat(colour, 3, axis=-1) if grey else colour
    return rgb, alpha, {"dtype": arr.dtype, "grey": grey}


def _to_float(window):
    """An 8- or 16-bit window -> float32 in [0, 1] (as :func:`_split_image` converts a whole image)."""
    return window.astype(np.float32) / np.float32(np.iinfo(window.dtype).max)


def _join_image(rgb, alpha, kind):
    out = rgb.mean(axis=-1, keepdims=True) if kind["grey"] else rgb
    if alpha is not None:
        out = np.concatenate([out, alpha], axis=-1)
    if kind["grey"] and alpha is None:
        out = out[..., 0]
    if kind["dtype"] in (np.uint8, np.uint16):
        top = np.iinfo(kind["dtype"]).max
        return np.clip(np.floor(out * top + 0.5), 0, top).astype(kind["dtype"])
    return out.astype(np.float32)


def choose_tile(predict, h, w, max_memory=None, overlap=None, out_itemsize=1, self_ensemble=False,
                floats=False, encoder="png"):
    """``(tile, note)`` for an ``h`` x ``w`` LR image: :func:`keras_sr.inference.memory.choose_tile`
    with the model's measured receptive field (none for bicubic). ``floats``: the run holds its
    image in float (see :func:`holds_floats`); ``encoder``: the output's ending."""
    from keras_sr.inference.memory import choose_tile as fit
    from keras_sr.inference.receptive_field import model_receptive_field

    radius = model_receptive_field(predict) if predict.model is not None else 0
    return fit(predict, h, w, max_memory, overlap, out_itemsize, self_ensemble, radius, floats, encoder)


def holds_floats(predict, image):
    """True when :func:`upscale` holds ``image`` and its output in float: alpha, a Y-channel model,
    a float image (else only each window is made float)."""
    arr = np.asarray(image) if not isinstance(image, np.ndarray) else image
    channels = 1 if arr.ndim == 2 else arr.shape[-1]
    return predict.channels != 3 or channels in (2, 4) or arr.dtype not in (np.uint8, np.uint16)


def upscale(model, image, scale=None, weights=None, tile=None, overlap=None, self_ensemble=False,
            allow_small_overlap=False, verbose=0, border=DEFAULT_BORDER, max_memory=None):
    """Super-resolve one image.

    Args:
        model: a ``keras.Model``, a preset name (``"bicubic"`` too), a ``.keras`` path or a
            :class:`~keras_sr.inference.Predictor` (load once with
            :func:`~keras_sr.inference.load_predictor` for many images).
        image: (H, W) grey, (H, W, 1|3) or with alpha (H, W, 2|4); uint8, uint16 or float
            in [0, 1].
        scale: upscaling factor (required for presets with several scales).
        weights: for a preset name: not given for the weights keras-sr ships (a preset
            without any is refused), a ``.weights.h5`` / ``.keras`` file, or ``"none"`` for
            untrained (warns); see :func:`keras_sr.inference.load_predictor`.
        tile: LR tile size (its core) in pixels, ``None`` for the whole image at once, or
            ``"auto"``: the largest that fits ``max_memory`` bytes (default: half the available
            memory; :mod:`keras_sr.inference.memory`).
        overlap: LR context pixels on each side of a tile; default: the model's measured
            receptive-field radius, which makes the result equal the whole-image one.
        self_ensemble: average the 8 flips/rotations (:mod:`keras_sr.inference.self_ensemble`); slower ×8.
        allow_small_overlap: accept ``overlap`` below the receptive field (warns) instead
            of raising ``ValueError``.
        verbose: 1 shows a progress bar over tiles.
        border: ``"symmetric"`` (default) or ``"reflect"``: mirror the LR image outward by
            the model's receptive field and crop the output, so the outer pixels are no
            worse than bicubic (:mod:`keras_sr.inference.borders`); ``None`` runs the model on the image as
            it is (zero padding inside the convolutions, the benchmark protocol).

    Returns:
        (H·s, W·s[, C]) image of the input's layout and dtype (integers rounded and
        clipped; float not clipped).
    """
    predict = load_predictor(model, scale=scale, weights=weights)
    if predict.for_image is not None:  # e.g. a denoiser that estimates this image's noise level
        predict = predict.for_image(image)
    rgb, alpha, kind = _split_image(image, keep_integers=predict.channels == 3)
    from keras_sr.data import matlab_imresize, rgb_to_ycbcr, ycbcr_to_rgb

    if isinstance(tile, str):
        if tile != "auto":
            raise ValueError(f"tile must be a number of pixels, None or 'auto', got {tile!r}")
        tile = choose_tile(predict, rgb.shape[0], rgb.shape[1], max_memory, overlap,
                           np.dtype(kind["dtype"]).itemsize, self_ensemble, holds_floats(predict, image))[0]

    options = dict(tile=tile, overlap=overlap, self_ensemble=self_ensemble,
                   allow_small_overlap=allow_small_overlap, verbose=verbose, border=border_mode(border))
    s = predict.scale
    if predict.channels == 3 and alpha is None:
        # each window is made float and each tile converted to the output's dtype as it comes: an
        # 8/16-bit photo and its output are never held in float32
        convert = _to_float if rgb.dtype.kind == "u" else None
        return super_resolve(predict, rgb, finish=lambda t: _join_image(t, None, kind), convert=convert,
                             **options)
    if predict.channels == 3:
        sr = super_resolve(predict, rgb, **options)
    elif predict.channels == 1:
        ycc = rgb_to_ycbcr(rgb).astype(np.float32)
        y = super_resolve(predict, ycc[..., :1], **options)
        cbcr = matlab_imresize(ycc[..., 1:].astype(np.float64), float(s))
        sr = ycbcr_to_rgb(np.concatenate([y.astype(np.float64), cbcr], axis=-1)).astype(np.float32)
    else:
        raise ValueError(f"model {predict.name!r} takes {predict.channels} channels; only 1 (Y) "
                         "and 3 (RGB) are supported")
    if alpha is not None:
        alpha = np.clip(matlab_imresize(alpha.astype(np.float64), float(s)), 0, 1).astype(np.float32)
    return _join_image(sr, alpha, kind)
