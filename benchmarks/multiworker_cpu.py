"""Training steps per second with 1 process against 2 worker processes on this machine
(``MultiWorkerMirroredStrategy`` over localhost gRPC, CPU), at the same global batch.

    PYTHONPATH=. python benchmarks/multiworker_cpu.py [--steps 30] [--warmup 5]
        [--batch 16] [--patch 24] [--blocks 8] [--filters 32] [--out benchmarks/multiworker_cpu_results.jsonl]

Both runs call :func:`keras_sr.training.train` (what ``keras-sr train`` and
``keras-sr train --workers 2`` run) on generated images (scikit-image photos), EDSR's
recipe with ``--blocks`` × ``--filters`` (the 15-minute CPU model by default). The rate is
taken over the steps after ``--warmup`` (tracing and the first collectives excluded).
Appends one JSON line per run (date, CPU flags, processes, steps/s) to ``--out``.

On one machine the two workers share its cores, so a second process cannot add compute: the
figure shows the cost of the collectives (gradients all-reduced every step), not a speed-up.
Several machines add their cores; each step then also pays one all-reduce of the model's
gradients over the network.
"""

import argparse
import datetime
import json
import os
import sys
import tempfile
import time

from keras_sr.utils.machine import cpu_flags




def make_images(folder, count=6, size=96):
    from skimage import data as skdata

    from keras_sr.data import write_image

    os.makedirs(folder, exist_ok=True)
    photos = [skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.rocket()]
    for i in range(count):
        photo = photos[i % len(photos)]
        top, left = 20 * i % (photo.shape[0] - size), 37 * i % (photo.shape[1] - size)
        write_image(os.path.join(folder, f"img{i}.png"), photo[top:top + size, left:left + size])


def run(args, strategy=None):
    """Train ``args.steps`` steps; returns (steps/s after the warm-up, chief?)."""
    import keras

    from keras_sr import training
    from keras_sr.training import multiworker

    times = []

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp:
        training.train("edsr-baseline", 2, args.data, None, steps=args.steps, steps_per_epoch=args.steps,
                       out=os.path.join(tmp, "run"), strategy=strategy, verbose=0, tensorboard=False,
                       callbacks=[Clock()], batch_size=args.batch, patch_size=args.patch,
                       model_overrides={"num_blocks": args.blocks, "filters": args.filters})
    timed = times[args.warmup:]
    return (len(timed) - 1) / (timed[-1] - timed[0]), multiworker.is_chief(strategy)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=16, help="global batch")
    p.add_argument("--patch", type=int, default=24, help="LR patch side")
    p.add_argument("--blocks", type=int, default=8)
    p.add_argument("--filters", type=int, default=32)
    p.add_argument("--data", default=None, help="HR images (default: generated)")
    p.add_argument("--out", default="benchmarks/multiworker_cpu_results.jsonl")
    p.add_argument("--worker", metavar="JSON", help=argparse.SUPPRESS)  # internal: one worker, result here
    args = p.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.worker:
        from keras_sr.training import multiworker

        strategy = multiworker.multi_worker_strategy()
        rate, chief = run(args, strategy)
        if chief:
            with open(args.worker, "w") as f:
                json.dump({"steps_per_second": rate}, f)
        return 0
    from keras_sr.training import multiworker

    tmp = tempfile.mkdtemp(prefix="keras-sr-bench-")
    if args.data is None:
        args.data = os.path.join(tmp, "hr")
        make_images(args.data)
    common = {"date": datetime.date.today().isoformat(), "cpu_flags": cpu_flags().split(), "cpus": os.cpu_count(),
              "model": f"edsr-baseline {args.blocks}x{args.filters}", "scale": 2, "global_batch": args.batch,
              "lr_patch": args.patch, "steps": args.steps, "warmup": args.warmup}
    rows = []
    rate, _ = run(args)
    rows.append({**common, "processes": 1, "steps_per_second": round(rate, 3)})
    print(json.dumps(rows[-1]), flush=True)
    result = os.path.join(tmp, "two.json")
    command = [sys.executable, os.path.abspath(__file__), "--worker", result, "--data", args.data,
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--batch", str(args.batch),
               "--patch", str(args.patch), "--blocks", str(args.blocks), "--filters", str(args.filters)]
    multiworker.launch_local_workers([command, command])
    with open(result) as f:
        rate = json.load(f)["steps_per_second"]
    rows.append({**common, "processes": 2, "steps_per_second": round(rate, 3)})
    print(json.dumps(rows[-1]), flush=True)
    with open(args.out, "a") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    print(f"appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
