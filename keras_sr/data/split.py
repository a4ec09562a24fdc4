"""Hold out whole training images for validation (model selection never on a benchmark set)."""

import numpy as np

from keras_sr.data.io import list_image_files


def hold_out(sources, fraction, seed=0):
    """Split the images of ``sources`` into ``(train_files, held_out_files)``.

    Whole images are held out (never patches of an image that is also trained on). The
    choice depends only on the sorted file list and ``seed``: the same folders and seed give
    the same split on any machine. ``round(fraction · N)`` images are held out, at least 1.

    Args:
        sources: folder(s), glob(s) or files (:func:`~keras_sr.data.list_image_files`).
        fraction: in (0, 1).
        seed: integer seed of the permutation.

    Returns:
        two lists of paths, each in sorted order.

    Raises:
        ValueError: ``fraction`` outside (0, 1), or a split that leaves no training image.
    """
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"val_split must be a fraction in (0, 1), got {fraction!r}")
    files = sorted(set(list_image_files(sources)))
    count = max(1, int(round(fraction * len(files))))
    if count >= len(files):
        raise ValueError(f"val_split {fraction} of {len(files)} training image(s) leaves none to train on")
    order = np.random.default_rng(int(seed)).permutation(len(files))
    held = set(order[:count].tolist())
    return ([f for i, f in enumerate(files) if i not in held], [f for i, f in enumerate(files) if i in held])
