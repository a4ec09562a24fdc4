"""Reading image files for SR: any PNG / JPEG / BMP / WebP / TIFF to RGB arrays.

Conversions: grey and palette images become RGB; alpha is dropped or composited on
white/black (``alpha=``); 16-bit images (grey or RGB PNG/TIFF) keep 16 bits in
:func:`read_image` (uint16) and map to [0, 1] in :func:`load_image`. Every failure is an
:class:`ImageReadError` that names the file.
"""

import glob
import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from keras_sr.utils import atomic

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
ALPHA_MODES = ("drop", "white", "black")


class ImageReadError(ValueError):
    """An image file that cannot be used; ``path`` is the file, the message names it."""

    def __init__(self, path, reason):
        self.path = str(path)
        super().__init__(f"{path}: {reason}")


def is_image_file(path):
    return str(path).lower().endswith(IMAGE_EXTENSIONS)


def list_image_files(sources):
    """Image files from a folder, a glob pattern, a file, or a list of these (sorted per source).

    Folders are read non-recursively and keep only supported extensions
    (:data:`IMAGE_EXTENSIONS`); files named explicitly or matched by a glob are kept as
    given (a non-image among them fails later, by name).

    Raises:
        FileNotFoundError: a source that does not exist or a glob that matches nothing.
        ValueError: no image at all (e.g. an empty folder), naming the sources.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise ValueError("no image sources given (expected a folder, a glob or files)")
    files = []
    for source in sources:
        source = str(source)
        if os.path.isdir(source):
            found = sorted(str(p) for p in Path(source).iterdir() if p.is_file() and is_image_file(p))
            if not found:
                subs = sorted(p.name for p in Path(source).iterdir()
                              if p.is_dir() and any(is_image_file(q) for q in p.iterdir() if q.is_file()))
                hint = (f"; its subfolders {', '.join(subs)} have images: give each as a source, or a glob "
                        f"such as {os.path.join(source, '*', '*.png')} (folders are not searched recursively)"
                        if subs else "")
                raise ValueError(f"folder {source} has no images ({', '.join(IMAGE_EXTENSIONS)}){hint}")
            files.extend(found)
        elif os.path.isfile(source):
            files.append(source)
        elif glob.has_magic(source):
            found = sorted(p for p in glob.glob(source) if os.path.isfile(p))
            if not found:
                raise FileNotFoundError(f"glob {source!r} matches no files")
            files.extend(found)
        else:
            raise FileNotFoundError(f"image source {source} does not exist")
    return files


def _is_16bit_rgb_png(img):
    # PIL reads 48/64-bit PNGs as 8-bit RGB(A); their raw mode says 16 bits.
    tile = getattr(img, "tile", None) or []
    return img.format == "PNG" and bool(tile) and ";16" in str(tile[0][3])


def _read_16bit_png(path, has_alpha, alpha):
    import tensorflow as tf

    raw = tf.io.read_file(str(path))
    arr = tf.io.decode_png(raw, channels=4 if has_alpha else 3, dtype=tf.uint16).numpy()
    return _apply_alpha(arr, alpha, 65535) if has_alpha else arr


def _apply_alpha(rgba, alpha, max_value):
    rgb = rgba[..., :3]
    if alpha == "drop":
        return rgb
    a = rgba[..., 3:].astype(np.float64) / max_value
    background = max_value if alpha == "white" else 0
    out = rgb.astype(np.float64) * a + background * (1.0 - a)
    return np.floor(out + 0.5).astype(rgba.dtype)


def read_image(path, alpha="drop"):
    """Decode an image file to an (H, W, 3) RGB array, uint8 or (16-bit sources) uint16.

    Args:
        path: the file.
        alpha: for images with transparency: ``"drop"`` the alpha channel, or composite
            on ``"white"`` / ``"black"``.

    Raises:
        ImageReadError: unreadable, corrupt, truncated or non-image file, unsupported mode.
    """
    if alpha not in ALPHA_MODES:
        raise ValueError(f"`alpha` must be one of {ALPHA_MODES}, got {alpha!r}")
    try:
        with Image.open(path) as img:
            if _is_16bit_rgb_png(img):
                return _read_16bit_png(path, "A" in img.mode, alpha)
            img.load()  # decode now: truncated / corrupt data fails here, by name
            mode = img.mode
            if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
                grey = np.clip(np.asarray(img), 0, 65535).astype(np.uint16)
                return np.repeat(grey[..., None], 3, axis=-1)
            if mode == "F":
                raise ImageReadError(path, "32-bit float images are not supported")
            has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
                mode == "P" and "transparency" in img.info)
            if has_alpha:
                return _apply_alpha(np.asarray(img.convert("RGBA")), alpha, 255)
            return np.asarray(img.convert("RGB"))
    except ImageReadError:
        raise
    except FileNotFoundError as e:
        raise ImageReadError(path, "file not found") from e
    except Exception as e:  # PIL raises many types (OSError, SyntaxError, ValueError, ...)
        raise ImageReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e


def load_image(path, alpha="drop"):
    """:func:`read_image` as float32 RGB in [0, 1] (8-bit / 255, 16-bit / 65535)."""
    arr = read_image(path, alpha)
    return arr.astype(np.float32) / np.float32(np.iinfo(arr.dtype).max)


def write_image(path, img):
    """Write an image atomically: a temporary file in the same folder, then ``os.replace``.

    A reader never sees a half-written file, and an existing file at ``path`` is only
    replaced once the new one is complete. The format follows the extension (PNG default).
    PNGs are streamed band by band (:mod:`keras_sr.data.png_writer`: no copy of the image);
    other formats go through PIL (a copy of the image, 4 bytes per RGB pixel, and the encoded file).

    Args:
        path: the output file; its folder must exist.
        img: (H, W), (H, W, 1) or (H, W, 2|3|4) array: uint8, uint16 (PNG; grey also
            TIFF), or float in [0, 1] (rounded to uint8).
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: folder {path.parent} does not exist")
    ext = path.suffix.lower() or ".png"
    if ext not in IMAGE_EXTENSIONS:
        raise ValueError(f"{path}: unsupported image extension {ext!r}; use one of {IMAGE_EXTENSIONS}")
    arr = np.asarray(img)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.dtype.kind == "f":
        arr = np.clip(np.round(arr * 255.0), 0, 255).astype(np.uint8)
    elif arr.dtype == np.uint16 and arr.ndim == 3 and ext != ".png":
        raise ValueError(f"{path}: 16-bit colour images can only be written as .png; "
                         "use .png or convert to 8 bits")
    elif arr.dtype == np.uint16 and ext not in (".png", ".tif", ".tiff"):
        raise ValueError(f"{path}: 16-bit images can only be written as .png or .tif")
    elif arr.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"{path}: image dtype {arr.dtype} is not uint8, uint16 or float")
    if ext == ".png":  # streamed band by band: no PIL copy of the image, no encoded file in memory
        from keras_sr.data.png_writer import write_png

        return write_png(path, arr)
    buffer = io.BytesIO()  # other formats: PIL's copy (4 bytes/pixel for RGB) and the encoded file
    Image.fromarray(arr.astype(">u2") if arr.dtype == np.uint16 else arr).save(
        buffer, format=Image.registered_extensions()[ext])
    atomic.write_bytes(path, buffer.getvalue(), overwrite=True)
    return str(path)
