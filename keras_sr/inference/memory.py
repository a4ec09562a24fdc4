"""How big a tile fits a memory budget: ``upscale``, ``restore`` and ``eval`` tile by memory.

A model's peak memory grows with the pixels it sees at once. :func:`bytes_per_pixel` estimates
it per LR pixel: the sizes of the two largest tensors of the functional graph
(:func:`graph_bytes_per_pixel`, computed symbolically, nothing runs) times a factor measured
for each architecture (:data:`MEASURED_RATIO`, ``benchmarks/memory_factors.py``: peak RSS
slope over the graph proxy). :func:`choose_tile` then picks the largest tile whose window
(tile + overlap on each side) fits what the budget leaves after the fixed share
(:func:`fixed_bytes`: the process as it is, the mirrored LR image in its own 8/16-bit type,
the output buffer, the encoder). Tiling is exact (:mod:`keras_sr.inference.tiling`), so the
output does not change, only the peak.

The default budget (:func:`default_budget`) is half of ``MemAvailable`` (``/proc/meminfo``),
at most :data:`DEFAULT_CAP`: tiles beyond ~500 LR pixels are no faster, so a larger budget
only costs memory.
"""

import math
import os
import re

GIB = 2**30
DEFAULT_FRACTION = 0.5
DEFAULT_CAP = 3 * GIB
MIN_TILE = 32
TILE_SHARE = 0.9  # of what the budget leaves after the fixed share: a margin, the measured factors vary
# by ~10% between machines (they were measured on an AVX2 machine; tiling peaks below on AVX-512)

# Peak RSS per LR pixel / graph proxy, per architecture: the largest ratio measured for its presets
# (benchmarks/memory_factors.py, 2026-12-07, 2-core AVX2 machine shared with 7 other developers,
# load ~13, TensorFlow 2.21 CPU). Measured bytes per LR pixel: edsr-baseline x4 10790, x2 3689;
# edsr x4 38686; mdsr-baseline x4 12535; rt4ksr x4 1345; srcnn x3 4391; rednet10-denoise 2382;
# srdensenet-all x4 87446.
MEASURED_RATIO = {"edsr": 2.9, "mdsr": 2.9, "rt4ksr": 3.4, "srcnn": 1.3, "rednet": 9.2, "srdensenet": 4.2,
                  "srresnet": 4.2}
UNKNOWN_RATIO = 9.2  # a model file of another architecture: the largest measured ratio

_UNITS = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": 2**20, "MB": 2**20, "MIB": 2**20,
          "G": GIB, "GB": GIB, "GIB": GIB, "T": 2**40, "TB": 2**40, "TIB": 2**40}


def parse_size(text, option="--max-memory"):
    """``"4G"``, ``"512M"``, ``"1.5GiB"``, ``"2000000000"`` -> bytes (binary units)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(text))
    unit = match.group(2).upper() if match else None
    if not match or unit not in _UNITS:
        raise ValueError(f"{option} expects a size such as 4G, 512M or 1.5GiB, got {text!r}")
    size = int(float(match.group(1)) * _UNITS[unit])
    if size < 64 * 2**20:
        raise ValueError(f"{option} {text}: at least 64M is needed (TensorFlow alone takes more)")
    return size


def available_memory():
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (elsewhere: free physical pages, or 8 GiB)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * GIB


def default_budget():
    """Half the available memory, at most :data:`DEFAULT_CAP`."""
    return int(min(DEFAULT_FRACTION * available_memory(), DEFAULT_CAP))


def current_rss():
    """This process's resident memory in bytes (0 where ``/proc`` is missing)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def graph_bytes_per_pixel(model, probe=64):
    """float32 bytes per LR pixel of the two largest tensors of ``model``'s graph (symbolic shapes of
    every layer output for a ``probe`` x ``probe`` input; nothing is computed)."""
    import keras

    channels = model.input_shape[-1]
    outputs = [layer.output for layer in model.layers[1:] if hasattr(layer, "output")]
    tensors = [t for out in outputs for t in (out if isinstance(out, (list, tuple)) else [out])]
    probe_model = keras.Model(model.inputs, tensors)
    specs = probe_model.compute_output_spec(keras.KerasTensor((1, probe, probe, channels)))
    specs = specs if isinstance(specs, (list, tuple)) else [specs]
    sizes = sorted((math.prod(s.shape[1:]) for s in specs), reverse=True)
    largest = sum(sizes[:2]) + probe * probe * channels
    return 4.0 * largest / (probe * probe)


def _architecture(predict):
    """The architecture a preset name or a model name belongs to (None: not one keras-sr measured)."""
    names = [predict.name.lower()] + ([predict.model.name.lower()] if predict.model is not None else [])
    return next((arch for name in names for arch in MEASURED_RATIO if arch in name), None)


