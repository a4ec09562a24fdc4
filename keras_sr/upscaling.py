"""Upscale whole images with any SR model: tiling with exact seams, self-ensemble, any image kind.

    from keras_sr.upscaling import upscale
    sr = upscale("edsr-baseline", image, scale=2, weights="edsr_x2.weights.h5", tile=256)

Tiling: the LR image is cut into ``tile`` x ``tile`` cores; each core is super-resolved
with ``overlap`` LR pixels of context on every side (less at the image border), and only
the core's part of the output is kept. With ``overlap`` at least the model's
receptive-field radius (:func:`keras_sr.receptive_field.receptive_field`, the default)
the result equals the whole-image output (within float32 noise, ~1e-6), while memory
grows with the tile, not the image.

Images: grey, RGB, RGBA; uint8, uint16 or float in [0, 1]. Grey is replicated to RGB for
RGB models and the output is grey again. Alpha is upscaled with MATLAB bicubic. Models
on MATLAB's Y channel (``model.input_shape[-1] == 1``: SRCNN, RED-Net, SRDenseNet)
upscale Y with the model and Cb, Cr with MATLAB bicubic, then convert back to RGB
(how their papers make colour pictures).

Borders: a model pads its convolutions with zeros, which darkens or rings the outer few
pixels of the output (worse than bicubic there). ``border="symmetric"`` (the default of
:func:`upscale`; ``"reflect"`` is the other choice) first mirrors the LR image outward by
the model's receptive-field radius, so that every output pixel of the image sees only
image content, then crops the output back: the outer band is no worse than bicubic
(measured by ``benchmarks/border_band.py``). It costs the extra ``2r`` rows and columns.
MATLAB ``bicubic`` already mirrors (symmetric) and is never padded.
"""

import math
import os
import warnings

import numpy as np

from keras_sr.inference import load_predictor
from keras_sr.self_ensemble import self_ensemble as _self_ensemble


def _progbar(total, verbose):
    if not verbose or total <= 1:
        return None
    from keras_sr.utils.progress import progress_bar

    return progress_bar(total, unit_name="tile")


def _spans(length, tile, overlap):
    """[(core_start, core_end, window_start, window_end)] along one axis."""
    spans = []
    for start in range(0, length, tile):
        end = min(start + tile, length)
        spans.append((start, end, max(0, start - overlap), min(length, end + overlap)))
    return spans


def _run_tiled(predict, lr, tile, overlap, verbose):
    """SR of (H, W, C) ``lr`` (sizes already multiples of ``predict.multiple``) tile by tile."""
    s = predict.scale
    h, w, c = lr.shape
    rows, cols = _spans(h, tile, overlap), _spans(w, tile, overlap)
    out = np.empty((h * s, w * s, c), np.float32)
    bar = _progbar(len(rows) * len(cols), verbose)
    done = 0
    for y0, y1, wy0, wy1 in rows:
        for x0, x1, wx0, wx1 in cols:
            sr = predict(lr[wy0:wy1, wx0:wx1])
            out[y0 * s:y1 * s, x0 * s:x1 * s] = sr[(y0 - wy0) * s:(y1 - wy0) * s,
                                                   (x0 - wx0) * s:(x1 - wx0) * s]
            done += 1
            if bar is not None:
                bar.update(done)
    return out


BORDER_MODES = ("symmetric", "reflect")
# Symmetric (edge pixel repeated: ``c b a | a b c``) beat reflect (``d c b | a b c d``) on the
# outer 8 px band of every shipped weight (benchmarks/border_band.py, README "Measured").
DEFAULT_BORDER = "symmetric"


def border_mode(border):
    """``border`` as an ``np.pad`` mode or ``None`` (off): ``None``/``False``/``"none"`` -> off,
    ``True`` -> :data:`DEFAULT_BORDER`, ``"symmetric"``/``"reflect"`` as given."""
    if border is None or border is False or border == "none":
        return None
    if border is True:
        return DEFAULT_BORDER
    if border not in BORDER_MODES:
        raise ValueError(f"border must be one of {', '.join(BORDER_MODES)}, 'none', True or False; "
                         f"got {border!r}")
    return border


