"""NIQE: a no-reference image quality score (Mittal, Soundararajan and Bovik, "Making a 'Completely
Blind' Image Quality Analyzer", IEEE Signal Processing Letters 20(3), 2013); lower is better.

Written for keras-sr from the paper:

* MSCN coefficients of the grey image: (I - μ) / (σ + 1), μ and σ local Gaussian-weighted
  (7×7 window, σ_w = 7/6) mean and deviation (§II-A);
* 96×96 patches; a pristine model keeps the patches whose sharpness (sum of σ over the patch)
  exceeds 0.75 × the image's sharpest patch (§II-B);
* per patch and scale, 18 features: a GGD fit of the MSCN coefficients (shape α, variance) and
  asymmetric-GGD fits of the products of horizontal, vertical and both diagonal neighbours (shape,
  mean, left and right variances); the same at half resolution (MATLAB-bicubic) → 36 (§II-C);
* the pristine model is a multivariate Gaussian (mean, covariance) of those features; an image's
  score is the distance between it and the Gaussian fitted to the image's patches,
  sqrt((ν1-ν2)ᵀ ((Σ1+Σ2)/2)⁻¹ (ν1-ν2)) (§III).

The pristine Gaussian shipped (``niqe_pristine.npz``) was fitted by keras-sr on its own training
photos (T91 + BSD200 less a held-out split; ``benchmarks/fit_niqe.py``), not on the 125 pristine
photos of the paper: the scores are NOT those of MATLAB's ``niqe`` (same ordering of quality,
other numbers).

    from keras_sr.evaluation.niqe import niqe
    niqe(uint8_rgb_image)   # e.g. 3.1 for a sharp photo, more for JPEG / blurred ones
"""

import functools
import os

import numpy as np

PATCH = 96
SHARPNESS_THRESHOLD = 0.75
PRISTINE_FILE = os.path.join(os.path.dirname(__file__), "niqe_pristine.npz")


def _gaussian_window():
    t = np.arange(7) - 3.0
    g = np.exp(-t * t / (2 * (7 / 6) ** 2))
    return g / g.sum()


def mscn(gray):
    """MSCN coefficients and local deviation σ of a grey float image (0-255): two (H, W) arrays."""
    from scipy.ndimage import correlate1d

    def smooth(x):
        w = _gaussian_window()
        return correlate1d(correlate1d(x, w, axis=0, mode="nearest"), w, axis=1, mode="nearest")

    mu = smooth(gray)
    sigma = np.sqrt(np.abs(smooth(gray * gray) - mu * mu))
    return (gray - mu) / (sigma + 1.0), sigma


# ---- generalized Gaussian fits (moment matching) ----

_ALPHAS = np.arange(0.2, 10.0, 0.001)


@functools.lru_cache(maxsize=1)
def _rho_table():
    from scipy.special import gammaln

    a = _ALPHAS
    return np.exp(2 * gammaln(2 / a) - gammaln(1 / a) - gammaln(3 / a))  # increasing in α


def _shape_from_ratio(ratio):
    return np.interp(ratio, _rho_table(), _ALPHAS)


def ggd_features(x):
    """GGD fit of each row of ``x`` (N, M): (N, 2) = shape α, variance."""
    var = np.mean(x * x, axis=1)
    ratio = np.mean(np.abs(x), axis=1) ** 2 / np.maximum(var, 1e-12)
    return np.stack([_shape_from_ratio(ratio), var], axis=1)


def aggd_features(x):
    """Asymmetric GGD fit of each row of ``x`` (N, M): (N, 4) = shape α, mean η, left and right
    variances (Lasmar, Stitou and Berthoumieu 2009, as in BRISQUE / NIQE)."""
    from scipy.special import gammaln

    neg, pos = x < 0, x > 0
    left = np.sum(np.where(neg, x * x, 0), 1) / np.maximum(neg.sum(1), 1)
    right = np.sum(np.where(pos, x * x, 0), 1) / np.maximum(pos.sum(1), 1)
    gamma = np.sqrt(left) / np.maximum(np.sqrt(right), 1e-12)
    r = np.mean(np.abs(x), 1) ** 2 / np.maximum(np.mean(x * x, 1), 1e-12)
    big_r = r * (gamma ** 3 + 1) * (gamma + 1) / (gamma ** 2 + 1) ** 2
    alpha = _shape_from_ratio(big_r)
    spread = np.exp(0.5 * (gammaln(1 / alpha) - gammaln(3 / alpha)))
    eta = (np.sqrt(right) - np.sqrt(left)) * spread * np.exp(gammaln(2 / alpha) - gammaln(1 / alpha))
    return np.stack([alpha, eta, left, right], axis=1)


