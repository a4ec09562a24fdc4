"""PSNR and SSIM as the SR papers compute them (MATLAB protocol; SPECS §0.1).

The EDSR / BasicSR benchmark protocol, followed by the numpy functions:

1. the HR image is cropped to a multiple of the scale (:func:`modcrop`);
2. both images become uint8 levels: values in ``value_range`` are mapped to [0, 255],
   clipped and rounded (uint8 images are taken as they are);
3. ``channel="y"``: Y of MATLAB ``rgb2ycbcr`` in [16, 235], float, not rounded;
   ``channel="rgb"``: all channels;
4. a border of ``shave`` pixels (default: the scale) is removed (:func:`shave`);
5. PSNR = 10 log10(255² / MSE); SSIM = MATLAB ``ssim_index``: 11x11 Gaussian window,
   σ = 1.5, K1 = 0.01, K2 = 0.03, L = 255, 'valid' filtering, mean of the map
   (averaged over channels for RGB).

:class:`PSNR` and :class:`SSIM` compute the same with ``keras.ops`` for
``model.compile(metrics=[...])``; they average the per-image values over all images seen.
"""

import keras
import numpy as np

from keras_sr.data.color import rgb_to_y

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
MAX_VALUE = 255.0


def modcrop(img, scale):
    """Crop (H, W[, C]) ``img`` to the largest multiple of ``scale`` (top-left kept)."""
    scale = int(scale)
    if scale < 1:
        raise ValueError(f"`scale` must be a positive integer, got {scale}")
    h, w = img.shape[0], img.shape[1]
    return img[: h - h % scale, : w - w % scale]


def shave(img, border):
    """Remove ``border`` pixels from each side of (H, W[, C]) ``img``."""
    border = int(border)
    if border < 0:
        raise ValueError(f"`border` must be >= 0, got {border}")
    if border == 0:
        return img
    if min(img.shape[0], img.shape[1]) <= 2 * border:
        raise ValueError(f"image of shape {tuple(img.shape)} is too small to shave {border} px")
    return img[border:-border, border:-border]


