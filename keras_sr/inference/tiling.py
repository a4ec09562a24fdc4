"""Super-resolve an image of any size with exact seams: tiles, border mirroring, self-ensemble.

Tiling: the LR image is cut into ``tile`` x ``tile`` cores; each core is super-resolved
with ``overlap`` LR pixels of context on every side (less at the image border), and only
the core's part of the output is kept. With ``overlap`` at least the model's
receptive-field radius (:func:`keras_sr.inference.receptive_field.receptive_field`, the
default) the result equals the whole-image output (within float32 noise, ~1e-6), while
memory grows with the tile, not the image. ``finish`` converts each tile's output as it
comes (to uint8, say), so a large output is never held in float32, and ``convert`` makes
each window float as it runs, so an 8-bit photo is never held in float32 either;
:mod:`keras_sr.inference.memory` picks the tile for a memory budget.
"""

import math
import warnings

import numpy as np

from keras_sr.inference.borders import border_mode, border_padding
from keras_sr.inference.receptive_field import model_receptive_field
from keras_sr.inference.self_ensemble import self_ensemble as _self_ensemble


def _progbar(total, verbose):
    if not verbose or total <= 1:
        return None
    from keras_sr.utils.progress import progress_bar

    return progress_bar(total, unit_name="tile")


def _spans(length, tile, overlap):
    """[(core_start, core_end, window_start, window_end)] along one axis.

    Every window has the same size (``tile + 2 * overlap``, or the whole ``length`` when shorter):
    a window that would cross the image's edge is moved inward instead of cut, so the core keeps
    at least ``overlap`` of context or the image's own edge on each side (exact as before). One
    window shape means one set of buffers: each new input shape makes TensorFlow/oneDNN keep
    another (a 2000x1500 x4 photo in cut windows: 9 shapes, RSS ~1.5x one window's need)."""
    window = min(length, tile + 2 * overlap)
    spans = []
    for start in range(0, length, tile):
        end = min(start + tile, length)
        w0 = min(max(0, start - overlap), length - window)
        spans.append((start, end, w0, w0 + window))
    return spans


def _run_tiled(predict, lr, tile, overlap, verbose, finish=None, convert=None):
    """SR of (H, W, C) ``lr`` (sizes already multiples of ``predict.multiple``) tile by tile,
    each window made float by ``convert`` and each output core passed through ``finish``
    (float32 (h, w, C) -> the output's dtype)."""
    s = predict.scale
    h, w, c = lr.shape
    rows, cols = _spans(h, tile, overlap), _spans(w, tile, overlap)
    out = None
    bar = _progbar(len(rows) * len(cols), verbose)
    done = 0
    for y0, y1, wy0, wy1 in rows:
        for x0, x1, wx0, wx1 in cols:
            window = lr[wy0:wy1, wx0:wx1]
            sr = predict(window if convert is None else convert(window))
            core = sr[(y0 - wy0) * s:(y1 - wy0) * s, (x0 - wx0) * s:(x1 - wx0) * s]
            core = core if finish is None else finish(core)
            if out is None:
                out = np.empty((h * s, w * s) + core.shape[2:], core.dtype)
            out[y0 * s:y1 * s, x0 * s:x1 * s] = core
            done += 1
            if bar is not None:
                bar.update(done)
    return out


def super_resolve(predict, lr, tile=None, overlap=None, self_ensemble=False,
                  allow_small_overlap=False, verbose=0, border=None, finish=None, convert=None):
    """SR of an (h, w, C) float image with a :class:`~keras_sr.inference.Predictor`.

    ``C`` must be the model's channels; odd sizes for models that need even ones are
    padded (edge) and cropped. See :func:`keras_sr.upscale` for ``tile``, ``overlap``,
    ``self_ensemble``, ``allow_small_overlap``, ``border`` (default here: off, the
    benchmark protocol). ``finish``: a per-pixel conversion of the float32 output (to uint8,
    grey), applied tile by tile. ``convert``: makes the model's float32 input of a window of ``lr``
    (e.g. uint8 -> [0, 1]); with it, ``lr`` stays as given (an 8-bit photo is never held in float32,
    the mirrored border is added in its own type) and each window is converted when it runs; the
    conversion is per pixel, so the output is the same as converting the whole image first.

    Returns:
        float32 (h·s, w·s, C), not clipped (or what ``finish`` makes of it).
    """
    lr = np.asarray(lr, np.float32) if convert is None else np.asarray(lr)
    mode = border_mode(border)
    if mode is not None and predict.model is not None:
        # Mirror the image outward by the receptive field, run (whole or tiled: the padded
        # image is just a larger image, so tiles stay exact), crop the image's part back.
        h, w = lr.shape[:2]
        (top, bottom), (left, right) = border_padding(predict, h, w)
        padded = np.pad(lr, ((top, bottom), (left, right), (0, 0)), mode=mode)
        out = super_resolve(predict, padded, tile=tile, overlap=overlap, self_ensemble=self_ensemble,
                            allow_small_overlap=allow_small_overlap, verbose=verbose, finish=finish,
                            convert=convert)
        del padded
        s = predict.scale
        return out[top * s:(top + h) * s, left * s:(left + w) * s]
    h, w = lr.shape[:2]
    m = predict.multiple
    run = predict
    if self_ensemble:
        run = _with_ensemble(predict)
    if tile is None or (tile >= h and tile >= w):
        sr = run(lr if convert is None else convert(lr))
        return sr if finish is None else finish(sr)
    tile, overlap = _check_tiling(predict, tile, overlap, self_ensemble, allow_small_overlap)
    ph, pw = -h % m, -w % m
    if ph or pw:  # pad the whole image once, so that every tile has the model's multiple
        lr = np.pad(lr, ((0, ph), (0, pw), (0, 0)), mode="edge")
    out = _run_tiled(run, lr, tile, overlap, verbose, finish, convert)
    return out[: h * predict.scale, : w * predict.scale]


def _with_ensemble(predict):
    from keras_sr.inference.predictor import Predictor

    return Predictor(lambda x: _self_ensemble(predict, x), predict.name + "+", predict.scale,
                     predict.channels, predict.multiple, model=predict.model)


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
