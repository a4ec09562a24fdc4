"""Regular pixel-phase pattern (a "grid", checkerboard) in an SR output, in grey levels.

A ×s network whose upsampler is a pixel shuffle can leave a pattern of period ``s``: every
output pixel at the same position ``(row mod s, col mod s)`` inside its LR pixel carries the
same small offset. Adversarial training makes it visible (SRGAN ×4: a 4-pixel dot grid on
flat areas, issue #28). The measure:

1. Y levels (BT.601, 0..255) of the image;
2. the high-pass residual ``y - box_s(y)``: an ``s × s`` box average of a pattern of period
   ``s`` is its mean, so the residual keeps the whole pattern and drops smooth content;
3. the mean residual of each of the ``s²`` phases over the chosen pixels (all, or the flat
   regions of the HR image, where a grid is seen and image content averages out);
4. the standard deviation of those ``s²`` means.

A photo has no preferred phase: HR photos measure 0.1-0.5 levels (JPEG-compressed ones the
most: their 8×8 blocks have a period-4 component).
"""
import numpy as np

FLAT_FRACTION = 0.3   # the flattest 30 % of the HR pixels
ACTIVITY_WINDOW = 9   # local standard deviation over 9×9 pixels


def _luma_levels(image, value_range):
    from keras_sr.data.metrics import _to_levels
    from keras_sr.data.color import rgb_to_y

    y = _to_levels(image, value_range)
    if y.ndim == 3 and y.shape[-1] == 3:
        y = rgb_to_y(y / 255.0)[..., 0] * 255.0
    elif y.ndim == 3:
        y = y[..., 0]
    return y


def flat_regions(hr, fraction=FLAT_FRACTION, value_range=(0.0, 1.0)):
    """Boolean (H, W) mask of the ``fraction`` of pixels with the lowest local standard
    deviation of Y (over :data:`ACTIVITY_WINDOW` × :data:`ACTIVITY_WINDOW` pixels)."""
    from scipy.ndimage import uniform_filter

    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"`fraction` must be in (0, 1], got {fraction}")
    y = _luma_levels(hr, value_range)
    mean = uniform_filter(y, ACTIVITY_WINDOW, mode="reflect")
    var = np.maximum(uniform_filter(y * y, ACTIVITY_WINDOW, mode="reflect") - mean * mean, 0.0)
    # by rank, not by a threshold: flat areas tie at zero activity
    order = np.argsort(var, axis=None, kind="stable")[: max(1, int(round(fraction * var.size)))]
    mask = np.zeros(var.size, bool)
    mask[order] = True
    return mask.reshape(var.shape)


def phase_grid(image, scale, mask=None, value_range=(0.0, 1.0)):
    """Standard deviation over the ``scale²`` pixel phases of the mean high-pass residual of
    Y, in grey levels (a float >= 0; module docstring).

    Args:
        image: (H, W, 3) RGB or (H, W[, 1]) Y, uint8 or floats in ``value_range``; its
            origin must be the LR pixel grid's (an SR output, uncropped or cropped by a
            multiple of ``scale``).
        scale: the SR scale (the pattern's period), >= 2.
        mask: optional boolean (H, W): the pixels to average over (e.g. :func:`flat_regions`
            of the HR image); default all. The outer ``scale`` px are never used (the box
            filter's border).
    """
    from scipy.ndimage import uniform_filter

    scale = int(scale)
    if scale < 2:
        raise ValueError(f"`scale` must be >= 2 (a grid has a period), got {scale}")
    y = _luma_levels(image, value_range)
    residual = y - uniform_filter(y, scale, mode="reflect")
    use = np.ones(y.shape, bool) if mask is None else np.asarray(mask, bool)
    if use.shape != y.shape:
        raise ValueError(f"mask shape {use.shape} != image shape {y.shape[:2]}")
    use = use.copy()
    use[:scale], use[-scale:], use[:, :scale], use[:, -scale:] = False, False, False, False
    rows, cols = np.indices(y.shape)
    means = []
    for i in range(scale):
        for j in range(scale):
            sel = use & (rows % scale == i) & (cols % scale == j)
            if not sel.any():
                raise ValueError("phase_grid: no pixel of some phase is selected (mask too small)")
            means.append(residual[sel].mean())
    return float(np.std(means))


def grid_against_hr(sr, hr, scale, fraction=FLAT_FRACTION, value_range=(0.0, 1.0)):
    """``(sr_grid, hr_grid)``: :func:`phase_grid` of the SR output and of its HR image, both
    on the HR image's flat regions (``sr`` and ``hr`` the same shape, HR after modcrop)."""
    from keras_sr.data.metrics import modcrop

    hr = modcrop(np.asarray(hr), scale)
    if np.asarray(sr).shape != hr.shape:
        raise ValueError(f"SR shape {np.asarray(sr).shape} != HR shape {hr.shape} (HR after modcrop)")
    mask = flat_regions(hr, fraction, value_range)
    return (phase_grid(sr, scale, mask, value_range), phase_grid(hr, scale, mask, value_range))
