"""The same EDSR-baseline x2 run on TensorFlow and on JAX (#24 item 3): 200 steps, one seed,
the numpy input pipeline on both (the same batches), a seeded held-out split of T91 (10 %,
whole images) as the measure. Both start from one saved initialisation (``--init-weights``: Keras' initializers draw
different numbers on each backend from the same seed). The two ends must be within 0.1 dB.

    PYTHONPATH=. nice -n 10 python benchmarks/cross_backend.py [--data ../shared/data/train/T91]
        [--steps 200] [--backends tensorflow jax] [--out /tmp/cross_backend]

        [--batch-size 16] [--patch-size 48] [--jit-compile BACKEND ...]

Each backend runs in its own process (``keras-sr train --backend NAME``; JAX compiles its step
with ``jax.jit``, TensorFlow runs a graph without XLA unless ``--jit-compile tensorflow``); the
figures are read from each run folder's result.json and config.json and printed as one JSON
line per backend plus the difference. Not a test: EDSR's batch 16 of 48 px patches takes
4-7 s a step on 2 cores (about 15-25 min per backend), batch 4 of 24 px about 1-2 s.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "train" / "T91"


def initial_weights(path, seed):
    """One initialisation for every backend (Keras' initializers draw different numbers on
    each backend from the same seed): EDSR-baseline x2 built here, saved as ``path``."""
    import keras

    from keras_sr import models

    keras.utils.set_random_seed(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    models.build("edsr-baseline", scale=2).save_weights(str(path))
    return path


def cpu():
    """The CPU's model name and vector extensions (the figures depend on both)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?")
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    vector = "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "no AVX2")
    return f"{name}, {os.cpu_count()} cores, {vector}"


def command(backend, data, steps, out, seed, batch_size=16, patch_size=48, init=None, jit=False):
    return [sys.executable, "-m", "keras_sr.cli", "train", "--backend", backend, "--input", "numpy",
            "--model", "edsr-baseline", "--scale", "2", "--data", str(data), "--val-split", "0.1",
            "--steps", str(steps), "--steps-per-epoch", str(steps), "--batch-size", str(batch_size), "--patch-size", str(patch_size),
            "--seed", str(seed), "--out", str(out), "--quiet"] + (["--init-weights", str(init)] if init else []) \
        + (["--jit-compile"] if jit else [])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    parser.add_argument("--out", default="/tmp/cross_backend")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=48, help="LR patch side")
    parser.add_argument("--parallel", action="store_true", help="run the backends side by side")
    parser.add_argument("--separate-init", action="store_true",
                        help="let each backend initialise from the seed (different weights) instead of one file")
    parser.add_argument("--jit-compile", nargs="*", default=[], metavar="BACKEND",
                        help="backends that train with --jit-compile (TensorFlow: XLA; JAX compiles with jax.jit "
                             "anyway)")
    args = parser.parse_args()
    results, procs = {}, {}
    init = None if args.separate_init else initial_weights(Path(args.out) / "init.weights.h5", args.seed)
    for backend in args.backends:
        out = Path(args.out) / backend
        cmd = command(backend, args.data, args.steps, out, args.seed, args.batch_size, args.patch_size, init,
                      jit=backend in args.jit_compile)
        procs[backend] = (subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)}), time.perf_counter())
        if not args.parallel:
            procs[backend][0].wait()
    for backend, (proc, start) in procs.items():
        if proc.wait() != 0:
            raise SystemExit(f"{backend}: keras-sr train exited with {proc.returncode}")
        result = json.loads((Path(args.out) / backend / "result.json").read_text())
        results[backend] = {"held_out_psnr": result["val_psnr"], "bicubic_psnr": result["bicubic_psnr"],
                            "steps": result["steps"], "train_seconds": round(result["seconds"], 1),
                            "batch_size": args.batch_size, "lr_patch": args.patch_size,
                            "jit_compile": json.loads((Path(args.out) / backend / "config.json").read_text())[
                                "jit_compile"]}
        print(json.dumps({"backend": backend, **results[backend]}), flush=True)
    if len(results) > 1:
        values = [r["held_out_psnr"] for r in results.values()]
        print(json.dumps({"max_difference_db": round(max(values) - min(values), 4),
                          "machine": cpu(),
                          "load": os.getloadavg(), "date": time.strftime("%Y-%m-%d")}))


if __name__ == "__main__":
    main()