def gaussian_window(size=SSIM_WINDOW, sigma=SSIM_SIGMA):
    """Normalised 1-D Gaussian (MATLAB ``fspecial('gaussian')`` is its outer product)."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x ** 2) / (2.0 * sigma ** 2))
    return g / g.sum()


def _to_levels(img, value_range):
    """Image -> float64 uint8 levels in [0, 255] (quantised like a saved 8-bit image)."""
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img.astype(np.float64)
    lo, hi = value_range
    x = (img.astype(np.float64) - lo) / (hi - lo) * MAX_VALUE
    return np.floor(np.clip(x, 0.0, MAX_VALUE) + 0.5)


def _prepare(sr, hr, scale, shave_border, channel, value_range):
    if channel not in ("y", "rgb"):
        raise ValueError(f"`channel` must be 'y' or 'rgb', got {channel!r}")
    hr = modcrop(np.asarray(hr), scale)
    sr = np.asarray(sr)
    if sr.shape != hr.shape:
        raise ValueError(f"SR shape {sr.shape} != HR shape {hr.shape} (HR after modcrop to x{scale})")
    sr, hr = _to_levels(sr, value_range), _to_levels(hr, value_range)
    if sr.ndim == 2:
        sr, hr = sr[..., None], hr[..., None]
    if channel == "y" and sr.shape[-1] == 1:
        pass  # already Y (a Y-channel model's output, Y / 255 in [0, 1])
    elif channel == "y":
        if sr.shape[-1] != 3:
            raise ValueError(f"channel='y' needs RGB or 1-channel Y images, got shape {sr.shape}")
        sr, hr = rgb_to_y(sr / MAX_VALUE) * MAX_VALUE, rgb_to_y(hr / MAX_VALUE) * MAX_VALUE
    border = scale if shave_border is None else shave_border
    return shave(sr, border), shave(hr, border)


def psnr(sr, hr, scale=1, shave=None, channel="rgb", value_range=(0.0, 1.0)):
    """PSNR in dB between one SR image and its HR image, MATLAB protocol (module docstring).

    Args:
        sr: (H, W, C) or (H, W) SR image, float in ``value_range`` or uint8.
        hr: HR image (modcropped to ``scale`` here), same layout.
        scale: SR scale: modcrop and default shave.
        shave: border removed before comparing; ``None`` means ``scale``.
        channel: ``"y"`` (MATLAB Y) or ``"rgb"``.
        value_range: (low, high) of float images.
    """
    sr, hr = _prepare(sr, hr, scale, shave, channel, value_range)
    mse = np.mean((sr - hr) ** 2)
    return float("inf") if mse == 0 else float(10.0 * np.log10(MAX_VALUE ** 2 / mse))


def _filter_valid(x, g):
    """Separable 'valid' correlation of (H, W) ``x`` with the 1-D window ``g``."""
    win = np.lib.stride_tricks.sliding_window_view
    x = win(x, g.size, axis=0) @ g
    return win(x, g.size, axis=1) @ g


def _ssim_single(x, y):
    g = gaussian_window()
    c1, c2 = (SSIM_K1 * MAX_VALUE) ** 2, (SSIM_K2 * MAX_VALUE) ** 2
    mu_x, mu_y = _filter_valid(x, g), _filter_valid(y, g)
    sxx = _filter_valid(x * x, g) - mu_x ** 2
    syy = _filter_valid(y * y, g) - mu_y ** 2
    sxy = _filter_valid(x * y, g) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (sxx + syy + c2))
    return ssim_map.mean()


def ssim(sr, hr, scale=1, shave=None, channel="rgb", value_range=(0.0, 1.0)):
    """SSIM (MATLAB ``ssim_index`` / BasicSR), arguments as :func:`psnr`; RGB averages channels."""
    sr, hr = _prepare(sr, hr, scale, shave, channel, value_range)
    if min(sr.shape[:2]) < SSIM_WINDOW:
        raise ValueError(f"SSIM needs images of at least {SSIM_WINDOW} px after shaving, got {sr.shape}")
    return float(np.mean([_ssim_single(sr[..., c], hr[..., c]) for c in range(sr.shape[-1])]))


def psnr_y(sr, hr, scale=1, shave=None, value_range=(0.0, 1.0)):
    """:func:`psnr` on MATLAB's Y channel (the benchmark-table metric)."""
    return psnr(sr, hr, scale, shave, "y", value_range)


def ssim_y(sr, hr, scale=1, shave=None, value_range=(0.0, 1.0)):
    """:func:`ssim` on MATLAB's Y channel (the benchmark-table metric)."""
    return ssim(sr, hr, scale, shave, "y", value_range)


def texture_ratio(sr, hr, scale=1, shave=None, value_range=(0.0, 1.0)):
    """High-frequency energy of SR relative to HR: ``var(∇²Y_sr) / var(∇²Y_hr)``.

    A texture measure that needs no trained network (SRGAN's model card): 1 means the SR
    image has as much fine detail as HR; MSE-trained networks, which average plausible
    textures away, give well under 1; noise or ringing can give more. ``∇²`` is the
    4-neighbour discrete Laplacian on MATLAB Y levels (0..255) after :func:`modcrop` and
    :func:`shave` (the PSNR protocol, same arguments as :func:`psnr`). A float > 0.
    """
    sr, hr = _prepare(sr, hr, scale, shave, "y", value_range)

    def laplacian_variance(y):
        y = y[..., 0]
        lap = y[1:-1, :-2] + y[1:-1, 2:] + y[:-2, 1:-1] + y[2:, 1:-1] - 4 * y[1:-1, 1:-1]
        return float(np.var(lap))

    reference = laplacian_variance(hr)
    if reference == 0:
        raise ValueError("texture_ratio: the HR image is flat (no high frequencies to compare with)")
    return laplacian_variance(sr) / reference


# ---- Keras metrics (keras.ops; batches (B, H, W, C)) ----

