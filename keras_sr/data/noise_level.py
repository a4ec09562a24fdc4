"""Estimate the Gaussian noise level of one image without its clean original.

Chen, Zhu and Heng, "An Efficient Statistical Method for Image Noise Level Estimation", ICCV 2015,
Algorithm 1: the covariance of the image's ``patch × patch`` blocks has eigenvalues that are the
noise variance σ² plus the signal's; natural images put their signal into few directions, so the
smallest eigenvalues are noise alone. Going from the largest eigenvalue down, the first tail whose
mean equals its median (the noise eigenvalues are spread symmetrically about σ²) gives σ² as that
mean. ``keras-sr restore --noise-level auto`` uses it (:mod:`keras_sr.inference.noise_adapt`);
docs/restoration.md gives its measured error on held-out photos.

Noise clipped at 0 and 255 (8-bit images) has a smaller spread than its σ: at σ 50 the estimate is
low by the clipped share (measured in the docs), which is the noise the image really holds.
"""

import numpy as np

PATCH = 7
MAX_PATCHES = 60000  # a random subset above this: the estimate's spread stays well under 0.1 level


def estimate_noise_sigma(image, patch=PATCH, max_patches=MAX_PATCHES, seed=0):
    """σ of additive white Gaussian noise in one image channel, on the 0-255 scale.

    Args:
        image: (H, W) or (H, W, 1) grey image: uint8, uint16, or float in [0, 1]. H and W at least
            ``patch`` (a 32 px image gives 676 blocks at the default 7).
        patch: block side (Chen et al. use 7 or 8).
        max_patches: at most this many blocks (drawn with ``seed``) enter the covariance.

    Returns:
        float σ ≥ 0 (0-255 scale).
    """
    x = np.asarray(image)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 2:
        raise ValueError(f"estimate_noise_sigma takes one channel (H, W) or (H, W, 1), got shape {np.shape(image)}")
    if x.dtype.kind == "u":
        to_255 = 255.0 / np.iinfo(x.dtype).max
    elif x.dtype.kind == "f":
        to_255 = 255.0
    else:
        raise ValueError(f"estimate_noise_sigma takes uint8, uint16 or float images, got {x.dtype}")
    h, w = x.shape
    if h < patch or w < patch:
        raise ValueError(f"image {h}x{w} is smaller than the {patch} px blocks of the noise estimate")
    # every block's top-left corner, or max_patches of them: only the chosen blocks are made float
    count = (h - patch + 1) * (w - patch + 1)
    corners = np.arange(count) if count <= max_patches else np.sort(
        np.random.default_rng(seed).choice(count, max_patches, replace=False))
    rows, cols = np.divmod(corners, w - patch + 1)
    offsets = np.arange(patch)
    blocks = x[(rows[:, None, None] + offsets[None, :, None]), (cols[:, None, None] + offsets[None, None, :])]
    blocks = blocks.reshape(len(corners), patch * patch).astype(np.float64) * to_255
    blocks -= blocks.mean(axis=0)
    eigenvalues = np.linalg.eigvalsh(blocks.T @ blocks / len(blocks))[::-1]  # largest first
    eigenvalues = np.maximum(eigenvalues, 0.0)
    for i in range(len(eigenvalues)):
        tail = eigenvalues[i:]
        mean = tail.mean()
        if mean <= np.median(tail):
            return float(np.sqrt(mean))
    return float(np.sqrt(eigenvalues[-1]))


def is_grey_image(image):
    """True for (H, W), (H, W, 1|2) images and RGB(A) ones whose three colour channels are equal."""
    x = np.asarray(image)
    if x.ndim == 2 or x.shape[-1] < 3:
        return True
    return bool(np.array_equal(x[..., 0], x[..., 1]) and np.array_equal(x[..., 0], x[..., 2]))


def y_noise_factor(image):
    """The σ noise of σ per RGB channel (or on a grey image) has on MATLAB's Y: 219/255 for a grey image
    (Y = 16 + 219·g/255), |Y's RGB row| / 255 ≈ 0.574 for white noise drawn per channel of a colour one."""
    from keras_sr.data.color import RGB_TO_YCBCR

    return 219.0 / 255.0 if is_grey_image(image) else float(np.linalg.norm(RGB_TO_YCBCR[0])) / 255.0


def estimate_image_noise_sigma(image, channel="rgb", **kwargs):
    """σ (0-255 scale) of white Gaussian noise drawn per channel in a grey or colour image.

    Colour photos are measured on their two opponent chroma channels (:mod:`keras_sr.data.opponent`),
    which hold the RGB noise's σ and little texture: far less over-estimated at low noise than
    the RGB channels themselves (docs/restoration.md gives both errors). A grey image (or one whose
    three channels are equal) is measured as it is.

    Args:
        image: (H, W) or (H, W, 1|2|3|4) (alpha ignored): uint8, uint16 or float in [0, 1].
        channel: ``"rgb"``: the σ of the noise per RGB channel (or of the grey image);
            ``"y"``: the σ that noise has on MATLAB's Y (what a Y-channel model sees).
        **kwargs: for :func:`estimate_noise_sigma`.
    """
    from keras_sr.data.opponent import rgb_to_opponent

    x = np.asarray(image)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(f"image must be (H, W) or (H, W, 1|2|3|4), got shape {np.shape(image)}")
    if channel not in ("rgb", "y"):
        raise ValueError(f"channel must be 'rgb' or 'y', got {channel!r}")
    if is_grey_image(x):
        sigma = estimate_noise_sigma(x[..., 0], **kwargs)
        return sigma * y_noise_factor(x) if channel == "y" else sigma
    rgb = x[..., :3]
    if rgb.dtype.kind == "u":
        rgb = rgb.astype(np.float32) / np.float32(np.iinfo(rgb.dtype).max)
    opponent = rgb_to_opponent(rgb)
    sigma = float(np.mean([estimate_noise_sigma(opponent[..., k], **kwargs) for k in (1, 2)]))
    return sigma * y_noise_factor(x) if channel == "y" else sigma
