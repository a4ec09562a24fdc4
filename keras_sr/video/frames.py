"""Upscale a batch of RGB frames exactly as ``keras_sr.upscale`` upscales each one as an image.

Same steps as the image path: uint8 / 255 in float32, the LR frame mirrored outward by the
model's receptive field (``border``, :mod:`keras_sr.inference.borders`; the pad also brings
odd sizes to the model's input multiple), the model, the output cropped back, then
``floor(x · 255 + 0.5)`` clipped to uint8. Only the model call is batched.
"""

import numpy as np

from keras_sr.inference.borders import border_mode, border_padding

# Rows per band in prepare_frames / finish_frames: 32 rows of a 4K float frame are 1.5 MB, about a
# core's L2 cache (16 and 64 rows measured within 15 % of it).
ROWS = 32


def frame_padding(frame_model, h, w, border):
    """``((top, bottom), (left, right))`` LR padding and the ``np.pad`` mode for (h, w) frames."""
    predict = frame_model.predictor
    mode = border_mode(border)
    if mode is not None and predict.model is not None:
        return border_padding(predict, h, w), mode
    m = predict.multiple
    return ((0, -h % m), (0, -w % m)), "edge"  # what Predictor.__call__ does without a border


def check_rgb(frame_model):
    """One-line ``ValueError`` for a model that does not take RGB frames (a Y-only model)."""
    if frame_model.predictor.channels != 3:
        raise ValueError(f"model {frame_model.name} takes {frame_model.predictor.channels} channels; video "
                         "upscaling needs an RGB model")


def upscale_frames(frame_model, frames, border="symmetric"):
    """(B, H, W, 3) uint8 -> (B, H·s, W·s, 3) uint8: :func:`prepare_frames`, the model,
    :func:`finish_frames` (the video pipeline runs the three in separate threads)."""
    x, crop = prepare_frames(frame_model, frames, border)
    return finish_frames(frame_model.run_batch(x), crop)


def prepare_frames(frame_model, frames, border="symmetric"):
    """(B, H, W, 3) uint8 -> ``(x, crop)``: ``x`` the padded float32 batch in [0, 1] the model
    takes, ``crop`` what :func:`finish_frames` needs to cut the frames' part of its output.

    The mirror pad runs on uint8 (copies of pixels: the same as on float), then one pass, a band
    of rows at a time, makes float32 ``x / 255`` (the image path's ``astype(float32) /
    float32(255)``, the same values).
    """
    frames = np.asarray(frames)
    b, h, w, _ = frames.shape
    check_rgb(frame_model)
    ((top, bottom), (left, right)), mode = frame_padding(frame_model, h, w, border)
    if top or bottom or left or right:
        frames = np.pad(frames, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)
    x = np.empty(frames.shape, np.float32)
    for i in range(frames.shape[0]):
        for r in range(0, frames.shape[1], ROWS):
            np.divide(frames[i, r:r + ROWS], np.float32(255), out=x[i, r:r + ROWS], dtype=np.float32)
    return x, (top, left, h, w, frame_model.scale)


def finish_frames(sr, crop):
    """The model's (B, H'·s, W'·s, 3) float output -> the frames' (B, H·s, W·s, 3) uint8,
    ``floor(x · 255 + 0.5)`` clipped to [0, 255] as the image path rounds.

    Three passes (multiply, add, clip; then the cast truncates, which is ``floor`` on [0, 255])
    over the cropped part only, a band of :data:`ROWS` rows at a time so that the passes after the
    first find the band in the core's cache: 11 ms of CPU per 3840x2160 frame against 30 ms for
    the same passes over whole frames, and 0.55 s per 1280x720 frame for ``np.floor(x * 255 + 0.5)``
    written plainly (its temporaries) on this project's 2-core machine. On a 2-core CPU the model
    already takes both cores, so every millisecond here is one the model waits.
    """
    top, left, h, w, s = crop
    sr = np.asarray(sr)[:, top * s:(top + h) * s, left * s:(left + w) * s]
    b, rows, cols, c = sr.shape
    out = np.empty(sr.shape, np.uint8)
    band = np.empty((min(ROWS, rows), cols, c), np.float32)
    for i in range(b):
        for r in range(0, rows, ROWS):
            t = band[:min(ROWS, rows - r)]
            np.multiply(sr[i, r:r + ROWS], np.float32(255), out=t)
            t += np.float32(0.5)
            np.clip(t, 0, 255, out=t)
            out[i, r:r + ROWS] = t  # float -> uint8 truncates: floor, as the values are in [0, 255]
    return out
