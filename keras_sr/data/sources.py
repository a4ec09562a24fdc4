"""What both training pipelines share, without TensorFlow: decoding and checking the image
files up front (bad input fails or is skipped by name before training), the paired-LR
naming, argument checks, and the whole-image evaluation pairs.

:mod:`keras_sr.data.pipeline` (``tf.data``) and :mod:`keras_sr.data.numpy_pipeline`
(``keras.utils.PyDataset``, no TensorFlow) build on it.
"""

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from keras_sr.data.color import rgb_to_y
from keras_sr.data.degradations import parse_degradation, y_levels
from keras_sr.data.imresize import matlab_imresize
from keras_sr.data.io import IMAGE_EXTENSIONS, ImageReadError, list_image_files, read_image
from keras_sr.data.metrics import modcrop


# ---- decoding and checking files up front ----

def _to_bit_depth(arr, bit_depth):
    if bit_depth == 16:
        return arr.astype(np.uint16) * 257 if arr.dtype == np.uint8 else arr
    if arr.dtype == np.uint16:  # 16-bit source in an 8-bit pipeline: round to 8 bits
        return np.floor(arr.astype(np.float64) / 257.0 + 0.5).astype(np.uint8)
    return arr


def _paired_lr_file(hr_file, lr_dir, scale):
    """DIV2K naming: HR ``0001.png`` -> LR ``0001x2.png`` (or ``0001.png``) in ``lr_dir``."""
    stem = Path(hr_file).stem
    for name in (f"{stem}x{scale}", stem):
        for ext in IMAGE_EXTENSIONS + tuple(e.upper() for e in IMAGE_EXTENSIONS):
            candidate = Path(lr_dir) / f"{name}{ext}"
            if candidate.is_file():
                return str(candidate)
    raise ImageReadError(hr_file, f"no paired LR image {stem}x{scale}.* or {stem}.* in {lr_dir}")


class TooSmallImage(ImageReadError):
    """A readable image smaller than the crop (skipped under the default ``on_bad_file="skip_small"``)."""


ON_BAD_FILE = ("skip_small", "skip", "raise")


