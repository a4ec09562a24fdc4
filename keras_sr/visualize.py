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
