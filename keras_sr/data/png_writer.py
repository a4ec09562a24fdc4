"""A streaming PNG writer: a large image goes to disk band by band, with no copy of it in memory.

PIL's ``Image.fromarray(rgb).save(...)`` first copies an RGB image into its own 4-bytes-per-pixel
storage (1.5 GB for a 24000x16000 output) and ``write_image`` used to hold the encoded file in
memory as well; this writer filters (PNG filter 4, Paeth: good on photos) and deflates a band of
rows at a time (:data:`BAND_BYTES` of raw pixels), straight into the temp file that
:func:`keras_sr.utils.atomic.replaced_file` renames over ``path`` when complete. Extra memory: a
few int16 copies of one band (~32 MiB), whatever the image size.

Grey (``L``), grey + alpha (``LA``), RGB and RGBA; 8 or 16 bits (16-bit samples are written
big-endian, as PNG wants). What PIL reads back equals the array.
"""

import os
import struct
import zlib

import numpy as np

from keras_sr.utils import atomic

BAND_BYTES = 2 * 2**20  # raw bytes per band; the filter's int16 temporaries hold ~16x that (~32 MiB)
COMPRESS_LEVEL = 6  # zlib's default, as PIL's PNG encoder uses
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (grey, grey+alpha, RGB, RGBA)


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _paeth(rows, previous, bpp):
    """PNG filter 4 of ``rows`` ((n, rowbytes) uint8) given the row above the first (``previous``,
    zeros for the image's first row); returns (n, 1 + rowbytes) uint8 with the filter-type byte."""
    above = np.concatenate([previous[None], rows[:-1]]).astype(np.int16)
    x = rows.astype(np.int16)
    left = np.zeros_like(x)
    left[:, bpp:] = x[:, :-bpp]
    upleft = np.zeros_like(x)
    upleft[:, bpp:] = above[:, :-bpp]
    p = left + above - upleft
    pa, pb, pc = np.abs(p - left), np.abs(p - above), np.abs(p - upleft)
    predictor = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, above, upleft))
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = 4
    out[:, 1:] = (x - predictor).astype(np.uint8)  # modulo 256
    return out


def png_layout(arr):
    """``(height, width, channels, bit_depth)`` of what :func:`write_png` writes for ``arr``, or
    ``ValueError`` naming what it cannot."""
    arr = np.asarray(arr) if not isinstance(arr, np.ndarray) else arr
    if arr.ndim == 2:
        channels = 1
    elif arr.ndim == 3 and arr.shape[-1] in _COLOUR_TYPE:
        channels = arr.shape[-1]
    else:
        raise ValueError(f"a PNG holds (H, W) or (H, W, 1|2|3|4) images, got shape {arr.shape}")
    if arr.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"a PNG holds uint8 or uint16 samples, got {arr.dtype}")
    if min(arr.shape[:2]) < 1:
        raise ValueError(f"cannot write an empty image of shape {arr.shape}")
    return arr.shape[0], arr.shape[1], channels, 8 * arr.dtype.itemsize


def write_png(path, arr, compress_level=COMPRESS_LEVEL):
    """Write ``arr`` ((H, W) or (H, W, 1|2|3|4), uint8 or uint16) to ``path`` as a PNG, atomically
    (temp file beside it, then ``os.replace``; a full disk raises
    :class:`keras_sr.utils.atomic.DiskFullError` naming ``path``)."""
    h, w, channels, depth = png_layout(arr)
    bpp = channels * depth // 8
    rowbytes = w * bpp
    band = max(1, BAND_BYTES // rowbytes)
    header = struct.pack(">IIBBBBB", w, h, depth, _COLOUR_TYPE[channels], 0, 0, 0)
    with atomic.replaced_file(path) as tmp, open(tmp, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header))
        deflate = zlib.compressobj(compress_level)
        previous = np.zeros(rowbytes, np.uint8)
        for top in range(0, h, band):
            rows = arr[top:top + band]
            if depth == 16:
                rows = rows.astype(">u2")
            rows = np.ascontiguousarray(rows).view(np.uint8).reshape(-1, rowbytes)
            data = deflate.compress(_paeth(rows, previous, bpp).tobytes())
            previous = rows[-1].copy()
            if data:
                f.write(_chunk(b"IDAT", data))
        f.write(_chunk(b"IDAT", deflate.flush()) + _chunk(b"IEND", b""))
        f.flush()
        os.fsync(f.fileno())
    return str(path)
