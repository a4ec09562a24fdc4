"""Real photos for calibration and parity: the user's folder, or the photos scikit-image ships."""

import os

import numpy as np
from PIL import Image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
# Colour photos bundled with scikit-image (``skimage.data.data_dir``), no download needed.
SAMPLE_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                 "retina.jpg", "hubble_deep_field.jpg", "color.png")


def sample_photo_paths():
    """Paths of the colour photos scikit-image ships (present in every install)."""
    from skimage.data import data_dir

    return [os.path.join(data_dir, n) for n in SAMPLE_PHOTOS if os.path.exists(os.path.join(data_dir, n))]


def image_paths(folder=None):
    """Sorted image files in ``folder`` (or the bundled photos when ``folder`` is None)."""
    if folder is None:
        return sample_photo_paths()
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"calibration folder {folder} does not exist")
    paths = sorted(os.path.join(folder, n) for n in os.listdir(folder)
                   if n.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise ValueError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in calibration folder {folder}")
    return paths


def load_rgb(path):
    """uint8 RGB (H, W, 3)."""
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except OSError as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from None


def cover_crop(rgb, width, height):
    """Resize (PIL bicubic) so the image covers ``width`` x ``height``, then centre-crop to it."""
    h, w = rgb.shape[:2]
    f = max(width / w, height / h)
    if f > 1 or (w, h) != (width, height):
        nw, nh = max(width, round(w * f)), max(height, round(h * f))
        if (nw, nh) != (w, h):
            rgb = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BICUBIC))
    h, w = rgb.shape[:2]
    top, left = (h - height) // 2, (w - width) // 2
    return rgb[top:top + height, left:left + width]


def rgb_to_y(rgb01):
    """Luma Y of RGB in [0, 1] as MATLAB's ``rgb2ycbcr`` (ITU-R BT.601, [16, 235] / 255)."""
    return (16.0 + rgb01 @ np.array([65.481, 128.553, 24.966], np.float32)) / 255.0


def to_model_input(rgb_uint8, channels):
    """uint8 RGB -> float32 (H, W, channels) in [0, 1]: RGB, or Y for 1-channel models."""
    x = rgb_uint8.astype(np.float32) / 255.0
    return x if channels == 3 else rgb_to_y(x)[..., None].astype(np.float32)