class _ImageMetric(keras.metrics.Metric):
    """Mean over images of a per-image metric, computed the MATLAB way on uint8 levels."""

    def __init__(self, channel="y", shave=0, value_range=(0.0, 1.0), quantize=True, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if channel not in ("y", "rgb"):
            raise ValueError(f"`channel` must be 'y' or 'rgb', got {channel!r}")
        if int(shave) < 0:
            raise ValueError(f"`shave` must be >= 0, got {shave}")
        self.channel = channel
        self.shave = int(shave)
        self.value_range = tuple(float(v) for v in value_range)
        self.quantize = bool(quantize)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="count")

    def _levels(self, x):
        lo, hi = self.value_range
        x = (keras.ops.cast(x, "float32") - lo) * (MAX_VALUE / (hi - lo))
        x = keras.ops.clip(x, 0.0, MAX_VALUE)
        if self.quantize:
            x = keras.ops.floor(x + 0.5)
        if self.channel == "y":
            x = rgb_to_y(x / MAX_VALUE) * MAX_VALUE
        if self.shave:
            b = self.shave
            x = x[:, b:-b, b:-b, :]
        return x

    def per_image(self, y_true, y_pred):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self.per_image(self._levels(y_true), self._levels(y_pred))
        if sample_weight is not None:
            w = keras.ops.reshape(keras.ops.cast(sample_weight, "float32"), (-1,))
            self.total.assign_add(keras.ops.sum(values * w))
            self.count.assign_add(keras.ops.sum(w))
        else:
            self.total.assign_add(keras.ops.sum(values))
            self.count.assign_add(keras.ops.cast(keras.ops.shape(values)[0], "float32"))

    def result(self):
        return keras.ops.divide_no_nan(self.total, self.count)

    def reset_state(self):
        self.total.assign(0.0)
        self.count.assign(0.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "channel": self.channel, "shave": self.shave,
                "value_range": self.value_range, "quantize": self.quantize}


@keras.saving.register_keras_serializable(package="keras_sr")
class PSNR(_ImageMetric):
    """Mean per-image PSNR (dB, peak 255) of a batch, as :func:`psnr` (module docstring).

    Args:
        channel: ``"y"`` (MATLAB Y, default) or ``"rgb"``.
        shave: border in pixels removed before comparing (use the scale for benchmarks).
        value_range: (low, high) of ``y_true``/``y_pred``; mapped to [0, 255] and clipped.
        quantize: round to uint8 levels first, as the benchmark protocol does.
    """

    def __init__(self, channel="y", shave=0, value_range=(0.0, 1.0), quantize=True, name="psnr", dtype=None):
        super().__init__(channel, shave, value_range, quantize, name=name, dtype=dtype)

    def per_image(self, y_true, y_pred):
        mse = keras.ops.mean(keras.ops.square(y_true - y_pred), axis=(1, 2, 3))
        # An identical pair would give inf; cap at the PSNR of a one-level error in 1e10 pixels.
        mse = keras.ops.maximum(mse, 1e-10)
        return 10.0 * keras.ops.log10(MAX_VALUE ** 2 / mse)


@keras.saving.register_keras_serializable(package="keras_sr")
class SSIM(_ImageMetric):
    """Mean per-image SSIM of a batch, as :func:`ssim` (Gaussian 11x11, σ 1.5, 'valid').

    Arguments as :class:`PSNR`; RGB averages the per-channel SSIM.
    """

    def __init__(self, channel="y", shave=0, value_range=(0.0, 1.0), quantize=True, name="ssim", dtype=None):
        super().__init__(channel, shave, value_range, quantize, name=name, dtype=dtype)

    def per_image(self, y_true, y_pred):
        channels = y_true.shape[-1]
        g = gaussian_window().astype("float32")
        kernel = np.tile((g[:, None] * g[None, :])[:, :, None, None], (1, 1, channels, 1))
        kernel = keras.ops.convert_to_tensor(kernel)

        def filt(x):
            return keras.ops.depthwise_conv(x, kernel, strides=1, padding="valid")

        c1, c2 = (SSIM_K1 * MAX_VALUE) ** 2, (SSIM_K2 * MAX_VALUE) ** 2
        mu_x, mu_y = filt(y_true), filt(y_pred)
        sxx = filt(y_true * y_true) - mu_x * mu_x
        syy = filt(y_pred * y_pred) - mu_y * mu_y
        sxy = filt(y_true * y_pred) - mu_x * mu_y
        ssim_map = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / (
            (mu_x * mu_x + mu_y * mu_y + c1) * (sxx + syy + c2))
        return keras.ops.mean(ssim_map, axis=(1, 2, 3))
