"""Throughput of the training pipelines alone vs the EDSR-baseline training step.

    PYTHONPATH=. python benchmarks/data_pipeline.py [--data ../shared/data/train] [--batches 60]
        [--input tf numpy] [--scales 2 4] [--workers N]

For each scale (48 px LR patches, batch 16): patches/s delivered with no model attached by
the ``tf.data`` pipeline (``keras_sr.data.training_dataset``) and by the numpy one
(``keras_sr.data.numpy_pipeline``, its batches drawn by N worker threads in order, as
``keras.utils.PyDataset`` does), and patches/s consumed by an EDSR-baseline
``train_on_batch`` step (L1 loss, Adam) on the current Keras backend. The pipeline should
deliver more than the model consumes. Not a test: figures depend on the machine and its load.
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


def numpy_rate(dataset, batches, workers, warmup=2):
    """Patches/s of the numpy pipeline: ``workers`` threads drawing batches in order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(dataset.batch, range(warmup)))
        start = time.perf_counter()
        n = sum(int(lr.shape[0]) for lr, _ in pool.map(dataset.batch, range(warmup, warmup + batches)))
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
    parser.add_argument("--input", nargs="+", default=["tf", "numpy"], choices=("tf", "numpy"))
    parser.add_argument("--scales", nargs="+", type=int, default=[2, 4])
    parser.add_argument("--workers", type=int, default=None, help="numpy pipeline threads (default: cores, <= 8)")
    args = parser.parse_args()
    from keras_sr.data.numpy_pipeline import default_workers, numpy_training_dataset

    workers = args.workers or default_workers()
    sources = [str(p) for p in sorted(Path(args.data).iterdir()) if p.is_dir()] or [args.data]
    print(f"data: {args.data}; cores: {os.cpu_count()}; batch {args.batch_size}, LR patch {args.patch_size}; "
          f"backend {keras.backend.backend()}; numpy workers {workers}; load {os.getloadavg()[0]:.1f}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'scale':>5} {'input':>6} {'images':>6} {'build s':>8} {'pipeline patches/s':>19} "
          f"{'EDSR-baseline patches/s':>24} {'steps/s':>8} {'ratio':>7}")
    consume = {}
    for scale in args.scales:
        for kind in args.input:
            with warnings.catch_warnings(record=True) as skipped:
                warnings.simplefilter("always")
                start = time.perf_counter()
                options = dict(scale=scale, patch_size=args.patch_size, batch_size=args.batch_size, seed=0,
                               on_bad_file="skip")
                ds = (data.training_dataset(sources, **options) if kind == "tf"
                      else numpy_training_dataset(sources, workers=workers, **options))
                build = time.perf_counter() - start
            n_files = len(data.list_image_files(sources))
            feed = pipeline_rate(ds, args.batches) if kind == "tf" else numpy_rate(ds, args.batches, workers)
            if scale not in consume:
                lr, hr = next(iter(ds)) if kind == "tf" else ds.batch(0)
                consume[scale] = model_rate(scale, lr, hr, args.steps)
            print(f"{scale:>5} {kind:>6} {n_files - len(skipped):>6} {build:>8.1f} {feed:>19.0f} "
                  f"{consume[scale]:>24.1f} {consume[scale] / args.batch_size:>8.2f} {feed / consume[scale]:>6.1f}x",
                  flush=True)


if __name__ == "__main__":
    main()