def _patch_features(coeffs, size):
    """(N, 18) features of the size×size patches of an MSCN image (patches row by row)."""
    rows, cols = coeffs.shape[0] // size, coeffs.shape[1] // size
    blocks = coeffs[:rows * size, :cols * size].reshape(rows, size, cols, size).swapaxes(1, 2)
    blocks = blocks.reshape(rows * cols, size, size)
    pairs = [blocks[:, :, :-1] * blocks[:, :, 1:], blocks[:, :-1, :] * blocks[:, 1:, :],
             blocks[:, :-1, :-1] * blocks[:, 1:, 1:], blocks[:, :-1, 1:] * blocks[:, 1:, :-1]]
    n = len(blocks)
    return np.concatenate([ggd_features(blocks.reshape(n, -1))]
                          + [aggd_features(p.reshape(n, -1)) for p in pairs], axis=1)


def _gray(image):
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 3:
        if image.shape[-1] != 3:
            raise ValueError(f"NIQE takes a grey or RGB image, got shape {image.shape}")
        from keras_sr.data.color import rgb_to_y

        scale = 255.0 if image.dtype == np.uint8 else 1.0
        return rgb_to_y(image.astype(np.float64) / scale)[..., 0] * 255.0  # MATLAB rgb2ycbcr Y (16-235)
    return image.astype(np.float64) * (1.0 if image.dtype == np.uint8 else 255.0)


def features(image, select_sharp=False):
    """(N, 36) features of the 96×96 patches of an image (uint8 or float [0, 1]; RGB or grey).

    ``select_sharp``: keep only the patches sharper than 0.75 × the sharpest (the pristine model's
    selection). Raises ``ValueError`` for images smaller than one patch.
    """
    gray = _gray(image)
    if min(gray.shape) < PATCH:
        raise ValueError(f"NIQE needs images of at least {PATCH}x{PATCH} pixels, got {gray.shape[1]}x{gray.shape[0]}")
    from keras_sr.data.imresize import matlab_imresize

    rows, cols = gray.shape[0] // PATCH, gray.shape[1] // PATCH
    gray = gray[:rows * PATCH, :cols * PATCH]
    coeffs, sigma = mscn(gray)
    feats = _patch_features(coeffs, PATCH)
    half, _ = mscn(matlab_imresize(gray, 0.5))
    feats = np.concatenate([feats, _patch_features(half, PATCH // 2)], axis=1)
    if select_sharp:
        sharp = sigma.reshape(rows, PATCH, cols, PATCH).sum(axis=(1, 3)).reshape(-1)
        feats = feats[sharp > SHARPNESS_THRESHOLD * sharp.max()]
    return feats


def fit_pristine(images):
    """The pristine multivariate Gaussian of an iterable of images: ``{"mean": (36,), "cov": (36, 36),
    "patches": N}`` from the sharp patches of each."""
    feats = np.concatenate([features(img, select_sharp=True) for img in images], axis=0)
    return {"mean": feats.mean(axis=0), "cov": np.cov(feats, rowvar=False), "patches": len(feats)}


@functools.lru_cache(maxsize=1)
def pristine_model():
    """The shipped pristine Gaussian (``niqe_pristine.npz``, fitted by keras-sr): ``(mean, cov)``."""
    with np.load(PRISTINE_FILE) as f:
        return f["mean"], f["cov"]


def niqe(image, model=None):
    """NIQE score of one image (uint8 or float [0, 1], RGB or grey, at least 96×96); lower is better.

    ``model``: ``(mean, cov)`` of a pristine Gaussian (default: :func:`pristine_model`)."""
    mean, cov = pristine_model() if model is None else model
    feats = features(image)
    mu = feats.mean(axis=0)
    cov2 = np.cov(feats, rowvar=False) if len(feats) > 1 else np.zeros_like(cov)
    d = mean - mu
    return float(np.sqrt(max(d @ np.linalg.pinv((cov + cov2) / 2) @ d, 0.0)))


def score_folder(sources):
    """NIQE of every image in folder(s)/glob(s)/file(s): ``{"images": [{"file", "niqe"}...], "niqe": mean}``.

    Raises ``ValueError`` naming the first file that cannot be scored (too small, unreadable)."""
    from keras_sr.data.io import list_image_files, read_image

    files = list_image_files(sources)
    if not files:
        raise ValueError(f"no images in {sources!r}")
    rows = []
    for path in files:
        try:
            image = read_image(path)
            if image.dtype != np.uint8:
                image = np.floor(image.astype(np.float64) / 257.0 + 0.5).astype(np.uint8)
            rows.append({"file": os.path.basename(path), "niqe": niqe(image)})
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
    return {"images": rows, "niqe": float(np.mean([r["niqe"] for r in rows]))}


def format_scores(result, per_image=False):
    """The text of a :func:`score_folder` result: the mean, and a row per image with ``per_image``."""
    lines = [f"NIQE (no reference, lower is better; keras-sr's pristine model, not MATLAB's numbers): "
             f"{result['niqe']:.3f} over {len(result['images'])} image(s)"]
    if per_image:
        width = max(len(r["file"]) for r in result["images"])
        lines += [f"  {r['file']:<{width}}  {r['niqe']:.3f}" for r in result["images"]]
    return "\n".join(lines)
