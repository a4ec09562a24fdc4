"""Pictures people judge SR by: images side by side with a caption under each."""

import numpy as np

CAPTION_HEIGHT = 22


def side_by_side(images, labels, crop=None, gap=4):
    """Tile uint8 (H, W, 3) images left to right with a caption strip under each.

    Args:
        images: arrays of the same size (e.g. bicubic, model, HR), uint8 RGB or grey.
        labels: one caption per image (e.g. "EDSR 32.10 dB").
        crop: optional (top, left, height, width) cut from each image first.
        gap: white pixels between tiles.

    Returns:
        uint8 (H + CAPTION_HEIGHT, n·W + (n−1)·gap, 3) array.
    """
    from PIL import Image, ImageDraw

    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    tiles = []
    for img in images:
        img = np.asarray(img)
        if img.ndim == 2 or img.shape[-1] == 1:
            img = np.repeat(img.reshape(img.shape[0], img.shape[1], 1), 3, axis=-1)
        if crop is not None:
            top, left, height, width = crop
            img = img[top:top + height, left:left + width]
        tiles.append(img)
    shapes = {t.shape for t in tiles}
    if len(shapes) != 1:
        raise ValueError(f"images differ in size: {sorted(shapes)}")
    h, w, _ = tiles[0].shape
    canvas = Image.new("RGB", (len(tiles) * w + (len(tiles) - 1) * gap, h + CAPTION_HEIGHT), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (tile, label) in enumerate(zip(tiles, labels)):
        x = i * (w + gap)
        canvas.paste(Image.fromarray(tile.astype(np.uint8)), (x, 0))
        draw.text((x + 4, h + 5), label, fill="black")
    return np.asarray(canvas)


def write_comparison(path, images, labels, crop=None):
    """Write :func:`side_by_side` of ``images`` to ``path`` (atomically)."""
    from keras_sr.data import write_image

    write_image(path, side_by_side(images, labels, crop=crop))
    return path


def detail_crop(hr, bicubic, size=128):
    """(top, left, height, width) of the ``size`` window where bicubic errs most (the detail SR adds).

    Searched on a grid with half-window steps; the whole image when it is smaller than ``size``.
    """
    hr = np.asarray(hr, np.float64)
    err = np.abs(hr - np.asarray(bicubic, np.float64))
    err = err.mean(axis=-1) if err.ndim == 3 else err
    h, w = err.shape
    ch, cw = min(size, h), min(size, w)
    step = max(1, min(ch, cw) // 2)
    best, where = -1.0, (0, 0)
    for top in sorted(set(list(range(0, h - ch + 1, step)) + [h - ch])):
        for left in sorted(set(list(range(0, w - cw + 1, step)) + [w - cw])):
            e = err[top:top + ch, left:left + cw].mean()
            if e > best:
                best, where = e, (top, left)
    return (where[0], where[1], ch, cw)


def sr_comparison(bicubic, sr, hr, psnr_bicubic=None, psnr_sr=None, model_name="model",
                  crop=None, crop_size=128, zoom=2):
    """Bicubic | model | HR crops side by side, PSNR in the captions.

    Args:
        bicubic, sr, hr: images of the same size, uint8 or float in [0, 1], RGB or grey.
        psnr_bicubic, psnr_sr: dB for the captions (left out when ``None``).
        model_name: caption of the middle crop.
        crop: (top, left, height, width); default :func:`detail_crop` of ``crop_size``.
        zoom: nearest-neighbour enlargement of the crops, so pixels can be seen.

    Returns:
        uint8 RGB array (see :func:`side_by_side`).
    """
    images = []
    for img in (bicubic, sr, hr):
        img = np.asarray(img)
        if img.dtype != np.uint8:
            img = np.clip(np.floor(img.astype(np.float64) * 255.0 + 0.5), 0, 255).astype(np.uint8)
        images.append(img)
    if crop is None:
        crop = detail_crop(images[2], images[0], crop_size)
    top, left, height, width = crop
    images = [img[top:top + height, left:left + width] for img in images]
    if zoom > 1:
        images = [img.repeat(zoom, axis=0).repeat(zoom, axis=1) for img in images]

    def caption(name, value):
        return name if value is None else f"{name} {value:.2f} dB"

    labels = [caption("bicubic", psnr_bicubic), caption(model_name, psnr_sr), "HR"]
    return side_by_side(images, labels)


def write_sr_comparison(path, bicubic, sr, hr, **kwargs):
    """Write :func:`sr_comparison` to ``path`` (atomically); keyword arguments as there."""
    from keras_sr.data import write_image

    write_image(path, sr_comparison(bicubic, sr, hr, **kwargs))
    return str(path)
