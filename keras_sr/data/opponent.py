"""RGB <-> an opponent colour space (mean, two chroma differences), numpy.

    mean = (R + G + B) / 3                  white RGB noise of sigma s: s / sqrt(3)
    c1   = (R − B) / sqrt(2) + 0.5          s
    c2   = (R − 2G + B) / sqrt(6) + 0.5     s

The chroma rows are orthonormal, so white noise drawn per RGB channel keeps its sigma in them, and
the mean's is sqrt(3) smaller; a grey pixel has c1 = c2 = 0.5. Colour BM3D works in such a space
(Dabov et al., ICIP 2007, §2). Used by colour restoration (:mod:`keras_sr.inference.colour_restore`)
and by the noise estimate of colour photos (:mod:`keras_sr.data.noise_level`).
"""

import numpy as np

OPPONENT = np.array([[1 / 3, 1 / 3, 1 / 3],
                     [1 / np.sqrt(2), 0.0, -1 / np.sqrt(2)],
                     [1 / np.sqrt(6), -2 / np.sqrt(6), 1 / np.sqrt(6)]])
OPPONENT_OFFSET = np.array([0.0, 0.5, 0.5])
_INVERSE = np.linalg.inv(OPPONENT)
# each opponent channel's noise sigma for white noise of sigma 1 per RGB channel: 1/sqrt(3), 1, 1
OPPONENT_NOISE = np.sqrt((OPPONENT ** 2).sum(axis=1))


def rgb_to_opponent(rgb):
    """(..., 3) RGB in [0, 1] -> (..., 3) mean, c1, c2 (module docstring), float64."""
    rgb = np.asarray(rgb, np.float64)
    if rgb.shape[-1] != 3:
        raise ValueError(f"rgb_to_opponent takes (..., 3) RGB, got shape {rgb.shape}")
    return rgb @ OPPONENT.T + OPPONENT_OFFSET


def opponent_to_rgb(opponent):
    """The inverse of :func:`rgb_to_opponent` (float64, not clipped)."""
    return (np.asarray(opponent, np.float64) - OPPONENT_OFFSET) @ _INVERSE.T
