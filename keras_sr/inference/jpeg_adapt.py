"""Run a JPEG deblocker at the compression of each photo: ``keras-sr restore --jpeg-quality``.

``rednet10-deblock`` was trained on JPEG qualities 10-40. Run as it is on a lightly compressed photo
it smooths detail the file still had (held-out photos at quality 90: -2 dB RGB PSNR; at 95: -13 dB),
and in the opponent colour channels (:mod:`keras_sr.inference.colour_restore`) it leaves most of the
chroma's 16-px blocks. For each photo, at its quality (given, or estimated from its block edges:
:func:`keras_sr.data.jpeg_level.estimate_jpeg_quality`):

* the model's change is kept at the strength that measured best for that quality (1 at quality 10-20,
  falling to 0 at 95: :data:`DEBLOCK_BY_QUALITY`; an estimated quality is raised by :data:`AUTO_MARGIN`);
* colour photos: the chroma of the result is then guided-filtered (:func:`keras_sr.data.guided_filter
  .guided_filter`, ε :data:`GUIDE_EPS`) with the restored luma as the guide, at the radius that measured
  best (larger for blockier photos): chroma steps that the luma does not share — the blocks — go, colour
  edges that follow luma edges stay.

The table was chosen on crops of the restoration training photos (``benchmarks/jpeg_adapt.py``); the figures on
held-out photos are in docs/restoration.md.
"""
import numpy as np

from keras_sr.inference.predictor import Predictor

# presets this applies to (keras-sr's deblockers)
JPEG_ADAPTED = ("rednet10-deblock",)
# (quality, strength in the opponent channels, chroma guided-filter radius, strength on Y alone): the best on
# 20 crops of the restoration training photos (`benchmarks/jpeg_adapt.py --calibrate`, 2026-12-08; RGB PSNR,
# strengths in steps of 1/8, radii 0-4, 6, 8); 100: no change
DEBLOCK_BY_QUALITY = (
    (10, 1.0, 4, 1.0), (15, 1.0, 4, 1.0), (20, 1.0, 3, 1.0), (30, 0.875, 2, 0.875), (40, 0.75, 2, 0.875),
    (50, 0.625, 2, 0.75), (60, 0.625, 1, 0.625), (70, 0.5, 1, 0.5), (80, 0.375, 1, 0.375), (90, 0.25, 0, 0.25),
    (95, 0.0, 0, 0.125), (100, 0.0, 0, 0.0),
)
GUIDE_EPS = 1e-4
# "auto" runs at the estimated quality + this: the estimate reads lightly compressed photos as blockier than they
# are (a quality-95 photo's chroma steps are a PNG's); the smallest margin (of 0, 3, 5, 8, 10) at which no quality
# 10-95 loses PSNR on the training crops (mean gain 0.67 dB; 5 gave 0.70 but -0.07 dB at quality 95)
AUTO_MARGIN = 8.0


def settings_for(quality):
    """``(opponent strength, chroma radius, Y strength)`` for JPEG ``quality`` (interpolated in the table)."""
    rows = np.array(DEBLOCK_BY_QUALITY, np.float64)
    q = float(np.clip(quality, rows[0, 0], rows[-1, 0]))
    strength, radius, y_strength = (float(np.interp(q, rows[:, 0], rows[:, k])) for k in (1, 2, 3))
    return strength, int(round(radius)), y_strength


def check_jpeg_quality(value, option="--jpeg-quality"):
    """``"auto"`` or a JPEG quality in [1, 100]; ``ValueError`` naming ``option`` otherwise."""
    if value == "auto":
        return value
    try:
        quality = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{option} must be 'auto' or a JPEG quality 1-100, got {value!r}") from None
    if not 1.0 <= quality <= 100.0:
        raise ValueError(f"{option} must be a JPEG quality in [1, 100] (as PIL's and libjpeg's quality=), got {value}")
    return quality


def is_jpeg_adapted(name):
    """True for the presets :func:`jpeg_adapted` applies to."""
    return name in JPEG_ADAPTED


def jpeg_adapted(grey, jpeg_quality="auto", colour=True):
    """A :class:`Predictor` running the grey deblocker ``grey`` at each image's JPEG quality.

    Args:
        grey: a scale-1 one-channel :class:`Predictor` (``rednet10-deblock``).
        jpeg_quality: the photos' JPEG quality (1-100), or ``"auto"``: estimated from each image.
        colour: ``True``: colour images are restored in the opponent channels, then their chroma
            guided-filtered; ``False``: on Y alone (Cb, Cr kept). Grey images are restored as grey.

    Returns:
        a :class:`Predictor` whose :meth:`Predictor.for_image` (called by :func:`keras_sr.inference.upscale`
        and ``keras-sr restore`` with the whole image) gives the one for that image, named e.g.
        ``"rednet10-deblock (opponent colour, JPEG quality 23 estimated)"``.
    """
    from keras_sr.data.jpeg_level import MIN_QUALITY, estimate_jpeg_quality
    from keras_sr.data.noise_level import is_grey_image

    jpeg_quality = check_jpeg_quality(jpeg_quality)
    auto = jpeg_quality == "auto"
    # what tiling plans with before an image is seen: the widest chroma filter
    planned = _at_quality(grey, MIN_QUALITY if auto else jpeg_quality, colour)
    if auto:
        planned.name = f"{grey.name} ({'opponent colour, ' if colour else ''}JPEG quality estimated per image)"

    def for_image(image):
        opponent = colour and not is_grey_image(image)
        quality = estimate_jpeg_quality(np.asarray(image, np.float64)) if auto else jpeg_quality
        predict = _at_quality(grey, quality + AUTO_MARGIN if auto else quality, opponent, quality)
        how = "estimated" if auto else "given"
        predict.name = predict.name[:-1] + (f", {how})" if "on Y" in predict.name else f" {how})")
        return predict

    planned.for_image = for_image
    return planned


def _at_quality(grey, quality, opponent, shown=None):
    """``grey`` at the settings for ``quality``; named with ``shown`` (the estimate) if given."""
    from keras_sr.data.color import rgb_to_ycbcr, ycbcr_to_rgb
    from keras_sr.data.guided_filter import guided_filter
    from keras_sr.inference.colour_restore import colour_restorer

    strength, radius, y_strength = settings_for(quality)
    shown = quality if shown is None else shown
    if not opponent:
        def run_y(x):
            x = np.asarray(x, np.float32)
            if y_strength == 0.0:
                return x
            return x + y_strength * (np.asarray(grey.fn(x), np.float32) - x)

        return Predictor(run_y, f"{grey.name} (JPEG quality {shown:.0f} on Y)", 1, 1, grey.multiple, grey.model)

    colour = colour_restorer(grey)

    def run(rgb):
        rgb = np.asarray(rgb, np.float32)
        out = rgb if strength == 0.0 else rgb + strength * (np.asarray(colour.fn(rgb), np.float32) - rgb)
        if radius == 0:
            return out
        ycc = rgb_to_ycbcr(out.astype(np.float64))
        for c in (1, 2):
            ycc[..., c] = guided_filter(ycc[..., 0], ycc[..., c], radius, GUIDE_EPS)
        return ycbcr_to_rgb(ycc).astype(np.float32)

    return Predictor(run, f"{grey.name} (opponent colour, JPEG quality {shown:.0f})", 1, 3, grey.multiple,
                     grey.model)
