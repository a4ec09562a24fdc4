"""Bicubic degradation and PSNR-Y for parity checks (local until ``keras_sr.data`` lands)."""

import numpy as np
from PIL import Image

from keras_sr.export.images import rgb_to_y


def bicubic_downscale(rgb_uint8, scale):
    """uint8 RGB downscaled by ``scale`` (PIL bicubic, antialiased)."""
    h, w = rgb_uint8.shape[:2]
    return np.asarray(Image.fromarray(rgb_uint8).resize((w // scale, h // scale), Image.BICUBIC))


def psnr_y(sr, hr, scale):
    """PSNR in dB on luma Y (BT.601) of images in [0, 1], ``scale`` border pixels shaved."""
    def y(img):
        return img[..., 0] if img.shape[-1] == 1 else rgb_to_y(img)

    a, b = y(np.asarray(sr, np.float64)), y(np.asarray(hr, np.float64))
    if scale:
        a, b = a[scale:-scale, scale:-scale], b[scale:-scale, scale:-scale]
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)
