"""Image files for ``keras-sr upscale`` / ``restore``: read keeping grey, alpha and 16 bits; where
each output goes."""

import os

import numpy as np


STILL_GIF = ".gif"  # upscale reads GIFs (frame 1, said out loud when animated); eval names and skips them


def list_inputs(inputs):
    """Upscale inputs with folders replaced by their images (sorted, not recursive; GIFs too);
    ``FileNotFoundError`` naming a missing one."""
    from keras_sr.data.io import IMAGE_EXTENSIONS

    files = []
    for item in inputs:
        item = os.fspath(item)
        if os.path.isdir(item):
            found = sorted(os.path.join(item, n) for n in os.listdir(item)
                           if n.lower().endswith(IMAGE_EXTENSIONS + (STILL_GIF,))
                           and os.path.isfile(os.path.join(item, n)))
            if not found:
                raise ValueError(f"folder {item} has no images ({', '.join(IMAGE_EXTENSIONS + (STILL_GIF,))})")
            files.extend(found)
        elif os.path.exists(item):
            files.append(item)
        else:
            raise FileNotFoundError(f"input {item} not found")
    return files


def compare_path(dst):
    """``photo_x2.png`` -> ``photo_x2_compare.png`` (always PNG)."""
    return os.path.splitext(dst)[0] + "_compare.png"


def output_path(input_path, output, several):
    """Where the upscaled ``input_path`` goes: ``output`` itself, or inside it when ``several``."""
    if several or os.path.isdir(output):
        stem = os.path.splitext(os.path.basename(input_path))[0]
        return os.path.join(output, stem + ".png")
    return output


def read_for_upscale(path):
    """An image file as an array that keeps grey, alpha and 16 bits (``ImageReadError`` naming it)."""
    from PIL import Image

    from keras_sr.data import ImageReadError, read_image

    try:
        with Image.open(path) as img:
            mode = img.mode
    except FileNotFoundError as e:
        raise ImageReadError(path, "file not found") from e
    except Exception as e:  # noqa: BLE001
        raise ImageReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "A" in mode
    arr = _read_with_alpha(path) if has_alpha else read_image(path)
    grey = mode in ("L", "I;16", "I;16B", "I;16L", "I;16N", "I", "1", "LA")
    if grey:
        arr = np.concatenate([arr[..., :1], arr[..., 3:]], axis=-1) if arr.shape[-1] == 4 else arr[..., 0]
    return arr


def _read_with_alpha(path):
    """(H, W, 4) RGBA uint8/uint16 (16-bit RGBA PNGs through TensorFlow's decoder)."""
    from PIL import Image

    from keras_sr.data import ImageReadError
    from keras_sr.data.io import _is_16bit_rgb_png

    try:
        with Image.open(path) as img:
            if _is_16bit_rgb_png(img):
                import tensorflow as tf

                raw = tf.io.read_file(str(path))
                return tf.io.decode_png(raw, channels=4, dtype=tf.uint16).numpy()
            img.load()
            return np.asarray(img.convert("RGBA"))
    except ImageReadError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ImageReadError(path, f"cannot read image ({type(e).__name__}: {e})") from e
