"""Gallery of the realistic degradations (docs/real-world.md): one HR crop per row, then its LR
made by ``bicubic``, ``video`` and ``real`` (three seeds), each enlarged with nearest neighbour
to the HR size so the artefacts show. Photos from scikit-image (no ../shared needed).

    python benchmarks/real_world_gallery.py --out docs/images/real_world_gallery.png
"""

import argparse

import numpy as np


def gallery(scale=4, size=192, seeds=(1, 2, 3)):
    """uint8 RGB mosaic: rows = photos, columns = HR | bicubic | video | real (seeds)."""
    from skimage import data as skdata

    from keras_sr.data import degrade

    photos = [skdata.astronaut()[40:40 + size, 160:160 + size], skdata.coffee()[100:100 + size, 200:200 + size],
              skdata.chelsea()[60:60 + size, 120:120 + size]]
    columns = ["bicubic"] + [("video", seeds[0])] + [("real", s) for s in seeds]
    rows = []
    for hr in photos:
        tiles = [hr]
        for col in columns:
            spec, seed = (col, 0) if isinstance(col, str) else col
            lr = degrade(hr, spec, scale=scale, seed=seed)
            tiles.append(np.repeat(np.repeat(lr, scale, 0), scale, 1)[:size, :size])
        rows.append(np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=255) for t in tiles], 1))
    labels = ["HR", f"bicubic x{scale}", "video", *(f"real seed {s}" for s in seeds)]
    return np.concatenate(rows, 0), labels


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images/real_world_gallery.png")
    parser.add_argument("--scale", type=int, default=4)
    args = parser.parse_args()
    from PIL import Image

    mosaic, labels = gallery(args.scale)
    Image.fromarray(mosaic).save(args.out)
    print(f"wrote {args.out} ({mosaic.shape[1]}x{mosaic.shape[0]}); columns: {' | '.join(labels)}")


if __name__ == "__main__":
    main()
