"""A realistic second-order degradation (``real`` in the chain text of :mod:`keras_sr.data.degradations`).

The model of Real-ESRGAN (Wang et al., "Real-ESRGAN: Training Real-World Blind Super-Resolution with
Pure Synthetic Data", ICCV Workshops 2021, §3), written for keras-sr from the paper and the ranges and
probabilities of its published training options (``train_realesrnet_x4plus.yml``); keras-sr's own code.
An HR image goes through the same four steps twice, each with its own ranges:

    blur    one kernel per image, odd size 7-21: isotropic / anisotropic Gaussian, generalized Gaussian
            (exp(-½·q^β)), plateau (1/(1+q^β)), q = cᵀΣ⁻¹c; or a 2-D sinc (ringing) filter
    resize  up / down / keep, factor drawn in a range, area / bilinear / bicubic
    noise   additive Gaussian (σ on the 0-255 scale) or Poisson (shot noise at 8-bit counts, scaled),
            per colour channel or one grey field for all channels
    JPEG    quality drawn in a range

then a final resize to HR/scale with a sinc filter and a last JPEG, in random order.
:data:`REAL` holds every range and probability; ``print(REAL.describe())`` prints them all.

Differences from Real-ESRGAN's code (not its paper): resizing is PIL's (antialiased bilinear /
bicubic, box for area) instead of PyTorch's ``interpolate``; JPEG is libjpeg through PIL instead
of a differentiable JPEG; values are rounded to 8-bit levels at each JPEG, like a saved file.
"""

import dataclasses
import math

import numpy as np

KINDS = ("iso", "aniso", "generalized_iso", "generalized_aniso", "plateau_iso", "plateau_aniso")
MODES = ("area", "bilinear", "bicubic")


# ---- kernels ----

def _grid(size):
    if not isinstance(size, (int, np.integer)) or size < 3 or size % 2 == 0:
        raise ValueError(f"kernel size must be an odd integer >= 3, got {size!r}")
    t = np.arange(size, dtype=np.float64) - size // 2
    return np.meshgrid(t, t)  # (x: column offset, y: row offset)


def anisotropic_kernel(size, sigma_x, sigma_y=None, theta=0.0, beta=1.0, shape="gaussian"):
    """A (size, size) blur kernel summing to 1.

    ``q = cᵀΣ⁻¹c`` with Σ = R(θ)·diag(σx², σy²)·R(θ)ᵀ; ``shape``: ``"gaussian"`` exp(-q/2),
    ``"generalized"`` exp(-½·q^β), ``"plateau"`` 1/(1 + q^β). ``sigma_y=None`` is isotropic.
    """
    sigma_y = sigma_x if sigma_y is None else sigma_y
    if not (sigma_x > 0 and sigma_y > 0):
        raise ValueError(f"kernel sigmas must be > 0, got {sigma_x}, {sigma_y}")
    xx, yy = _grid(size)
    c, s = math.cos(theta), math.sin(theta)
    u, v = c * xx + s * yy, -s * xx + c * yy  # offsets in the kernel's principal axes
    q = (u / sigma_x) ** 2 + (v / sigma_y) ** 2
    if shape == "gaussian":
        k = np.exp(-0.5 * q)
    elif shape == "generalized":
        k = np.exp(-0.5 * q ** beta)
    elif shape == "plateau":
        k = 1.0 / (1.0 + q ** beta)
    else:
        raise ValueError(f"kernel shape must be gaussian, generalized or plateau, got {shape!r}")
    return k / k.sum()


