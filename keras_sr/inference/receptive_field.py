"""How far an image border reaches into an SR model's output, in LR pixels (for seamless tiling).

A tile of the LR image ends where the image does not: the model pads the tile (zeros,
mirror, ...) there, and that changes the output up to some distance from the cut. That
distance is the *receptive-field radius* r: with ``overlap >= r`` LR pixels of context
on each side of a tile's core, the tiled output equals the whole-image output.

:func:`receptive_field` measures r directly, on the model itself: it super-resolves
random strips, then again with a block of ``m`` LR columns (rows) at one end changed, and
finds the farthest SR pixel that changed at all, in LR pixels from the block, rounded up
to the model's input multiple ``m``. Both runs have the same shape, so every output the
change cannot reach is computed bit-identically; that dependency radius is also the
radius of the tile-border effect (padding inside a tile replaces what lies beyond its
edge). Measuring instead of summing kernel sizes covers every layer kind (residual
groups, dense blocks, in-graph bicubic with mirrored borders, pixel (un)shuffles,
transposed convolutions). The only way it can under-measure is a change that vanishes
exactly on every path of the outermost pixels (e.g. all ReLUs there dead for two random
inputs), which random strips make unlikely; four measurements are taken.
"""

import math

import numpy as np


def _reach(predict, strip, m, scale, side, rng):
    """LR distance from a changed end block of ``m`` columns to the farthest changed SR column.

    ``None`` when the change reaches the middle of the strip (too short to tell).
    """
    changed = strip.copy()
    block = slice(0, m) if side == "left" else slice(strip.shape[1] - m, None)
    changed[:, block] = rng.uniform(0.0, 1.0, changed[:, block].shape)
    diff = np.abs(predict(strip) - predict(changed)).max(axis=(0, 2))
    cols = np.flatnonzero(diff > 0)  # same shapes: what the change cannot reach is bit-identical
    if side == "right":
        cols = diff.size - 1 - cols
    reach = int(math.ceil((cols.max() + 1) / scale)) - m if cols.size else 0
    return None if reach >= strip.shape[1] // 2 - m else max(reach, 0)


def receptive_field(model, scale=None, seed=0, max_size=4096):
    """The receptive-field radius of an SR model in LR pixels (see the module docstring).

    Args:
        model: anything :func:`keras_sr.inference.load_predictor` takes (a ``keras.Model``,
            a preset name, ``"bicubic"``, a :class:`~keras_sr.inference.Predictor`). A preset
            name is measured on a fresh build: the radius is the architecture's, whatever
            its weights.
        scale: the factor, for preset names.
        seed: random strips' seed.
        max_size: longest strip tried before giving up (``ValueError``: a model whose output
            depends on the whole image, e.g. with global pooling, cannot be tiled exactly).

    Returns:
        int radius r ≥ 0, a multiple of the model's input multiple.
    """
    from keras_sr.inference.loading import load_predictor
    from keras_sr.presets import names_a_file

    if isinstance(model, str) and model != "bicubic" and not names_a_file(model):
        from keras_sr import models

        model = models.build(model, scale=scale)
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
                reaches.append(_reach(run, strip, m, s, side, rng))
        if None not in reaches:
            r = max(reaches)
            return int(math.ceil(r / m) * m)
        size *= 2
    raise ValueError(f"{predict.name}: a border changes the output more than {max_size // 2} LR px away; "
                     "this model cannot be tiled exactly")


def model_receptive_field(predict):
    """:func:`receptive_field` of a :class:`~keras_sr.inference.Predictor`, measured once per predictor.

    (Kept on the predictor, not keyed by model identity: a new model can reuse a freed
    model's ``id``, and loading other weights makes a new predictor.)
    """
    if getattr(predict, "receptive_field", None) is None:
        predict.receptive_field = receptive_field(predict)
    return predict.receptive_field
