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
    return split_names(list_image_files(sources), fraction, seed)


def split_names(names, fraction, seed=0, what="val_split"):
    """:func:`hold_out` on a list of names (paths or labels): ``(kept, held_out)``, each
    sorted; the choice depends only on the sorted, de-duplicated names and ``seed``."""
    if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
        raise ValueError(f"{what} must be a fraction in (0, 1), got {fraction!r}")
    names = sorted(set(names))
    count = max(1, int(round(fraction * len(names))))
    if count >= len(names):
        raise ValueError(f"{what} {fraction} of {len(names)} training image(s) leaves none to train on")
    held = set(np.random.default_rng(int(seed)).permutation(len(names))[:count].tolist())
    return ([f for i, f in enumerate(names) if i not in held], [f for i, f in enumerate(names) if i in held])