def sinc_kernel(size, cutoff):
    """A (size, size) circular low-pass (2-D sinc: ω·J1(ω·r)/(2π·r)) with cutoff ``ω`` in (0, π],
    summing to 1: the ringing / overshoot of sharpened and resampled images."""
    from scipy.special import j1

    if not 0 < cutoff <= math.pi:
        raise ValueError(f"sinc cutoff must be in (0, pi], got {cutoff}")
    xx, yy = _grid(size)
    r = np.hypot(xx, yy)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = cutoff * j1(cutoff * r) / (2 * math.pi * r)
    k[size // 2, size // 2] = cutoff ** 2 / (4 * math.pi)
    return k / k.sum()


# ---- parameters (data) ----

def _rng_text(pair):
    def fmt(v):
        return str(int(v)) if float(v).is_integer() else f"{v:g}"
    return f"{fmt(pair[0])}-{fmt(pair[1])}"


@dataclasses.dataclass(frozen=True)
class Blur:
    """One blur step: the kernel kinds and their probabilities, ranges, and the sinc alternative."""

    prob: float = 1.0
    sizes: tuple = (7, 21)
    kinds: tuple = (("iso", 0.45), ("aniso", 0.25), ("generalized_iso", 0.12),
                    ("generalized_aniso", 0.03), ("plateau_iso", 0.12), ("plateau_aniso", 0.03))
    sigma: tuple = (0.2, 3.0)
    beta_generalized: tuple = (0.5, 4.0)
    beta_plateau: tuple = (1.0, 2.0)
    sinc_prob: float = 0.1

    def kernel(self, rng):
        """A kernel drawn with ``rng`` (numpy Generator)."""
        size = int(rng.choice(np.arange(self.sizes[0], self.sizes[1] + 1, 2)))
        if rng.random() < self.sinc_prob:
            low = math.pi / 3 if size < 13 else math.pi / 5
            return sinc_kernel(size, float(rng.uniform(low, math.pi)))
        names, probs = zip(*self.kinds)
        kind = names[int(rng.choice(len(names), p=np.asarray(probs) / sum(probs)))]
        sx = float(rng.uniform(*self.sigma))
        sy, theta = (float(rng.uniform(*self.sigma)), float(rng.uniform(-math.pi, math.pi))) \
            if kind.endswith("aniso") else (sx, 0.0)
        shape, beta = "gaussian", 1.0
        if kind.startswith(("generalized", "plateau")):
            shape = kind.split("_")[0]
            lo, hi = self.beta_generalized if shape == "generalized" else self.beta_plateau
            beta = float(rng.uniform(lo, 1.0) if rng.random() < 0.5 and lo < 1 else rng.uniform(max(lo, 1.0), hi))
        return anisotropic_kernel(size, sx, sy, theta, beta, shape)

    def describe(self):
        kinds = ", ".join(f"{k} {p:g}" for k, p in self.kinds)
        return (f"blur p={self.prob:g}: kernel size {_rng_text(self.sizes)} (odd); {kinds}; sigma "
                f"{_rng_text(self.sigma)} px; beta generalized {_rng_text(self.beta_generalized)}, plateau "
                f"{_rng_text(self.beta_plateau)}; a sinc filter instead p={self.sinc_prob:g} (cutoff pi/3-pi, "
                "pi/5-pi from size 13)")


@dataclasses.dataclass(frozen=True)
class Order:
    """One pass: blur, resize, noise, JPEG."""

    blur: Blur = Blur()
    resize_probs: tuple = (0.2, 0.7, 0.1)  # up, down, keep
    resize_range: tuple = (0.15, 1.5)
    gaussian_prob: float = 0.5  # else Poisson
    noise_sigma: tuple = (1.0, 30.0)
    poisson_scale: tuple = (0.05, 3.0)
    gray_prob: float = 0.4
    jpeg: tuple = (30, 95)

    def describe(self, relative_to):
        up, down, keep = self.resize_probs
        return "\n".join([
            self.blur.describe(),
            f"resize: up p={up:g} / down p={down:g} / keep p={keep:g}, factor {_rng_text(self.resize_range)} "
            f"of {relative_to}, mode {' / '.join(MODES)} (equal odds)",
            f"noise: Gaussian p={self.gaussian_prob:g} sigma {_rng_text(self.noise_sigma)} (0-255 scale), "
            f"else Poisson scale {_rng_text(self.poisson_scale)}; grey (one field for all channels) "
            f"p={self.gray_prob:g}",
            f"JPEG quality {_rng_text(self.jpeg)}"])


@dataclasses.dataclass(frozen=True)
class RealChain:
    """The whole second-order chain: two :class:`Order` passes, then resize to HR/scale with a
    sinc filter (``final_sinc_prob``) and a final JPEG (``final_jpeg``), in random order."""

    name: str = "real"
    first: Order = Order()
    second: Order = Order(blur=Blur(prob=0.8, sigma=(0.2, 1.5)), resize_probs=(0.3, 0.4, 0.3),
                          resize_range=(0.3, 1.2), noise_sigma=(1.0, 25.0), poisson_scale=(0.05, 2.5))
    final_sinc_prob: float = 0.8
    final_sinc_sizes: tuple = (7, 21)
    final_jpeg: tuple = (30, 95)

    def describe(self):
        """Every range and probability, one per line."""
        def indent(text):
            return "\n".join("    " + line for line in text.splitlines())

        return "\n".join([
            f"{self.name}: second-order degradation (Real-ESRGAN, Wang et al. 2021, section 3), HR -> HR/scale",
            "  1st order:", indent(self.first.describe("the HR size")),
            "  2nd order:", indent(self.second.describe("the HR/scale size")),
            f"  final, in random order (p=0.5 each): [resize to HR/scale, mode {' / '.join(MODES)}; sinc filter "
            f"p={self.final_sinc_prob:g} (size {_rng_text(self.final_sinc_sizes)}, cutoff pi/3-pi)] and "
            f"[JPEG quality {_rng_text(self.final_jpeg)}]",
            "  values rounded to 8-bit levels at every JPEG and at the end"])

    def apply(self, image, rng, out_shape):
        """uint8 (H, W, C) -> uint8 (out_shape + (C,)), drawn with ``rng`` (numpy Generator)."""
        from keras_sr.data.jpeg import jpeg_numpy

        def jpeg(x, quality_range):
            q = int(rng.integers(quality_range[0], quality_range[1] + 1))
            return jpeg_numpy(_levels(x), q).astype(np.float64) / 255.0

        out_shape = (int(out_shape[0]), int(out_shape[1]))
        x = np.asarray(image, np.float64) / 255.0
        for order, base in ((self.first, x.shape[:2]), (self.second, out_shape)):
            if rng.random() < order.blur.prob:
                x = filter2d(x, order.blur.kernel(rng))
            way = int(rng.choice(3, p=np.asarray(order.resize_probs) / sum(order.resize_probs)))
            factor = (rng.uniform(1.0, order.resize_range[1]), rng.uniform(order.resize_range[0], 1.0), 1.0)[way]
            mode = MODES[int(rng.integers(len(MODES)))]
            size = (max(1, int(base[0] * factor)), max(1, int(base[1] * factor)))
            if size != x.shape[:2]:
                x = resize(x, size, mode)
            x = np.clip(x + _noise(x, order, rng), 0.0, 1.0)
            x = jpeg(x, order.jpeg)
        sinc = None
        if rng.random() < self.final_sinc_prob:
            size = int(rng.choice(np.arange(self.final_sinc_sizes[0], self.final_sinc_sizes[1] + 1, 2)))
            sinc = sinc_kernel(size, float(rng.uniform(math.pi / 3, math.pi)))
        mode = MODES[int(rng.integers(len(MODES)))]
        jpeg_first = rng.random() < 0.5
        if jpeg_first:
            x = jpeg(x, self.final_jpeg)
        x = resize(x, out_shape, mode) if x.shape[:2] != out_shape else x
        if sinc is not None:
            x = filter2d(x, sinc)
        if not jpeg_first:
            x = jpeg(np.clip(x, 0.0, 1.0), self.final_jpeg)
        return _levels(x)


REAL = RealChain()


# ---- operations on float images (H, W, C) in [0, 1] ----

def filter2d(x, kernel):
    """Correlate each channel with ``kernel`` (odd square), mirrored borders (the edge pixel not
    repeated); the output has the input's size."""
    from scipy.signal import fftconvolve

    r = kernel.shape[0] // 2
    padded = np.pad(x, ((r, r), (r, r), (0, 0)), mode="reflect")
    return fftconvolve(padded, kernel[::-1, ::-1, None], mode="valid", axes=(0, 1))


def resize(x, size, mode):
    """Resize float (H, W, C) to ``size`` (h, w): ``area`` (box), ``bilinear`` or ``bicubic``
    (PIL, antialiased when shrinking)."""
    from PIL import Image

    resample = {"area": Image.Resampling.BOX, "bilinear": Image.Resampling.BILINEAR,
                "bicubic": Image.Resampling.BICUBIC}[mode]
    planes = [np.asarray(Image.fromarray(x[..., c].astype(np.float32), mode="F")
                         .resize((size[1], size[0]), resample)) for c in range(x.shape[-1])]
    return np.stack(planes, axis=-1).astype(np.float64)


def _noise(x, order, rng):
    gray = x.shape[-1] == 1 or rng.random() < order.gray_prob
    if rng.random() < order.gaussian_prob:
        sigma = float(rng.uniform(*order.noise_sigma)) / 255.0
        return sigma * rng.standard_normal(x.shape[:2] + (1,) if gray else x.shape)
    scale = float(rng.uniform(*order.poisson_scale))
    source = x.mean(axis=-1, keepdims=True) if gray else x  # grey: one shot-noise field from the mean level
    source = np.clip(source, 0.0, 1.0)
    return scale * (rng.poisson(source * 255.0) / 255.0 - source)


def _levels(x):
    return np.clip(np.floor(x * 255.0 + 0.5), 0, 255).astype(np.uint8)
