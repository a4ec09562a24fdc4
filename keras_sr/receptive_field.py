"""How far an image border reaches into an SR model's output, in LR pixels (for seamless tiling).

A tile of the LR image ends where the image does not: the model pads the tile (zeros,
mirror, ...) there, and that changes the output up to some distance from the cut. That
distance is the *receptive-field radius* r: with ``overlap >= r`` LR pixels of context
on each side of a tile's core, the tiled output equals the whole-image output.

:func:`receptive_field` measures r directly, on the model itself: it super-resolves
random strips whole and with ``m`` LR columns (rows) cut off one side, and finds the
farthest SR pixel that changed by more than ``tol``, converted to LR pixels and rounded
up to the model's input multiple. Measuring instead of summing kernel sizes covers every
layer kind (residual groups, dense blocks, in-graph bicubic with mirrored borders,
pixel (un)shuffles, transposed convolutions) and any trained or random weights.
"""

import math

import numpy as np

# An SR output difference below this (times the output's peak when above 1) counts as
# none: float32 noise between two input shapes is ~1e-7 of the values, and tiling only
# promises 1e-4.
DEFAULT_TOL = 1e-5


def _cut_reach(predict, strip, cut, scale, side, tol):
    """Farthest LR distance from the cut at which the output changes, or None if it reached the end."""
    full = predict(strip)
    tol = tol * max(1.0, float(np.abs(full).max()))
    if side == "left":
        part = predict(strip[:, cut:])
        ref = full[:, cut * scale:]
        changed = np.abs(ref - part).max(axis=(0, 2)) > tol
        dist = np.flatnonzero(changed)  # SR columns from the cut
    else:
        part = predict(strip[:, :-cut])
        ref = full[:, : part.shape[1]]
        changed = np.abs(ref - part).max(axis=(0, 2)) > tol
        dist = part.shape[1] - 1 - np.flatnonzero(changed)
    if dist.size == 0:
        return 0
    reach = int(math.ceil((dist.max() + 1) / scale))
    return None if reach >= (strip.shape[1] - cut) // 2 else reach


def receptive_field(model, scale=None, tol=DEFAULT_TOL, seed=0, max_size=4096):
    """The receptive-field radius of an SR model in LR pixels (see the module docstring).

    Args:
        model: anything :func:`keras_sr.inference.load_predictor` takes (a ``keras.Model``,
            a preset name, ``"bicubic"``, a :class:`~keras_sr.inference.Predictor`).
        scale: the factor, for preset names.
        tol: output change (in [0, 1] units) that counts.
        seed: random strips' seed.
        max_size: longest strip tried before giving up (``ValueError``: a model whose output
            depends on the whole image, e.g. with global pooling, cannot be tiled exactly).

    Returns:
        int radius r ≥ 0, a multiple of the model's input multiple.
    """
    from keras_sr.inference import load_predictor

    predict = load_predictor(model, scale=scale)
    m, s, c = predict.multiple, predict.scale, predict.channels
    rng = np.random.default_rng(seed)
    rows = max(4, 2 * m)
    size = 32 * m
    while size <= max_size:
        reaches = []
        for axis in (1, 0):  # across columns, then across rows (strip transposed)
            strip = rng.uniform(0.0, 1.0, (rows, size, c)).astype(np.float32)
            if axis == 0:
                run = lambda x: np.swapaxes(predict(np.ascontiguousarray(np.swapaxes(x, 0, 1))), 0, 1)  # noqa: E731
            else:
                run = predict
            for side in ("left", "right"):
                reaches.append(_cut_reach(run, strip, m, s, side, tol))
        if None not in reaches:
            r = max(reaches)
            return int(math.ceil(r / m) * m)
        size *= 2
    raise ValueError(f"{predict.name}: a border changes the output more than {max_size // 2} LR px away; "
                     "this model cannot be tiled exactly")