def _load_checked(hr_file, lr_file, scale, min_lr_size, alpha, bit_depth):
    """Decode one HR (and LR) file; ImageReadError naming the file if it cannot be used."""
    hr = _to_bit_depth(read_image(hr_file, alpha), bit_depth)
    h, w = hr.shape[:2]
    if min(h // scale, w // scale) < min_lr_size:
        raise TooSmallImage(hr_file, f"image {w}x{h} is smaller than the {min_lr_size * scale} px HR crop "
                                      f"(x{scale}, {min_lr_size} px LR patch)")
    if lr_file is None:
        return hr, None
    lr = _to_bit_depth(read_image(lr_file, alpha), bit_depth)
    lh, lw = lr.shape[:2]
    if not (h // scale <= lh <= -(-h // scale) and w // scale <= lw <= -(-w // scale)):
        raise ImageReadError(lr_file, f"LR size {lw}x{lh} does not match HR {hr_file} ({w}x{h}) at x{scale}")
    return hr, lr


def _load_all(files, lr_dir, scale, min_lr_size, alpha, bit_depth, on_bad_file, keep):
    """Decode and check every file in parallel (PIL releases the GIL); skip or raise bad ones.

    Skipped files are reported in ONE warning line (count and the first names), not one each.
    """
    if on_bad_file not in ON_BAD_FILE:
        raise ValueError(f"`on_bad_file` must be one of {', '.join(map(repr, ON_BAD_FILE))}, got {on_bad_file!r}")

    def work(hr_file):
        try:
            lr_file = None if lr_dir is None else _paired_lr_file(hr_file, lr_dir, scale)
            hr, lr = _load_checked(hr_file, lr_file, scale, min_lr_size, alpha, bit_depth)
            return (hr_file, lr_file, hr, lr) if keep else (hr_file, lr_file, None, None)
        except ImageReadError as e:
            return e

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        results = list(pool.map(work, files))
    good, skipped = [], []
    for result in results:
        if isinstance(result, ImageReadError):
            if on_bad_file == "raise" or (on_bad_file == "skip_small" and not isinstance(result, TooSmallImage)):
                raise result
            skipped.append(result)
        else:
            good.append(result)
    if not good and skipped and all(isinstance(e, TooSmallImage) for e in skipped):
        raise ValueError(f"every training image is smaller than the crop, e.g. {skipped[0]}; "
                         "use a smaller patch_size")
    if skipped:
        shown = "; ".join(str(e) for e in skipped[:3]) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        warnings.warn(f"skipped {len(skipped)} of {len(files)} training images: {shown}", stacklevel=3)
    if not good:
        raise ValueError(f"no usable images among {len(files)} file(s) (all skipped as bad input)")
    return good


def _scale_range(x, value_range):
    lo, hi = value_range
    return x if (lo, hi) == (0.0, 1.0) else x * (hi - lo) + lo


def _check_range(value_range, name):
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be (low, high), got {value_range!r}") from None
    if not hi > lo:
        raise ValueError(f"`{name}` must have high > low, got {value_range!r}")
    return lo, hi


def _check_degradation(degradation, scales, lr_dir, bit_depth):
    """The parsed chain (or ``None``), checked against the scales and the other options."""
    if degradation is None:
        return None
    chain = parse_degradation(degradation)
    for s in scales:
        chain.check_scale(s)
    if lr_dir is not None:
        raise ValueError(f"`degradation` {chain.spec!r} makes the LR images: give it or `lr_dir`, not both")
    if bit_depth != 8:
        raise ValueError(f"`degradation` {chain.spec!r} works on 8-bit images (bit_depth=8), got {bit_depth}")
    return chain


def check_training_arguments(scale, scales, lr_dir, channels, bit_depth, patch_size, batch_size, value_range,
                             hr_value_range, degradation):
    """The argument checks both training pipelines (``tf.data`` and numpy) make before reading a file:
    ``(multi_scale, scales, patch_size, batch_size, lr_range, hr_range, chain)``."""
    if channels not in ("rgb", "y"):
        raise ValueError(f"`channels` must be 'rgb' or 'y', got {channels!r}")
    if bit_depth not in (8, 16):
        raise ValueError(f"`bit_depth` must be 8 or 16, got {bit_depth!r}")
    multi_scale = scales is not None
    scales = tuple(int(s) for s in (scales if multi_scale else (scale,)))
    if not scales or min(scales) < 1:
        raise ValueError(f"scales must be positive integers, got {scales}")
    if multi_scale and lr_dir is not None:
        raise ValueError("paired LR folders (`lr_dir`) work with one `scale`, not with `scales`")
    patch_size, batch_size = int(patch_size), int(batch_size)
    if patch_size < 1 or batch_size < 1:
        raise ValueError(f"`patch_size` and `batch_size` must be >= 1, got {patch_size}, {batch_size}")
    lr_range = _check_range(value_range, "value_range")
    hr_range = _check_range(value_range if hr_value_range is None else hr_value_range, "hr_value_range")
    chain = _check_degradation(degradation, scales, lr_dir, bit_depth)
    return multi_scale, scales, patch_size, batch_size, lr_range, hr_range, chain


def evaluation_records(hr, scale, lr_dir=None, on_bad_file="raise", alpha="drop", degradation=None):
    """Checked files (every one decoded once, a bad one named) and the parsed chain for
    :func:`evaluation_pairs`."""
    files = list_image_files(hr)
    chain = _check_degradation(degradation, (int(scale),), lr_dir, 8)
    return _load_all(files, lr_dir, int(scale), 1, alpha, 8, on_bad_file, keep=False), chain


def evaluation_pairs(records, chain, scale, channels="rgb", value_range=(0.0, 1.0), alpha="drop", seed=0):
    """Whole float32 ``(lr, hr)`` images, one at a time (batch axis of 1), in file order:
    HR modcropped, LR by MATLAB bicubic on uint8, the paired file, or ``chain`` (image ``i``
    with seed ``seed + i``; with ``channels="y"`` on the rounded 8-bit Y)."""
    lo, hi = _check_range(value_range, "value_range")
    scale = int(scale)
    for i, (hr_file, lr_file, _, _) in enumerate(records):
        hr_img = modcrop(_to_bit_depth(read_image(hr_file, alpha), 8), scale)
        if chain is not None:
            hr_img = y_levels(hr_img) if channels == "y" else hr_img
            lr_img = chain.apply(hr_img, scale, seed=int(seed) + i)
            yield tuple((img.astype(np.float32) / 255.0 * (hi - lo) + lo)[None] for img in (lr_img, hr_img))
            continue
        if lr_file is None:
            lr_img = matlab_imresize(hr_img, 1.0 / scale)
        else:
            lr_img = _to_bit_depth(read_image(lr_file, alpha), 8)
            lr_img = lr_img[:hr_img.shape[0] // scale, :hr_img.shape[1] // scale]
        out = []
        for img in (lr_img, hr_img):
            x = img.astype(np.float32) / 255.0
            if channels == "y":
                x = rgb_to_y(x)
            out.append((x * (hi - lo) + lo).astype(np.float32)[None])
        yield tuple(out)
