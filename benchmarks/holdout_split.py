"""Seeded whole-image hold-out of the training set, as two folders of symlinks.

    PYTHONPATH=. python benchmarks/holdout_split.py [--data ../shared/data/train/T91 --data ...]
        [--fraction 0.1] [--seed 0] [--out runs/split]

Writes ``OUT/train`` and ``OUT/holdout`` (symlinks to the original files, names prefixed
with their folder so T91 and BSD200 never collide) and ``OUT/split.json`` (the lists).
``keras-sr train --data OUT/train --val OUT/holdout`` then chooses checkpoints on held-out
training images, never on a benchmark set (Set5 is only for the reported figure).
The split is a pure function of the sorted file names and ``--seed``: rerunning it gives
the same folders.
"""

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "train"


def split(files, fraction, seed):
    """(train, holdout) lists: ``round(fraction * len(files))`` (at least 1) whole images held
    out — the rule of ``keras-sr train --val-split`` (:func:`keras_sr.data.split.split_names`)."""
    from keras_sr.data.split import split_names

    return split_names(files, fraction, seed, what="--fraction")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", help="HR image folders (default: T91 and BSD200)")
    p.add_argument("--fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=str(ROOT / "runs" / "split"))
    args = p.parse_args(argv)

    from keras_sr.data import list_image_files

    dirs = args.data or [str(TRAIN / "T91"), str(TRAIN / "BSD200")]
    files = [(Path(d).name, Path(f)) for d in dirs for f in list_image_files(d)]
    names = {f"{folder}_{f.name}": f for folder, f in files}
    train, hold = split(list(names), args.fraction, args.seed)
    out = Path(args.out)
    for part, members in (("train", train), ("holdout", hold)):
        (out / part).mkdir(parents=True, exist_ok=True)
        for name in members:
            link = out / part / name
            if not link.is_symlink():
                os.symlink(os.path.abspath(names[name]), link)
    (out / "split.json").write_text(json.dumps({"seed": args.seed, "fraction": args.fraction, "data": dirs,
                                                "train": train, "holdout": hold}, indent=1) + "\n")
    print(f"{len(train)} training images in {out / 'train'}, {len(hold)} held out in {out / 'holdout'}")


if __name__ == "__main__":
    main()
