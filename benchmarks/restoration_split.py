"""Hold out every 10th image of T91 + BSD200 for checkpoint selection of the restoration runs.

    PYTHONPATH=. python benchmarks/restoration_split.py [--data ../shared/data/train] [--out runs/restoration_data]

Writes ``OUT/train`` (262 images) and ``OUT/val`` (29 images) as symbolic links to the
files (sorted names, T91 first; image ``i`` goes to ``val`` when ``i % 10 == 9``). Set5,
the benchmark of the model cards, is never used for training or selection.
"""

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "train"))
    p.add_argument("--out", default=str(ROOT / "runs" / "restoration_data"))
    args = p.parse_args(argv)
    from keras_sr.data import list_image_files

    files = [f for sub in ("T91", "BSD200") for f in list_image_files(Path(args.data) / sub)]
    out = Path(args.out)
    if out.exists():
        raise SystemExit(f"{out} already exists: remove it or pass another --out")
    for part in ("train", "val"):
        (out / part).mkdir(parents=True)
    for i, f in enumerate(files):
        part = "val" if i % 10 == 9 else "train"
        src = Path(f).resolve()
        os.symlink(src, out / part / f"{src.parent.name}_{src.name}")
    print(f"{out}/train: {sum(1 for _ in (out / 'train').iterdir())} images, "
          f"{out}/val: {sum(1 for _ in (out / 'val').iterdir())} images")


if __name__ == "__main__":
    main()
