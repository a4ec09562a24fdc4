"""How JPEG-compressed an image is, from its pixels: block-edge steps and an estimated quality.

JPEG codes 8×8 blocks of luma and, with the usual 4:2:0 chroma subsampling, 16×16 blocks of
chroma; at low quality each block is coded apart from its neighbours, so the image steps at block
edges more than between other pixels. :func:`blockiness` is the mean absolute step across the
most stepped column/row phase of the block period over the mean step across the other phases (1:
no blocks; the phase is found, so crops of a JPEG need not keep its grid). :func:`estimate_jpeg_quality`
maps it to the IJG quality (1-100, as PIL's ``quality=``) through :data:`QUALITY_BY_BLOCKINESS`,
measured on crops of the restoration training photos (``benchmarks/jpeg_adapt.py``): for colour
photos the chroma's 16-px blocks (Cb, Cr), which separate quality levels best, for grey ones the
luma's 8-px blocks. The estimate's error on held-out photos is in docs/restoration.md; it is an
estimate of how blocky the image looks, not of the file's quantization tables.
"""
import numpy as np

# (quality, chroma blockiness (16 px, Cb + Cr), luma blockiness (8 px, Y)): medians over 20 crops of the
# restoration training photos (`benchmarks/jpeg_adapt.py --calibrate`, 2026-12-08); a PNG photo: 1.46 / 1.035
QUALITY_BY_BLOCKINESS = (
    (10, 6.78, 2.516), (15, 5.45, 2.030), (20, 4.85, 1.823), (30, 3.59, 1.578), (40, 3.10, 1.469),
    (50, 2.85, 1.375), (60, 2.64, 1.303), (70, 2.36, 1.236), (80, 2.10, 1.166), (90, 1.69, 1.102),
    (95, 1.42, 1.053),
)
MIN_QUALITY, MAX_QUALITY = 10, 95


def blockiness(channels, period):
    """Block-edge step ratio (>= about 1) of (H, W[, C]) ``channels`` with blocks of ``period`` px.

    Columns: for each phase o of ``period``, the mean |step| between columns o and o+1 (mod ``period``)
    over all rows and channels; the most stepped phase is the block edge. Rows the same. The ratio is
    (column edge step + row edge step) / (mean column step elsewhere + mean row step elsewhere): the
    phases are found for each direction, so a crop of a JPEG need not keep its grid. An image with no
    steps gives 1.
    """
    x = np.asarray(channels, np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.shape[0] <= 2 * period or x.shape[1] <= 2 * period:
        raise ValueError(f"blockiness needs an image over {2 * period} px a side, got {x.shape[:2]}")
    edge, elsewhere = 0.0, 0.0
    for steps in (np.abs(np.diff(x, axis=1)), np.abs(np.diff(x, axis=0)).swapaxes(0, 1)):
        by_phase = np.array([steps[:, o::period].mean() for o in range(period)])
        top = int(np.argmax(by_phase))
        edge += by_phase[top]
        elsewhere += np.delete(by_phase, top).mean()
    if elsewhere <= 1e-12:
        return 1.0
    return float(edge / elsewhere)


def chroma_blockiness(rgb):
    """:func:`blockiness` of the Cb and Cr (BT.601) of an RGB image in [0, 1], 16-px blocks."""
    from keras_sr.data.color import rgb_to_ycbcr

    return blockiness(rgb_to_ycbcr(np.asarray(rgb, np.float64))[..., 1:], 16)


def luma_blockiness(image):
    """:func:`blockiness` of the luma (Y of RGB, or the one channel of a grey image) in [0, 1], 8-px blocks."""
    from keras_sr.data.color import rgb_to_y

    x = np.asarray(image, np.float64)
    if x.ndim == 3 and x.shape[-1] == 3:
        x = rgb_to_y(x)
    return blockiness(x, 8)


def estimate_jpeg_quality(image):
    """Estimated JPEG quality (float in [:data:`MIN_QUALITY`, :data:`MAX_QUALITY`]) of ``image`` in [0, 1].

    Colour images (any channel differing from the others, :func:`keras_sr.data.noise_level.is_grey_image`)
    by :func:`chroma_blockiness`, grey ones by :func:`luma_blockiness`, interpolated in
    :data:`QUALITY_BY_BLOCKINESS` (less blocky than its last row: :data:`MAX_QUALITY`).
    """
    from keras_sr.data.noise_level import is_grey_image

    image = np.asarray(image, np.float64)
    colour = image.ndim == 3 and image.shape[-1] == 3 and not is_grey_image(image)
    measured = chroma_blockiness(image) if colour else luma_blockiness(image)
    qualities = [row[0] for row in QUALITY_BY_BLOCKINESS]
    levels = [row[1 if colour else 2] for row in QUALITY_BY_BLOCKINESS]
    # np.interp needs increasing x: blockiness falls as quality rises
    return float(np.interp(measured, levels[::-1], qualities[::-1]))