def border_padding(predict, h, w):
    """``((top, bottom), (left, right))`` LR padding of an (h, w) image for border handling:
    the receptive-field radius ``r`` on each side, bottom/right grown to the model's multiple."""
    r = model_receptive_field(predict)
    m = predict.multiple
    return (r, r + (-(h + 2 * r)) % m), (r, r + (-(w + 2 * r)) % m)


def super_resolve(predict, lr, tile=None, overlap=None, self_ensemble=False,
                  allow_small_overlap=False, verbose=0, border=None):
    """SR of an (h, w, C) float image with a :class:`~keras_sr.inference.Predictor`.

    ``C`` must be the model's channels; odd sizes for models that need even ones are
    padded (edge) and cropped. See :func:`upscale` for ``tile``, ``overlap``,
    ``self_ensemble``, ``allow_small_overlap``, ``border`` (default here: off, the
    benchmark protocol).

    Returns:
        float32 (h·s, w·s, C), not clipped.
    """
    lr = np.asarray(lr, np.float32)
    mode = border_mode(border)
    if mode is not None and predict.model is not None:
        # Mirror the image outward by the receptive field, run (whole or tiled: the padded
        # image is just a larger image, so tiles stay exact), crop the image's part back.
        h, w = lr.shape[:2]
        (top, bottom), (left, right) = border_padding(predict, h, w)
        padded = np.pad(lr, ((top, bottom), (left, right), (0, 0)), mode=mode)
        out = super_resolve(predict, padded, tile=tile, overlap=overlap, self_ensemble=self_ensemble,
                            allow_small_overlap=allow_small_overlap, verbose=verbose)
        s = predict.scale
        return out[top * s:(top + h) * s, left * s:(left + w) * s]
    h, w = lr.shape[:2]
    m = predict.multiple
    run = predict
    if self_ensemble:
        run = _with_ensemble(predict)
    if tile is None or (tile >= h and tile >= w):
        return run(lr)
    tile, overlap = _check_tiling(predict, tile, overlap, self_ensemble, allow_small_overlap)
    ph, pw = -h % m, -w % m
    if ph or pw:  # pad the whole image once, so that every tile has the model's multiple
        lr = np.pad(lr, ((0, ph), (0, pw), (0, 0)), mode="edge")
    out = _run_tiled(run, lr, tile, overlap, verbose)
    return out[: h * predict.scale, : w * predict.scale]


def _with_ensemble(predict):
    from keras_sr.inference import Predictor

    return Predictor(lambda x: _self_ensemble(predict, x), predict.name + "+", predict.scale,
                     predict.channels, predict.multiple, model=predict.model)


def model_receptive_field(predict):
    """:func:`~keras_sr.receptive_field.receptive_field` of a predictor, measured once per predictor.

    (Kept on the predictor, not keyed by model identity: a new model can reuse a freed
    model's ``id``, and loading other weights makes a new predictor.)
    """
    from keras_sr.receptive_field import receptive_field

    if getattr(predict, "receptive_field", None) is None:
        predict.receptive_field = receptive_field(predict)
    return predict.receptive_field


def _check_tiling(predict, tile, overlap, self_ensemble, allow_small_overlap):
    m = predict.multiple
    tile = int(tile)
    if tile < 1:
        raise ValueError(f"tile must be a positive number of LR pixels, got {tile}")
    tile = int(math.ceil(tile / m) * m)
    needed = model_receptive_field(predict)
    if overlap is None:
        overlap = needed
    overlap = int(overlap)
    if overlap < 0:
        raise ValueError(f"overlap must be >= 0, got {overlap}")
    overlap = int(math.ceil(overlap / m) * m)
    if overlap < needed:
        message = (f"overlap {overlap} px is smaller than the receptive-field radius of {predict.name} "
                   f"({needed} LR px): tile seams will show")
        if not allow_small_overlap:
            raise ValueError(message + f"; use overlap >= {needed} or allow_small_overlap=True")
        warnings.warn(message, stacklevel=3)
    return tile, overlap


