"""Real photos for calibration and parity: the user's folder, or the photos scikit-image ships."""

import os

import numpy as np
from keras_sr.data import list_image_files, matlab_imresize, read_image, rgb_to_y
from keras_sr.evaluation.samples import sample_photo_paths


def image_paths(folder=None):
    """Sorted image files in ``folder`` (or the bundled photos when ``folder`` is None)."""
    if folder is None:
        return sample_photo_paths()
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"calibration folder {folder} does not exist")
    return list_image_files(folder)


def load_rgb(path):
    """uint8 RGB (H, W, 3) (16-bit files are reduced to 8 bits)."""
    rgb = read_image(path)
    return rgb if rgb.dtype == np.uint8 else np.round(rgb / 257.0).astype(np.uint8)


def center_crop(rgb, width, height):
    """The central ``width`` x ``height`` window (the image must be at least that large)."""
    h, w = rgb.shape[:2]
    if w < width or h < height:
        raise ValueError(f"image {w}x{h} is smaller than the crop {width}x{height}")
    top, left = (h - height) // 2, (w - width) // 2
    return rgb[top:top + height, left:left + width]


def bicubic_downscale(rgb_uint8, scale):
    """MATLAB ``imresize(img, 1/scale, 'bicubic')`` of a uint8 image (the SR benchmark degradation)."""
    return matlab_imresize(rgb_uint8, 1.0 / scale)


def to_model_input(rgb_uint8, channels):
    """uint8 RGB -> float32 (H, W, channels) in [0, 1]: RGB, or MATLAB Y for 1-channel models."""
    x = rgb_uint8.astype(np.float32) / 255.0
    return x if channels == 3 else np.asarray(rgb_to_y(x), np.float32).reshape(*x.shape[:2], 1)
