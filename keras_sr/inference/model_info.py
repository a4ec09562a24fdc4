"""What inference needs to know about a ``keras.Model``: its scale(s), its input multiple, one output.

Measured on the model itself (a small zero input, or ``compute_output_shape``), so any
model keras-sr or a user builds is covered, not only the presets.
"""

import numpy as np


def input_multiple(model):
    """The multiple of the input size a model needs: the product of its pixel-unshuffle factors
    (RT4KSR pixel-unshuffles by 2: other sizes are padded by the :class:`Predictor`)."""
    from keras_sr.layers import PixelUnshuffle

    multiple = 1
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, PixelUnshuffle):
            multiple *= layer.block_size
    return multiple


def infer_scale(model, channels, multiple=1):
    """The upscaling factor of a ``keras.Model``, measured on a small input."""
    n = 8 * multiple
    out = model(np.zeros((1, n, n, channels), np.float32), training=False)
    if isinstance(out, (list, tuple, dict)):
        raise ValueError(f"model {model.name!r} has several outputs; pass a single-scale model")
    h = int(out.shape[1])
    if h % n:
        raise ValueError(f"model {model.name!r} maps {n} px to {h} px: not an integer SR scale")
    return h // n


def output_scales(model):
    """The upscaling factor of each output of a ``keras.Model`` (one per output, in order).

    Raises:
        ValueError: not a super-resolution model (e.g. a discriminator with a fixed input size).
    """
    channels = int(model.input_shape[-1])
    n = 8 * input_multiple(model)
    try:
        shapes = model.compute_output_shape((1, n, n, channels))
    except Exception:  # noqa: BLE001  (some layers cannot say: run the model instead)
        shapes = None
    try:
        if shapes is None:
            out = model(np.zeros((1, n, n, channels), np.float32), training=False)
            shapes = [tuple(o.shape) for o in (out if isinstance(out, (list, tuple)) else [out])]
    except Exception as e:  # noqa: BLE001  (e.g. a fixed-size discriminator input)
        raise ValueError(f"model {model.name!r} is not a super-resolution model (it does not take an "
                         f"{n}x{n} image: {str(e).strip().splitlines()[0] if str(e).strip() else e!r})") from e
    if isinstance(shapes, dict):
        shapes = list(shapes.values())
    elif not isinstance(shapes, (list, tuple)) or (shapes and isinstance(shapes[0], int | type(None))):
        shapes = [shapes]  # one output: a single shape tuple
    scales = []
    for shape in shapes:
        if len(shape) != 4 or shape[1] is None or shape[1] % n:
            raise ValueError(f"model {model.name!r} is not a super-resolution model (an {n}x{n} input "
                             f"gives output shape {tuple(shape)})")
        scales.append(int(shape[1]) // n)
    return scales


def single_scale(model, scale=None):
    """``model`` itself, or for a model with an output per scale (MDSR) the view of output ``scale``.

    Raises:
        ValueError: a multi-output model without ``scale``, or without an output for it.
    """
    import keras

    if len(model.outputs) == 1:
        return model
    scales = output_scales(model)
    listed = ", ".join(map(str, scales))
    if scale is None:
        raise ValueError(f"model {model.name!r} has an output per scale ({listed}); pass the scale "
                         "(--scale)")
    if int(scale) not in scales:
        raise ValueError(f"model {model.name!r} has no x{scale} output (its scales: {listed})")
    return keras.Model(model.inputs, model.outputs[scales.index(int(scale))], name=f"{model.name}_x{scale}")
