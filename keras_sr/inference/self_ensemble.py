"""Geometric self-ensemble (EDSR+ / MDSR+; Lim et al., CVPRW 2017, §4.3 / Timofte et al. 2016).

The LR image is flipped / rotated in the 8 ways of the dihedral group, each version is
super-resolved, the inverse transform is applied to each output and the 8 outputs are
averaged. A model that is itself equivariant to these transforms (e.g. bicubic) gives its
plain output back.
"""

import numpy as np

# (quarter turns k of np.rot90, horizontal flip after the rotation)
TRANSFORMS = tuple((k, flip) for flip in (False, True) for k in range(4))


def transform(img, k, flip):
    """Rotate (H, W[, C]) ``img`` by ``k`` quarter turns (``np.rot90``), then flip left-right."""
    out = np.rot90(img, k, axes=(0, 1))
    return out[:, ::-1] if flip else out


def inverse_transform(img, k, flip):
    """Undo :func:`transform` (flip first, then rotate back)."""
    out = img[:, ::-1] if flip else img
    return np.rot90(out, -k, axes=(0, 1))


def self_ensemble(predict, image):
    """Mean of ``inverse_t(predict(t(image)))`` over the 8 flips/rotations ``t``.

    Args:
        predict: maps an (h, w, C) image to its (h·s, w·s, C) SR image (numpy).
        image: (h, w, C) LR image.

    Returns:
        float32 (h·s, w·s, C): the average, in float64 then cast.
    """
    total = None
    for k, flip in TRANSFORMS:
        sr = np.asarray(predict(np.ascontiguousarray(transform(image, k, flip))), np.float64)
        sr = inverse_transform(sr, k, flip)
        total = sr if total is None else total + sr
    return (total / len(TRANSFORMS)).astype(np.float32)
