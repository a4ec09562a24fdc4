"""Upscale a batch of RGB frames exactly as ``keras_sr.upscale`` upscales each one as an image.

Same steps as the image path: uint8 / 255 in float32, the LR frame mirrored outward by the
model's receptive field (``border``, :mod:`keras_sr.inference.borders`; the pad also brings
odd sizes to the model's input multiple), the model, the output cropped back, then
``floor(x · 255 + 0.5)`` clipped to uint8. Only the model call is batched.
"""

import numpy as np

from keras_sr.inference.borders import border_mode, border_padding


def frame_padding(frame_model, h, w, border):
    """``((top, bottom), (left, right))`` LR padding and the ``np.pad`` mode for (h, w) frames."""
    predict = frame_model.predictor
    mode = border_mode(border)
    if mode is not None and predict.model is not None:
        return border_padding(predict, h, w), mode
    m = predict.multiple
    return ((0, -h % m), (0, -w % m)), "edge"  # what Predictor.__call__ does without a border


def upscale_frames(frame_model, frames, border="symmetric"):
    """(B, H, W, 3) uint8 -> (B, H·s, W·s, 3) uint8."""
    frames = np.asarray(frames)
    b, h, w, _ = frames.shape
    s = frame_model.scale
    (top, bottom), (left, right) = frame_padding(frame_model, h, w, border)[0]
    mode = frame_padding(frame_model, h, w, border)[1]
    x = frames.astype(np.float32) / np.float32(255)
    if top or bottom or left or right:
        x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)
    if frame_model.predictor.channels != 3:
        raise ValueError(f"model {frame_model.name} takes {frame_model.predictor.channels} channels; video "
                         "upscaling needs an RGB model")
    sr = frame_model.run_batch(x)[:, top * s:(top + h) * s, left * s:(left + w) * s]
    return np.clip(np.floor(sr * 255 + 0.5), 0, 255).astype(np.uint8)
