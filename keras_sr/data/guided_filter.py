"""The guided filter (He, Sun & Tang, ECCV 2010, §3.1 / Algorithm 1), numpy.

Smooths ``source`` where ``guide`` is flat and keeps its edges where ``guide`` has them: in each
window the output is a linear function of the guide, fitted to the source by least squares with a
ridge ``eps``. keras-sr uses it to remove JPEG's chroma blocks with the restored luma as the guide
(:mod:`keras_sr.inference.jpeg_adapt`): chroma steps at 16-px block edges that the luma does not
share are smoothed away, colour edges that follow luma edges stay.
"""
import numpy as np


def guided_filter(guide, source, radius, eps):
    """Filter ``source`` (H, W) with ``guide`` (H, W); both float, same shape.

    Args:
        guide: the guidance image, e.g. luma in [0, 1].
        source: the image to filter, e.g. one chroma channel in [0, 1].
        radius: window radius r (a (2r + 1)² box); 0 returns ``source`` unchanged.
        eps: the ridge ε (in the images' units squared): larger smooths more across weak guide edges.

    Returns:
        (H, W) float64. Each output pixel depends on the inputs within 2r pixels (mirrored at the border).
    """
    from scipy.ndimage import uniform_filter

    guide, source = np.asarray(guide, np.float64), np.asarray(source, np.float64)
    if guide.shape != source.shape or guide.ndim != 2:
        raise ValueError(f"guided_filter needs two (H, W) images of one shape, got {guide.shape} and {source.shape}")
    radius = int(radius)
    if radius < 0 or not eps > 0:
        raise ValueError(f"guided_filter needs radius >= 0 and eps > 0, got radius {radius}, eps {eps}")
    if radius == 0:
        return source.copy()

    def box(x):
        return uniform_filter(x, 2 * radius + 1, mode="mirror")

    mean_i, mean_p = box(guide), box(source)
    var_i = box(guide * guide) - mean_i * mean_i
    a = (box(guide * source) - mean_i * mean_p) / (var_i + eps)
    b = mean_p - a * mean_i
    return box(a) * guide + box(b)
