"""Recipe race: the paper recipe against the fast one, same wall time, same data, held-out PSNR.

    nice -n 19 env PYTHONPATH=. python benchmarks/recipe_race.py [--minutes 8] [--only edsr|rt4ksr]
        [--data ../shared/data/train/T91 --data ../shared/data/train/BSD200] [--val-split 0.1]
        [--out runs/recipe_race]

For each contestant (a small EDSR-baseline x2 — 8 blocks of 32 filters, as in
``train_x2_15min.py`` — and RT4KSR x2 as released) it trains the ``paper`` and the ``fast``
recipe (:data:`keras_sr.training.recipes.FAST_RECIPES`) with :func:`keras_sr.training.train`
for the same wall time (``--minutes``, validation epochs included: ``time_limit``) on the same
training images, minus the same held-out split (``--val-split``, whole images, seed 0). The
held-out images choose ``best.keras`` and give the figures; Set5 is only reported.

The fast recipe's cosine schedule should end when the time does, so its number of updates is
set from a short probe run (updates per second after the graph is built) × the budget × 0.8;
on a machine whose load changes the time may still run out first (the table gives the updates
done and planned). The paper recipe runs with its own (long) schedule until the time is up,
as a user with that budget would run it. Prints a Markdown table and appends one JSON line per run to
``OUT/results.jsonl``.
"""

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from keras_sr.utils.machine import cpu_flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

# (preset, scale, recipe overrides common to both recipes); T91's t20.png (78 px) is smaller
# than some HR crops: skipped, in both recipes
CONTESTANTS = {
    "edsr": ("edsr-baseline", 2, {"model_overrides": {"num_blocks": 8, "filters": 32}, "on_bad_file": "skip"}),
    "rt4ksr": ("rt4ksr", 2, {"on_bad_file": "skip"}),
}




def probe_rate(model, scale, data, config, variant, steps=30):
    """Updates per second of ``variant`` (timed after the first 10 updates: graph building)."""
    import keras

    from keras_sr.training import train

    class Clock(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 9:
                self.start = time.perf_counter()
            self.end = time.perf_counter()

    clock = Clock()
    with tempfile.TemporaryDirectory() as tmp:
        train(model, scale, data, steps=steps, steps_per_epoch=steps, config=config, variant=variant,
              out=os.path.join(tmp, "probe"), tensorboard=False, pictures=0, callbacks=[clock], verbose=0)
    return (steps - 10) / (clock.end - clock.start)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", help="HR training folders (default: ../shared T91 + BSD200)")
    p.add_argument("--set5", default=str(SHARED / "Set5" / "HR"))
    p.add_argument("--minutes", type=float, default=8.0, help="wall time per run")
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--validations", type=int, default=3, help="held-out validations per run")
    p.add_argument("--only", choices=sorted(CONTESTANTS), action="append")
    p.add_argument("--out", default="runs/recipe_race")
    args = p.parse_args(argv)

    import keras_sr.models.rt4ksr_init  # noqa: F401  (imported now: later edits of the tree don't reach a long race)
    from keras_sr.training import train

    data = args.data or [str(SHARED / "train" / "T91"), str(SHARED / "train" / "BSD200")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    budget = args.minutes * 60.0
    machine = f"{platform.machine()} {os.cpu_count()} cores ({cpu_flags()}), load {os.getloadavg()[0]:.1f}"
    print(f"recipe race {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {args.minutes:g} min per run, "
          f"held-out split {args.val_split} of {', '.join(data)}; {machine}", flush=True)
    rows = []
    for key in args.only or sorted(CONTESTANTS):
        model, scale, config = CONTESTANTS[key]
        for variant in ("paper", "fast"):
            rate = probe_rate(model, scale, data, config, variant)
            planned = max(20, int(rate * budget * 0.8))
            spe = max(10, planned // args.validations)
            steps = planned if variant == "fast" else 100 * planned  # paper: until the time is up
            run_dir = out / f"{key}_x{scale}_{variant}"
            if run_dir.exists():
                shutil.rmtree(run_dir)  # the race's own folder from an earlier race
            print(f"{model} x{scale} {variant}: {rate:.2f} updates/s probed, {planned} updates expected, "
                  f"{steps} planned", flush=True)
            result = train(model, scale, data, args.set5, steps=steps, steps_per_epoch=spe, config=config,
                           variant=variant, val_split=args.val_split, out=str(run_dir), time_limit=budget,
                           tensorboard=False, pictures=0, verbose=2)
            row = {"model": model, "scale": scale, "recipe": variant, "minutes": args.minutes,
                   "steps": result["steps"], "planned": steps, "seconds": round(result["seconds"], 1),
                   "held_out_images": len(result["held_out"]), "held_out_final": result["val_psnr"],
                   "held_out_best": result["best_val_psnr"], "held_out_bicubic": result["bicubic_psnr"],
                   "set5_final": result["benchmark_psnr"], "set5_bicubic": result["benchmark_bicubic_psnr"],
                   "date": time.strftime("%Y-%m-%d", time.gmtime()), "machine": machine}
            rows.append(row)
            with open(out / "results.jsonl", "a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    print("\n| model | recipe | updates (planned) | held-out final (dB) | held-out best | held-out bicubic | "
          "Set5 final (dB) | Set5 bicubic |\n|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['model']} x{r['scale']} | {r['recipe']} | {r['steps']:,} ({r['planned']:,}) | "
              f"{r['held_out_final']:.2f} | "
              f"{r['held_out_best']:.2f} | {r['held_out_bicubic']:.2f} | {r['set5_final']:.2f} | "
              f"{r['set5_bicubic']:.2f} |")


if __name__ == "__main__":
    main()
