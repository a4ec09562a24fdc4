"""Run a denoiser at the noise level of each photo: ``keras-sr restore --noise-level``.

A denoiser works best over the noise levels it was trained on: ``rednet10-denoise`` at sigma 30 only
(0-255 scale), the blind ``rednet10-denoise-blind`` over 0-55 but measured best over 5-40
(:data:`NOISE_RANGE`). On an image (or one opponent colour channel,
:mod:`keras_sr.inference.colour_restore`) with noise of sigma s outside the model's range [lo, hi]:

* s above hi: the image is scaled about mid-grey by k = hi / s, so that its noise has a sigma the
  model knows, restored, and scaled back by 1 / k (the noise-level adaptation used with non-blind
  denoisers);
* s below lo, down to :data:`SCALE_FROM`: the same with k = lo / s (contrast stretched);
* lighter noise on a grey image or the mean channel: stretching further pushes too many pixels out of
  [0, 1], so the model runs as it is and its change is blended with the input: for
  ``rednet10-denoise`` at the strength that measured best for that level (:data:`STRENGTH_BY_SIGMA`),
  for the blind model at s / lo. The chroma channels of a colour photo are smooth and stay in range
  when stretched: they are rescaled from :data:`CHROMA_SCALE_FROM`.

The noise level is given, or estimated from each image (:func:`keras_sr.data.noise_level
.estimate_image_noise_sigma`, ``--noise-level auto``). The ranges, SCALE_FROM and CHROMA_SCALE_FROM
were chosen on crops of the restoration training photos; the figures on held-out photos are in
docs/restoration.md.
"""

import numpy as np

from keras_sr.data.opponent import OPPONENT_NOISE
from keras_sr.inference.predictor import Predictor

# preset -> (lo, hi, below): the sigma range it restores as it is, and how lighter noise is handled
NOISE_RANGE = {"rednet10-denoise": (30.0, 30.0, "measured"), "rednet10-denoise-blind": (5.0, 40.0, "linear")}
SCALE_FROM = 7.5
CHROMA_SCALE_FROM = 1.0
# benchmarks/restore_strength.py: the best strength of rednet10-denoise on held-out photos (grey)
STRENGTH_BY_SIGMA = ((0.0, 0.0), (5.0, 0.2), (10.0, 0.6), (15.0, 0.8), (20.0, 0.9), (25.0, 1.0))


def strength_for(sigma):
    """rednet10-denoise's blend strength for noise of ``sigma`` when it is not rescaled (interpolated)."""
    xs, ys = zip(*STRENGTH_BY_SIGMA)
    return float(np.interp(sigma, xs, ys))


def _as_range(noise_range):
    if isinstance(noise_range, (int, float)):  # one training level
        return float(noise_range), float(noise_range), "measured"
    lo, hi, below = noise_range
    if below not in ("measured", "linear") or not 0 < lo <= hi:
        raise ValueError(f"noise range must be (lo, hi, 'measured'|'linear') with 0 < lo <= hi, got {noise_range!r}")
    return float(lo), float(hi), below


def adapted(run, x, sigma, noise_range, scale_from=SCALE_FROM):
    """``run`` (a grey denoiser) on ``x`` with noise of ``sigma``, brought into the model's range.

    Args:
        run: (h, w, 1) float32 in [0, 1] -> (h, w, 1).
        x: (h, w, 1) float, one channel.
        sigma: the noise sigma of ``x`` (0-255 scale).
        noise_range: ``(lo, hi, below)`` (:data:`NOISE_RANGE`) or one training sigma.
        scale_from: the lightest noise that is stretched (below it: the blend).

    Returns:
        (h, w, 1) float64, not clipped.
    """
    lo, hi, below = _as_range(noise_range)
    x = np.asarray(x, np.float64)
    if lo <= sigma <= hi:
        return np.asarray(run(x.astype(np.float32)), np.float64)
    if sigma > hi or sigma >= scale_from:
        k = (hi if sigma > hi else lo) / sigma
        out = np.asarray(run(((x - 0.5) * k + 0.5).astype(np.float32)), np.float64)
        return (out - 0.5) / k + 0.5
    strength = strength_for(sigma) if below == "measured" else sigma / lo
    if strength == 0.0:
        return x
    return x + strength * (np.asarray(run(x.astype(np.float32)), np.float64) - x)


