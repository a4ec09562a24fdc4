"""One EDSR-baseline x2 training step (batch 16, 48x48 LR patches -> 96x96, L1, Adam):
keras-sr (Keras 3 on TensorFlow, with and without XLA ``jit_compile``) against PyTorch eager.

    python benchmarks/train_step.py                     # 1 and 2 threads, 5 repeats
    python benchmarks/train_step.py --threads 2 --repeats 3

Timed like ``benchmarks/side_by_side.py``: one worker process per framework (threads fixed,
model built and warmed up there), candidates interleaved in an order rotated every repeat,
the median step time per repeat, and the median over repeats of the per-repeat ratio to
PyTorch eager. The data is random and already in memory (the step itself is timed, not the
input pipeline; ``benchmarks/data_pipeline.py`` times that). CPU flags and load are printed.
"""

import argparse
import datetime
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import side_by_side  # noqa: E402  (worker processes, CPU description)

BATCH, PATCH, SCALE = 16, 48, 2
CANDIDATES = ("torch-eager", "keras", "keras-xla")


def _data():
    rng = np.random.default_rng(0)
    lr = rng.random((BATCH, PATCH, PATCH, 3), dtype=np.float32)
    hr = rng.random((BATCH, PATCH * SCALE, PATCH * SCALE, 3), dtype=np.float32)
    return lr, hr


def torch_edsr_baseline(scale=SCALE, blocks=16, filters=64):
    """EDSR-baseline as the authors' PyTorch code builds it (mean shift folded out: it does not
    change the cost), for timing only."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1, self.c2 = nn.Conv2d(filters, filters, 3, padding=1), nn.Conv2d(filters, filters, 3, padding=1)

        def forward(self, x):
            return x + self.c2(torch.relu(self.c1(x)))

    class EDSR(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Conv2d(3, filters, 3, padding=1)
            self.body = nn.Sequential(*[Block() for _ in range(blocks)], nn.Conv2d(filters, filters, 3, padding=1))
            self.up = nn.Sequential(nn.Conv2d(filters, filters * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
            self.tail = nn.Conv2d(filters, 3, 3, padding=1)

        def forward(self, x):
            x = self.head(x)
            return self.tail(self.up(x + self.body(x)))
    return EDSR()


def make_runner(spec):
    threads = spec["threads"]
    lr, hr = _data()
    if spec["kind"] == "torch-eager":
        import torch

        torch.set_num_threads(threads)
        model = torch_edsr_baseline()
        opt = torch.optim.Adam(model.parameters(), 1e-4)
        x = torch.from_numpy(lr.transpose(0, 3, 1, 2).copy())
        y = torch.from_numpy(hr.transpose(0, 3, 1, 2).copy())

        def step():
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.l1_loss(model(x), y)
            loss.backward()
            opt.step()
            return loss.detach().item()
        return step
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras

    from keras_sr import models

    model = models.build("edsr-baseline", scale=SCALE)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mae", jit_compile=spec["kind"] == "keras-xla")
    x, y = tf.constant(lr), tf.constant(hr)
    return lambda: model.train_on_batch(x, y)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--iters", type=int, default=3, help="timed steps per candidate per repeat (median)")
    p.add_argument("--candidates", default=",".join(CANDIDATES))
    args = p.parse_args()
    if args.worker:
        return side_by_side.worker(args.worker, make_runner)
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    print(f"train_step.py, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
          f"{side_by_side.cpu_description()}")
    print(f"EDSR-baseline x{SCALE} training step, batch {BATCH}, {PATCH}x{PATCH} LR patches; "
          f"{args.repeats} repeats x {args.iters} steps")
    print("| threads | framework | ms / step | vs PyTorch eager |")
    print("|---|---|---|---|")
    for n in (int(t) for t in args.threads.split(",")):
        workers = []
        for kind in args.candidates.split(","):
            wk = side_by_side.Worker({"kind": kind, "threads": n, "size": [PATCH, PATCH]}, script=__file__)
            wk.wait_ready()
            workers.append(wk)
        before = os.getloadavg()[0]
        per_repeat = []
        try:
            for rep in range(args.repeats):
                k = rep % len(workers)
                times = {wk.spec["kind"]: float(np.median(wk.time(args.iters)))
                         for wk in workers[k:] + workers[:k]}
                per_repeat.append(times)
                log(f"  {n}t repeat {rep + 1}: " + ", ".join(f"{a} {b * 1e3:.0f} ms" for a, b in times.items()))
        finally:
            for wk in workers:
                wk.close()
        for kind in per_repeat[0]:
            ms = np.median([r[kind] for r in per_repeat]) * 1e3
            ratio = np.median([r[kind] / r["torch-eager"] for r in per_repeat]) if "torch-eager" in per_repeat[0] \
                else float("nan")
            print(f"| {n} | {kind} | {ms:.0f} | {ratio:.2f}x |")
        print(f"| {n} | load average (1 min) before -> after | {before:.2f} -> {os.getloadavg()[0]:.2f} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
