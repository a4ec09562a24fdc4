"""The data folders the GPU campaign (``benchmarks/train_zoo_jax.py``) uploads: training images and held-out crops.

    PYTHONPATH=. python benchmarks/gpu_campaign_data.py [--out .gpu] [--drop 8]

The device tool uploads the working tree and what ``carry`` names, 64 MiB in all; keras-sr's
tracked files take 26 MB, the wheels Keras needs there 3 MB. So:

* the held-out split is the one ``keras-sr train --val-split 0.1`` makes (``hold_out`` of
  T91 + BSD200, seed 0: 29 whole images); of each held-out image only a 192 px centre crop
  (offsets on a 12 px grid, so LR crops align at x2/x3/x4) goes, as ``OUT/valcrop`` — images
  smaller than 192 px are left out;
* the 262 other images go as lossless WebP (≈ 0.68 of the PNG bytes) to ``OUT/train``, less
  ``--drop`` of them chosen by a seeded permutation (8 keep the upload under 64 MiB), listed
  in ``OUT/dropped.txt``.

``OUT`` must be a path git ignores (``.git/info/exclude``) so that it travels only by ``carry``.
"""

import argparse
import os
import sys
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "train"
CROP, GRID = 192, 12


def stem(path):
    """``T91__t1`` for ``.../T91/t1.png``: the set and the name, unique across both sets."""
    return f"{Path(path).parent.name}__{Path(path).stem}"


def to_webp(job):
    """Write one lossless WebP (``crop``: a centre crop on the 12 px grid, or None if smaller)."""
    import numpy as np
    from PIL import Image

    src, dst, crop = job
    with Image.open(src) as im:
        img = np.asarray(im.convert("RGB"))
    if crop:
        h, w = img.shape[:2]
        if min(h, w) < CROP:
            return None
        y, x = (h - CROP) // 2 // GRID * GRID, (w - CROP) // 2 // GRID * GRID
        img = img[y:y + CROP, x:x + CROP]
    tmp = f"{dst}.tmp"
    Image.fromarray(img).save(tmp, "WEBP", lossless=True, quality=100, method=4)
    os.replace(tmp, dst)
    return os.path.getsize(dst)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", help="training folders (default ../shared T91 + BSD200)")
    p.add_argument("--out", default=str(ROOT / ".gpu"))
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--drop", type=int, default=8, help="training images left out (seeded) for the upload limit")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)

    import numpy as np

    from keras_sr.data.split import hold_out

    sources = args.data or [str(SHARED / "T91"), str(SHARED / "BSD200")]
    train, held = hold_out(sources, args.val_split, seed=args.seed)
    dropped = sorted(np.random.default_rng(args.seed).permutation(len(train))[:args.drop].tolist())
    kept = [f for i, f in enumerate(train) if i not in set(dropped)]
    out = Path(args.out)
    (out / "train").mkdir(parents=True, exist_ok=True)
    (out / "valcrop").mkdir(parents=True, exist_ok=True)
    jobs = ([(f, out / "train" / f"{stem(f)}.webp", False) for f in kept]
            + [(f, out / "valcrop" / f"{stem(f)}.webp", True) for f in held])
    if args.workers > 1:
        with Pool(args.workers) as pool:
            sizes = pool.map(to_webp, jobs, chunksize=2)
    else:  # in-process (also where the module was loaded by path and cannot be pickled)
        sizes = [to_webp(job) for job in jobs]
    (out / "dropped.txt").write_text("".join(f"{train[i]}\n" for i in dropped))
    n_val = sum(s is not None for s in sizes[len(kept):])
    print(f"{len(kept)} training images ({sum(s for s in sizes[:len(kept)]) / 1e6:.1f} MB), {n_val} held-out crops "
          f"({sum(s or 0 for s in sizes[len(kept):]) / 1e6:.1f} MB), {len(dropped)} left out -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