def _split_image(image):
    """image -> (rgb float (H, W, 3), alpha float (H, W, 1) or None, kind dict)."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"image must be (H, W), (H, W, 1|2|3|4), got shape {np.shape(image)}")
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


def upscale(model, image, scale=None, weights=None, tile=None, overlap=None, self_ensemble=False,
            allow_small_overlap=False, verbose=0, border=DEFAULT_BORDER):
    """Super-resolve one image.

    Args:
        model: a ``keras.Model``, a preset name (``"bicubic"`` too), a ``.keras`` path or a
            :class:`~keras_sr.inference.Predictor` (load once with
            :func:`~keras_sr.inference.load_predictor` for many images).
        image: (H, W) grey, (H, W, 1|3) or with alpha (H, W, 2|4); uint8, uint16 or float
            in [0, 1].
        scale: upscaling factor (required for presets with several scales).
        weights: weights file for a preset (see ``load_predictor``).
        tile: LR tile size (its core) in pixels, or ``None`` for the whole image at once.
        overlap: LR context pixels on each side of a tile; default: the model's measured
            receptive-field radius, which makes the result equal the whole-image one.
        self_ensemble: average the 8 flips/rotations (``keras_sr.self_ensemble``); slower ×8.
        allow_small_overlap: accept ``overlap`` below the receptive field (warns) instead
            of raising ``ValueError``.
        verbose: 1 shows a progress bar over tiles.
        border: ``"symmetric"`` (default) or ``"reflect"``: mirror the LR image outward by
            the model's receptive field and crop the output, so the outer pixels are no
            worse than bicubic (module docstring); ``None`` runs the model on the image as
            it is (zero padding inside the convolutions, the benchmark protocol).

    Returns:
        (H·s, W·s[, C]) image of the input's layout and dtype (integers rounded and
        clipped; float not clipped).
    """
    predict = load_predictor(model, scale=scale, weights=weights)
    rgb, alpha, kind = _split_image(image)
    from keras_sr.data import matlab_imresize, rgb_to_ycbcr, ycbcr_to_rgb

    options = dict(tile=tile, overlap=overlap, self_ensemble=self_ensemble,
                   allow_small_overlap=allow_small_overlap, verbose=verbose, border=border_mode(border))
    s = predict.scale
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


def output_path(input_path, output, several):
    """Where the upscaled ``input_path`` goes: ``output`` itself, or inside it when ``several``."""
    if several or os.path.isdir(output):
        stem = os.path.splitext(os.path.basename(input_path))[0]
        return os.path.join(output, stem + ".png")
    return output


def read_for_upscale(path):
    """An image file as an array that keeps grey, alpha and 16 bits (``ImageReadError`` naming it)."""
    from PIL import Image

    from keras_sr.data import ImageReadError, read_image

    try:
        with Image.open(path) as img:
            mode = img.mode
    except FileNotFoundError as e:
        raise ImageReadError(path, "file not found") from e
    except Exception as e:  # noqa: BLE001
        raise ImageReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "A" in mode
    arr = _read_with_alpha(path) if has_alpha else read_image(path)
    grey = mode in ("L", "I;16", "I;16B", "I;16L", "I;16N", "I", "1", "LA")
    if grey:
        arr = np.concatenate([arr[..., :1], arr[..., 3:]], axis=-1) if arr.shape[-1] == 4 else arr[..., 0]
    return arr


def _read_with_alpha(path):
    """(H, W, 4) RGBA uint8/uint16 (16-bit RGBA PNGs through TensorFlow's decoder)."""
    from PIL import Image

    from keras_sr.data import ImageReadError
    from keras_sr.data.io import _is_16bit_rgb_png

    try:
        with Image.open(path) as img:
            if _is_16bit_rgb_png(img):
                import tensorflow as tf

                raw = tf.io.read_file(str(path))
                return tf.io.decode_png(raw, channels=4, dtype=tf.uint16).numpy()
            img.load()
            return np.asarray(img.convert("RGBA"))
    except ImageReadError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ImageReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e
