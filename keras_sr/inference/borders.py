"""Image borders: mirror the LR image outward before the model runs, crop the output back.

A model pads its convolutions with zeros, which darkens or rings the outer few pixels of
the output (worse than bicubic there). ``border="symmetric"`` (the default of
:func:`keras_sr.upscale`; ``"reflect"`` is the other choice) first mirrors the LR image
outward by the model's receptive-field radius, so that every output pixel of the image
sees only image content, then crops the output back: the outer band is no worse than
bicubic (measured by ``benchmarks/border_band.py``). It costs the extra ``2r`` rows and
columns. MATLAB ``bicubic`` already mirrors (symmetric) and is never padded.
"""

from keras_sr.inference.receptive_field import model_receptive_field

BORDER_MODES = ("symmetric", "reflect")
# Symmetric (edge pixel repeated: ``c b a | a b c``) beat reflect (``d c b | a b c d``) on the
# outer 8 px band of every shipped weight (benchmarks/border_band.py, README "Measured").
DEFAULT_BORDER = "symmetric"


def border_mode(border):
    """``border`` as an ``np.pad`` mode or ``None`` (off): ``None``/``False``/``"none"`` -> off,
    ``True`` -> :data:`DEFAULT_BORDER`, ``"symmetric"``/``"reflect"`` as given."""
    if border is None or border is False or border == "none":
        return None
    if border is True:
        return DEFAULT_BORDER
    if border not in BORDER_MODES:
        raise ValueError(f"border must be one of {', '.join(BORDER_MODES)}, 'none', True or False; "
                         f"got {border!r}")
    return border


def border_padding(predict, h, w):
    """``((top, bottom), (left, right))`` LR padding of an (h, w) image for border handling:
    the receptive-field radius ``r`` on each side, bottom/right grown to the model's multiple."""
    r = model_receptive_field(predict)
    m = predict.multiple
    return (r, r + (-(h + 2 * r)) % m), (r, r + (-(w + 2 * r)) % m)
