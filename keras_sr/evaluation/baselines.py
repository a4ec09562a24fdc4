"""Classical restoration baselines keras-sr compares its models with (in the same run).

BM3D (Dabov et al., TIP 2007), the denoising baseline of the RED-Net paper (Mao et al.,
NIPS 2016, Table 2), through the ``bm3d`` package (``pip install 'keras-sr[restoration]'``).
"""

import numpy as np


def bm3d_available():
    """True when the optional ``bm3d`` package imports."""
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return False
    return True


def bm3d_denoise(noisy, sigma):
    """BM3D of an 8-bit noisy image with the known noise level.

    Args:
        noisy: uint8 (H, W, 1) grey (e.g. Y) or (H, W, 3) RGB (BM3D's colour version, CBM3D).
        sigma: noise standard deviation on the 0-255 scale.

    Returns:
        uint8 image of the same shape (clipped and rounded, like a saved result).

    Raises:
        ImportError: ``bm3d`` is not installed (the message says how to install it).
    """
    try:
        import bm3d
    except ImportError:
        raise ImportError("BM3D needs the bm3d package: pip install 'keras-sr[restoration]'") from None
    noisy = np.asarray(noisy)
    if noisy.dtype != np.uint8 or noisy.ndim != 3 or noisy.shape[-1] not in (1, 3):
        raise ValueError(f"bm3d_denoise takes uint8 (H, W, 1|3), got {noisy.dtype} {noisy.shape}")
    x = noisy.astype(np.float64) / 255.0
    if noisy.shape[-1] == 1:
        out = np.asarray(bm3d.bm3d(x[..., 0], float(sigma) / 255.0))[..., None]
    else:
        out = np.asarray(bm3d.bm3d_rgb(x, float(sigma) / 255.0))
    return np.clip(np.floor(out * 255.0 + 0.5), 0, 255).astype(np.uint8)


def noise_sigma(chain):
    """The fixed sigma of a noise-only degradation (``"noise:30"`` -> 30.0), else ``None``
    (BM3D needs the level: ranges, JPEG or blur chains get no BM3D baseline)."""
    from keras_sr.data import parse_degradation

    chain = parse_degradation(chain)
    if len(chain.steps) == 1 and chain.steps[0].op == "noise" and chain.steps[0].low == chain.steps[0].high:
        return float(chain.steps[0].low)
    return None
