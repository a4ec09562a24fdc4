"""Throughput of the training pipeline alone vs the EDSR-baseline training step.

    PYTHONPATH=. python benchmarks/data_pipeline.py [--data ../shared/data/train] [--batches 60]

For x2 and x4 (48 px LR patches, batch 16): patches/s delivered by
``keras_sr.data.training_dataset`` with no model attached, and patches/s consumed by an
EDSR-baseline ``train_on_batch`` step (L1 loss, Adam). The pipeline should deliver at
least 5x what the model consumes. Not a test: figures depend on the machine and its load.
"""

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from keras_sr import data, models  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "train"


def pipeline_rate(dataset, batches, warmup=5):
    it = iter(dataset)
    for _ in range(warmup):
        next(it)
    start = time.perf_counter()
    n = 0
    for _ in range(batches):
        lr, _ = next(it)
        n += int(lr.shape[0])
    return n / (time.perf_counter() - start)


def model_rate(scale, lr, hr, steps, warmup=2):
    model = models.build("edsr-baseline", scale=scale)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mae")
    for _ in range(warmup):
        model.train_on_batch(lr, hr)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(lr, hr)
    return steps * int(lr.shape[0]) / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="HR folder(s) of training images")
    parser.add_argument("--batches", type=int, default=60, help="pipeline batches timed per scale")
    parser.add_argument("--steps", type=int, default=5, help="model steps timed per scale")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=48, help="LR patch side")
    args = parser.parse_args()
    sources = [str(p) for p in sorted(Path(args.data).iterdir()) if p.is_dir()] or [args.data]

    print(f"data: {args.data}; cores: {os.cpu_count()}; batch {args.batch_size}, LR patch {args.patch_size}")
    print(f"{'scale':>5} {'images':>6} {'build s':>8} {'pipeline patches/s':>19} {'EDSR-baseline patches/s':>24}"
          f" {'steps/s':>8} {'ratio':>7}")
    for scale in (2, 4):
        with warnings.catch_warnings(record=True) as skipped:
            warnings.simplefilter("always")
            start = time.perf_counter()
            ds = data.training_dataset(sources, scale=scale, patch_size=args.patch_size, batch_size=args.batch_size,
                                       seed=0, on_bad_file="skip")
            build = time.perf_counter() - start
        n_files = len(data.list_image_files(sources))
        feed = pipeline_rate(ds, args.batches)
        lr, hr = next(iter(ds))
        consume = model_rate(scale, lr, hr, args.steps)
        print(f"{scale:>5} {n_files - len(skipped):>6} {build:>8.1f} {feed:>19.0f} {consume:>24.1f}"
              f" {consume / args.batch_size:>8.2f} {feed / consume:>6.0f}x")


if __name__ == "__main__":
    main()