def bytes_per_pixel(predict):
    """Estimated peak bytes per LR pixel of one forward pass of ``predict`` (bicubic: its float64 work)."""
    if predict.model is None and predict.name == "bicubic":
        return 8.0 * 4 * predict.channels * (1 + predict.scale**2)  # numpy MATLAB bicubic, float64
    if predict.model is None:  # an exported SavedModel: no graph to read; a wide model, the largest factor
        return UNKNOWN_RATIO * 4.0 * 64 * (1 + predict.scale**2) * 2
    if not hasattr(predict, "_bytes_per_pixel"):
        try:
            proxy = graph_bytes_per_pixel(predict.model)
        except Exception:  # noqa: BLE001  (a graph keras cannot re-trace: assume a wide x4 model)
            proxy = 4.0 * 64 * (1 + predict.scale**2) * 2
        predict._bytes_per_pixel = proxy * MEASURED_RATIO.get(_architecture(predict), UNKNOWN_RATIO)
    return predict._bytes_per_pixel


PNG_WRITER_BYTES = 64 * 2**20  # keras_sr.data.png_writer: a few int16 copies of a 2 MiB band
FLOAT_OUTPUT_BYTES = 64  # per output pixel, the float paths (alpha, Y-channel models, eval): an estimate


def fixed_bytes(h, w, scale, channels=3, out_itemsize=1, floats=False, encoder="png"):
    """What a run holds besides the process as it stands (which has read the image) and the model's
    tensors, in bytes, for an ``h`` x ``w`` LR image upscaled ``scale`` times.

    The 8/16-bit RGB path (``keras-sr upscale`` of a photo with an RGB model) holds the LR image
    mirrored by the receptive field in its own type (grey repeated to RGB or padded to the
    model's multiple: 2 copies counted; each window is made float only when it runs) and the
    output buffer, filled tile by tile in the output's type (``out_itemsize``). ``encoder``: the
    output's ending; ``"png"`` is streamed band by band (:data:`PNG_WRITER_BYTES`), other formats
    go through PIL, which copies the image into 4 bytes per RGB pixel, and hold the encoded file
    (up to the raw size: BMP, TIFF). ``floats``: the run holds the LR image and the output in
    float (an image with alpha, a Y-channel model, ``eval``): 3 float32 copies of the LR image and
    :data:`FLOAT_OUTPUT_BYTES` per output pixel."""
    out_pixels = h * w * scale * scale
    out = out_pixels * max(channels, 3) * out_itemsize
    if floats:
        lr = 3 * 4 * h * w * max(channels, 3)
        out += FLOAT_OUTPUT_BYTES * out_pixels
    else:
        lr = 2 * out_itemsize * h * w * max(channels, 3)
    ending = str(encoder or "png").lower().lstrip(".")
    writer = PNG_WRITER_BYTES if ending == "png" else out_pixels * 4 * out_itemsize + out
    return lr + out + writer


def choose_tile(predict, h, w, budget=None, overlap=None, out_itemsize=1, self_ensemble=False, radius=0,
                floats=False, encoder="png"):
    """``(tile, note)``: ``None`` when the whole ``h`` x ``w`` LR image fits ``budget`` bytes
    (default :func:`default_budget`), else the largest tile (a multiple of the model's input
    multiple, at least :data:`MIN_TILE`) whose window fits; ``note`` says what was chosen.
    ``radius``: the model's receptive-field radius (the mirrored border and the default
    overlap; :func:`keras_sr.inference.upscaling.choose_tile` measures it). ``floats``,
    ``encoder``: see :func:`fixed_bytes`."""
    budget = default_budget() if budget is None else int(budget)
    per_pixel = bytes_per_pixel(predict) * (2 if self_ensemble else 1)
    free = budget - current_rss() - fixed_bytes(h, w, predict.scale, predict.channels, out_itemsize, floats,
                                                encoder)
    whole = (h + 2 * radius) * (w + 2 * radius)  # with the mirrored border
    if whole * per_pixel <= TILE_SHARE * free:
        return None, f"whole image ({_gib(budget)} budget)"
    if overlap is None:
        overlap = radius
    side = math.isqrt(max(int(TILE_SHARE * free / per_pixel), 0)) - 2 * int(overlap)
    m = max(predict.multiple, 1)
    tile = max(MIN_TILE, side // m * m)
    if side < MIN_TILE:
        needs = budget - free + (MIN_TILE + 2 * overlap) ** 2 * per_pixel / TILE_SHARE
        return tile, (f"tiles of {tile} px: the {_gib(budget)} budget is below what this image needs "
                      f"(~{_gib(needs)}); it may be exceeded")
    return tile, f"tiles of {tile} px to fit the {_gib(budget)} budget"


def _gib(size):
    return f"{size / GIB:.1f} GiB" if size >= GIB / 10 else f"{size / 2**20:.0f} MiB"
