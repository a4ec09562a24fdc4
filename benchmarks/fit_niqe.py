"""Fit NIQE's pristine multivariate Gaussian on keras-sr's own training photos and write it to
keras_sr/evaluation/niqe_pristine.npz (keras_sr.evaluation.niqe).

The photos: ../shared/data/train/{T91,BSD200} less the held-out split of the real-world runs
(``hold_out(..., 0.07, seed 0)``, whole images), so that NIQE scores of held-out images are not of
photos it was fitted on. Not the paper's 125 pristine photos: the scores are not MATLAB NIQE's.

    python benchmarks/fit_niqe.py --data ../shared/data/train/T91 --data ../shared/data/train/BSD200
"""

import argparse
import datetime
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, metavar="DIR")
    parser.add_argument("--val-split", type=float, default=0.07)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="keras_sr/evaluation/niqe_pristine.npz")
    args = parser.parse_args()

    from keras_sr.data import hold_out, read_image
    from keras_sr.evaluation.niqe import PATCH, fit_pristine

    train, held = hold_out(args.data, args.val_split, args.seed)
    usable = [f for f in train if min(read_image(f).shape[:2]) >= PATCH]
    start = time.time()
    fit = fit_pristine(read_image(f) for f in usable)
    np.savez(args.out, mean=fit["mean"], cov=fit["cov"], patches=fit["patches"], images=len(usable),
             date=str(datetime.date.today()))
    print(f"fitted on {fit['patches']} sharp 96x96 patches of {len(usable)} training photos "
          f"({len(train) - len(usable)} smaller than {PATCH} px skipped, {len(held)} held out) in "
          f"{time.time() - start:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
