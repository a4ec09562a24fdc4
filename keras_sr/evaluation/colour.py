"""Mean per-channel colour offset of a model's SR output against HR, in grey levels (0-255).

A model that is short of one primary (RT4KSR's red deficit, issue #28) passes PSNR-Y checks
unnoticed; this measures ``mean(SR - HR)`` per RGB channel with the evaluation protocol's LR
(MATLAB ``imresize(hr, 1/s)`` on uint8) and SR quantized to uint8, ``scale`` px shaved.
"""
import numpy as np


def colour_offsets(predict, images, scale):
    """Per-image mean offsets, shape ``(len(images), 3)``.

    Args:
        predict: LR uint8 (H, W, 3) -> SR float (H·s, W·s, 3) in [0, 1].
        images: HR uint8 RGB arrays (cropped to a multiple of ``2·scale`` here).
        scale: the SR scale.
    """
    from keras_sr.data import matlab_imresize, modcrop

    rows = []
    for hr in images:
        hr = modcrop(np.asarray(hr), 2 * scale)
        lr = matlab_imresize(hr, 1.0 / scale)
        sr = np.clip(np.round(np.asarray(predict(lr), np.float64) * 255.0), 0, 255)
        s = scale
        diff = sr[s:-s, s:-s, :3] - hr[s:-s, s:-s, :3].astype(np.float64)
        rows.append(diff.reshape(-1, 3).mean(axis=0))
    return np.array(rows)


def model_predictor(model):
    """``predict`` for :func:`colour_offsets` from a Keras RGB model ([0, 1] in and out)."""
    def predict(lr):
        return np.asarray(model(lr[None].astype(np.float32) / 255.0))[0]
    return predict
