"""The JSON written beside each export: the input/output contract an app needs."""

import json

METADATA_VERSION = 1


def tensor_contract(detail):
    """dtype and quantization of one interpreter input/output detail."""
    out = {"dtype": str(detail["dtype"].__name__ if hasattr(detail["dtype"], "__name__") else detail["dtype"])}
    scale, zero = detail.get("quantization", (0.0, 0))
    if scale:
        # real = (q - zero_point) * scale
        out["quantization"] = {"scale": float(scale), "zero_point": int(zero)}
    return out


def build_metadata(*, model_name, scale, fmt, input_shape, output_shape, channels,
                   input_contract=None, output_contract=None, gpu_ready=None, parity=None,
                   file_name=None, extra=None):
    """A JSON-serializable dict describing one export.

    ``input_shape``/``output_shape`` are NHWC lists; ``-1`` marks a dynamic H/W.
    """
    import keras_sr

    color = "RGB" if channels == 3 else "Y"
    meta = {
        "metadata_version": METADATA_VERSION,
        "model": model_name,
        "scale": int(scale),
        "format": fmt,
        "file": file_name,
        "keras_sr_version": keras_sr.__version__,
        "layout": "NHWC",
        "color": color,
        "color_note": ("RGB, channels in R, G, B order" if color == "RGB" else
                       "luma Y of ITU-R BT.601 (MATLAB rgb2ycbcr: 16..235 / 255); "
                       "upscale Cb/Cr with bicubic"),
        "value_range": [0.0, 1.0],
        "input": {"name": "lr", "shape": list(input_shape), **(input_contract or {"dtype": "float32"})},
        "output": {"name": "sr", "shape": list(output_shape), **(output_contract or {"dtype": "float32"}),
                   "note": "not clipped: clamp to [0, 1] before converting to 8-bit"},
        "dynamic_shape": any(d == -1 for d in input_shape[1:3]),
    }
    if gpu_ready is not None:
        meta["gpu_delegate_ready"] = bool(gpu_ready)
    if parity is not None:
        meta["parity"] = parity
    if extra:
        meta.update(extra)
    return meta


def dumps(meta):
    return json.dumps(meta, indent=2, sort_keys=False) + "\n"
