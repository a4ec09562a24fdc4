"""The GPU weights campaign (issue #16), now a plan run through the library (#24 item 4).

    PYTHONPATH=. python benchmarks/train_zoo_jax.py --train DIR --seconds 3000 --out /tmp/zoo \\
        [--backend jax] [--only edsr ...] [--plan FILE] [--tiny] [--pack OUT]

The plan (lanes of stages: models, scales, recipe overrides, warm starts, time shares) is data:
``keras_sr/training/campaign_plan.json``; :func:`keras_sr.training.campaign.run_plan` trains
every stage with :func:`keras_sr.training.train` (fast recipes, a held-out split of the
training images choosing ``best.keras``, a time budget per stage) on whatever backend the
machine has — the lent GPU machines have JAX and PyTorch but no TensorFlow, where the input is
the numpy pipeline. Each stage leaves ``OUT/NAME.weights.h5`` + ``OUT/NAME.json`` (and its run
folder ``OUT/NAME/``); ``--pack DIR`` bundles those into a few ``.tar.gz`` files of < 16 MiB
(what the device tool brings back). Shipping them (cards, ``index.json``) is the release
step: ``benchmarks/ship_jax_campaign.py``.
"""

import argparse
import os
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _set_backend(argv):
    """``--backend NAME`` must be set before Keras is imported."""
    for i, arg in enumerate(argv):
        if arg == "--backend" and i + 1 < len(argv):
            os.environ["KERAS_BACKEND"] = argv[i + 1]


def pack(out, dest, limit=15_000_000, max_files=6):
    """Bundle OUT's weights and records into at most ``max_files`` gzipped tars of < ``limit``
    bytes each (the device tool's return limits), records first; what does not fit is listed."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    files = sorted(Path(out).glob("*.json")) + sorted(Path(out).glob("*.weights.h5"), key=lambda p: -p.stat().st_size)
    bins, left_out = [], []
    for f in files:
        size = f.stat().st_size * (1.0 if f.suffix == ".h5" else 0.3)
        for b in bins:
            if b["size"] + size < limit:
                b["files"].append(f)
                b["size"] += size
                break
        else:
            if len(bins) < max_files:
                bins.append({"files": [f], "size": size})
            else:
                left_out.append(f.name)
    for i, b in enumerate(bins):
        with tarfile.open(dest / f"zoo{i}.tar.gz", "w:gz", compresslevel=6) as tar:
            for f in b["files"]:
                tar.add(f, arcname=f.name)
    print(f"pack: {len(files) - len(left_out)} files in {len(bins)} archives; left out: {left_out or 'none'}",
          flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True, help="training images (HR); the plan's val_split is held out")
    p.add_argument("--seconds", type=float, default=540.0, help="time budget of the whole campaign")
    p.add_argument("--out", default="runs/train_zoo")
    p.add_argument("--plan", help="a plan JSON file (default: keras_sr/training/campaign_plan.json)")
    p.add_argument("--only", action="append", help="lanes to run (repeat)")
    p.add_argument("--backend", choices=("tensorflow", "jax", "torch"), help="Keras backend (default KERAS_BACKEND)")
    p.add_argument("--steps", type=int, help="updates per stage (the cosine's length; default the recipe's)")
    p.add_argument("--steps-per-epoch", type=int, help="updates between validations")
    p.add_argument("--tiny", action="store_true", help="tiny models (a CPU test of the whole path)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pack", help="folder for the gzipped tars of the results")
    args = p.parse_args(argv)
    _set_backend(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from keras_sr.training import campaign

    records = campaign.run_plan(campaign.load_plan(args.plan), args.train, args.out, seconds=args.seconds,
                                lanes=args.only, steps=args.steps, steps_per_epoch=args.steps_per_epoch,
                                tiny=args.tiny, seed=args.seed, verbose=2)
    if args.pack:
        pack(args.out, args.pack)
    return 0 if records else 1


if __name__ == "__main__":
    sys.exit(main())