def noise_range_of(name):
    """The :data:`NOISE_RANGE` of the preset ``name``, or ``None`` (other models, model files)."""
    return NOISE_RANGE.get(name)


def check_noise_level(value, option="--noise-level"):
    """``"auto"`` or a float σ in [0, 255]; ``ValueError`` naming ``option`` otherwise."""
    if value == "auto":
        return value
    try:
        sigma = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{option} must be 'auto' or a noise sigma on the 0-255 scale, got {value!r}") from None
    if not 0.0 <= sigma <= 255.0:
        raise ValueError(f"{option} must be in [0, 255] (the noise sigma on the 0-255 scale), got {value}")
    return sigma


def noise_adapted(grey, noise_range, noise_level="auto", colour=True):
    """A :class:`Predictor` running the grey denoiser ``grey`` at each image's noise level (:func:`adapted`).

    Args:
        grey: a scale-1 one-channel :class:`Predictor`.
        noise_range: its ``(lo, hi, below)`` (:data:`NOISE_RANGE`), or the one σ it was trained at.
        noise_level: σ of the noise per RGB channel (of a grey image: its σ), 0-255 scale, or ``"auto"``:
            estimated from each image.
        colour: ``True``: colour images are restored in the opponent channels
            (:func:`keras_sr.inference.colour_restore.colour_restorer`); ``False``: on Y (Cb, Cr kept). Grey
            images are restored as grey either way.

    Returns:
        a :class:`Predictor` whose :meth:`Predictor.for_image` (which :func:`keras_sr.inference.upscale` and
        ``keras-sr restore`` call with the whole image before running it) gives the one for that image, named
        e.g. ``"rednet10-denoise (opponent colour, noise sigma 14.8 estimated)"``, or ``"... (noise sigma 8.5 on
        Y, given)"``: the σ is the one of the channels the model sees.
    """
    from keras_sr.data.noise_level import estimate_image_noise_sigma, is_grey_image, y_noise_factor

    noise_level = check_noise_level(noise_level)
    auto = noise_level == "auto"
    planned = _at_level(grey, noise_range, _as_range(noise_range)[1] if auto else noise_level, colour)
    if auto:  # what tiling plans with, before an image is seen
        planned.name = f"{grey.name} ({'opponent colour, ' if colour else ''}noise sigma estimated per image)"

    def for_image(image):
        opponent = colour and not is_grey_image(image)
        if auto:
            sigma = estimate_image_noise_sigma(image, "rgb" if opponent else "y")
        else:
            sigma = noise_level if opponent else noise_level * y_noise_factor(image)
        return _named(_at_level(grey, noise_range, sigma, opponent), "estimated" if auto else "given")

    planned.for_image = for_image
    return planned


def _at_level(grey, noise_range, sigma, opponent):
    """``grey`` at noise ``sigma``: in the opponent channels (σ per RGB channel) or on one channel (its σ)."""
    from keras_sr.inference.colour_restore import colour_restorer

    if opponent:
        def channel(run, x, k):
            return adapted(run, x, sigma * OPPONENT_NOISE[k], noise_range, CHROMA_SCALE_FROM if k else SCALE_FROM)

        predict = colour_restorer(grey, channel)
        predict.name = f"{grey.name} (opponent colour, noise sigma {sigma:.1f})"
        return predict
    return Predictor(lambda x: adapted(grey.fn, x, sigma, noise_range).astype(np.float32),
                     f"{grey.name} (noise sigma {sigma:.1f} on Y)", 1, 1, grey.multiple, grey.model)


def _named(predict, how):
    predict.name = predict.name[:-1] + f", {how})" if "on Y" in predict.name else predict.name[:-1] + f" {how})"
    return predict
