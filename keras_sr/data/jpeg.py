"""JPEG round trip of an 8-bit image (libjpeg through PIL), shared by the degradation chains."""

import io

import numpy as np


def jpeg_numpy(image, quality):
    """JPEG round trip with PIL (libjpeg, default 4:2:0 chroma) at ``quality``: uint8 -> uint8."""
    from PIL import Image

    gray = image.shape[-1] == 1
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if gray else image).save(buffer, format="JPEG", quality=int(quality))
    out = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L" if gray else "RGB"))
    return out[..., None] if gray else out
