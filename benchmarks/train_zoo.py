"""The GPU campaign in one command: train every shipped weight of issue 16 with the fast
recipes, in sequence, and ship each (weights + model card + index entry).

    PYTHONPATH=. python benchmarks/train_zoo.py --dry-run              # the plan
    PYTHONPATH=. python benchmarks/train_zoo.py --budget-minutes 20    # all of it
    PYTHONPATH=. python benchmarks/train_zoo.py --only rt4ksr_x2 --budget-minutes 30

Per entry of :data:`PLAN`: a short probe measures updates/s, the fast recipe's cosine
schedule is sized to ``--budget-minutes`` (× 0.8, validation included in the time limit),
:func:`keras_sr.training.train` runs with ``val_split`` (a seeded 10 % of T91 + BSD200, whole
images, chooses the checkpoint; Set5 is never used for a choice), then
``benchmarks/ship_weights.py`` evaluates on Set5 and writes the files into ``--dest``.
Where TensorFlow sees a GPU the runs use mixed precision (``mixed_float16``) and XLA
(``jit_compile``, single-network models). It prints samples/s (updates × batch / s) per model.

Resumable: ``OUT/campaign.json`` records every shipped entry (skipped on the next call); a
run folder left by an interrupted call continues with ``resume``; a finished but unshipped
run is only shipped. x3/x4 models start from their x2 run (``init_weights``), SRGAN from the
SRResNet run, as in the papers.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One shipped weight: ``name`` (the file stem), the model preset and scale, recipe
    overrides, the entry whose final model it starts from, and the card's target/reference."""

    name: str
    model: str
    scale: int
    config: dict = dataclasses.field(default_factory=dict)
    init_from: str = None
    generator_from: str = None
    target: float = None
    reference: str = ""


_SKIP = {"on_bad_file": "skip"}  # T91 has images smaller than some HR crops
PLAN = (
    Entry("rt4ksr_x2", "rt4ksr", 2, _SKIP, target=35.8, reference="36.14 (authors' x2 weights, keras-sr)"),
    Entry("rt4ksr_x3", "rt4ksr", 3, _SKIP, init_from="rt4ksr_x2", target=31.9),
    Entry("rt4ksr_x4", "rt4ksr", 4, _SKIP, init_from="rt4ksr_x2", target=29.8),
    Entry("edsr-baseline_x2", "edsr-baseline", 2, _SKIP, target=37.3, reference="37.99 (EDSR-PyTorch baseline)"),
    Entry("edsr-baseline_x3", "edsr-baseline", 3, _SKIP, init_from="edsr-baseline_x2", target=33.4),
    Entry("edsr-baseline_x4", "edsr-baseline", 4, _SKIP, init_from="edsr-baseline_x2", target=31.2),
    Entry("srresnet_x4", "srresnet", 4, _SKIP, target=31.0, reference="32.05 (Ledig et al., Table 4)"),
    # SRGAN-MSE (Ledig et al. Table 1): MSE content (x4 on [0,1]) + 1e-3 adversarial, no VGG19
    Entry("srgan_x4", "srgan", 4, {**_SKIP, "content_layer": None, "pixel_weight": 1.0},
          generator_from="srresnet_x4", reference="SRGAN-MSE, Ledig et al. Table 1"),
    Entry("rednet30_x2", "rednet30", 2, _SKIP, reference="RED30 (Mao et al.)"),
    Entry("rednet30_x4", "rednet30", 4, _SKIP, init_from="rednet30_x2"),
    Entry("srdensenet-all_x4", "srdensenet-all", 4, _SKIP, reference="32.02 (Tong et al.)"),
    Entry("mdsr-baseline", "mdsr-baseline", 2, _SKIP),
    Entry("srcnn_x2", "srcnn", 2, _SKIP, target=36.0, reference="36.34 (Dong et al., 9-1-5, 91 images)"),
    Entry("srcnn_x3", "srcnn", 3, _SKIP, init_from="srcnn_x2"),
    Entry("srcnn_x4", "srcnn", 4, _SKIP, init_from="srcnn_x2"),
)


def _load(name):
    """A sibling script of benchmarks/ as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gpu_visible():
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def machine_line(gpu):
    """The hardware line of the cards: the GPU's name, or the CPU."""
    import platform

    import tensorflow as tf

    if gpu:
        names = [tf.config.experimental.get_device_details(d).get("device_name", d.name)
                 for d in tf.config.list_physical_devices("GPU")]
        return f"{', '.join(names)} (mixed_float16, XLA for single-network models)"
    return f"{platform.machine()} CPU, {os.cpu_count()} cores (no GPU visible to TensorFlow)"


def run_entry(entry, args, out, gpu, state):
    """Train (or resume) and ship one entry; returns its record for campaign.json."""
    from keras_sr.training import get_recipe, train

    run_dir = out / "runs" / entry.name
    recipe = get_recipe(entry.model, config=entry.config, variant="fast")
    jit = gpu and recipe.kind == "sr"
    extra = {}
    if entry.init_from:
        extra["init_weights"] = str(out / "runs" / entry.init_from / "checkpoints" / "final.keras")
    if entry.generator_from:
        extra["generator"] = str(out / "runs" / entry.generator_from / "checkpoints" / "final.keras")
    budget = args.budget_minutes * 60.0
    finished = (run_dir / "result.json").is_file() and (run_dir / "checkpoints" / "final.keras").is_file()
    if finished:
        result = json.loads((run_dir / "result.json").read_text())
        print(f"{entry.name}: trained already ({run_dir}), shipping", flush=True)
    else:
        resume = (run_dir / "config.json").is_file()
        if resume:
            print(f"{entry.name}: resuming {run_dir}", flush=True)
            result = train(entry.model, out=str(run_dir), resume=True, time_limit=budget, verbose=args.verbose,
                           mixed_precision=gpu, jit_compile=jit, **({"generator": extra["generator"]}
                                                                    if "generator" in extra else {}))
        else:
            steps = args.steps
            if steps is None:
                rate = _load("recipe_race").probe_rate(entry.model, entry.scale, args.data, entry.config, "fast")
                steps = max(20, int(rate * budget * 0.8))
                print(f"{entry.name}: {rate:.2f} updates/s probed -> {steps} updates in "
                      f"{args.budget_minutes:g} min", flush=True)
            result = train(entry.model, entry.scale, args.data, steps=steps,
                           steps_per_epoch=max(1, steps // args.validations), config=entry.config,
                           variant="fast", val_split=args.val_split, out=str(run_dir), time_limit=budget,
                           mixed_precision=gpu, jit_compile=jit, verbose=args.verbose,
                           tensorboard=False, **extra)
        result = {k: result[k] for k in ("steps", "seconds", "val_psnr", "best_val_psnr", "bicubic_psnr")}
    samples = result["steps"] * recipe.batch_size / max(result["seconds"], 1e-9)
    print(f"{entry.name}: {result['steps']} updates in {result['seconds']:.0f} s = {samples:.1f} samples/s "
          f"(batch {recipe.batch_size}); held-out {result['val_psnr']:.2f} dB "
          f"(bicubic {result['bicubic_psnr']:.2f})", flush=True)
    ship = ["--run", str(run_dir), "--set5", args.set5, "--dest", args.dest, "--machine", args.machine,
            "--reference", entry.reference,
            "--notes", f"Trained by `benchmarks/train_zoo.py` (fast recipe, {args.budget_minutes:g} min budget, "
                       f"{samples:.1f} samples/s); checkpoint chosen on a held-out {args.val_split:g} of the "
                       "training images (--val-split), never on Set5."]
    if entry.target is not None:
        ship += ["--target", str(entry.target)]
    ship_weights = _load("ship_weights")
    best_better = (result.get("best_val_psnr") or float("-inf")) > (result["val_psnr"] or float("-inf")) + 0.005
    if best_better and "--checkpoint" in Path(ship_weights.__file__).read_text():
        ship += ["--checkpoint", "best"]  # held-out split chose it (ship_weights with --checkpoint)
    ship_weights.main(ship)
    return {"name": entry.name, "steps": result["steps"], "seconds": round(result["seconds"], 1),
            "samples_per_s": round(samples, 2), "held_out_psnr": result["val_psnr"],
            "held_out_best": result.get("best_val_psnr"), "gpu": gpu,
            "date": time.strftime("%Y-%m-%d", time.gmtime())}


def main(argv=None, plan=PLAN):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget-minutes", type=float, default=20.0, help="wall time per model (training)")
    p.add_argument("--only", action="append", metavar="NAME", help="entries to run (repeat); default all")
    p.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    p.add_argument("--data", action="append", help="HR training folders (default ../shared T91 + BSD200)")
    p.add_argument("--set5", default=str(SHARED / "Set5" / "HR"))
    p.add_argument("--val-split", type=float, default=0.1)
    p.add_argument("--validations", type=int, default=5, help="held-out validations per run")
    p.add_argument("--steps", type=int, help="fixed updates per model instead of a probed budget (tests)")
    p.add_argument("--out", default="runs/train_zoo", help="campaign folder (runs + campaign.json)")
    p.add_argument("--dest", default=str(ROOT / "keras_sr" / "weights"), help="where shipped files go")
    p.add_argument("--machine", default=None, help="hardware line for the cards (default: detected)")
    p.add_argument("--verbose", type=int, default=2)
    args = p.parse_args(argv)
    args.data = args.data or [str(SHARED / "train" / "T91"), str(SHARED / "train" / "BSD200")]
    names = [e.name for e in plan]
    unknown = sorted(set(args.only or ()) - set(names))
    if unknown:
        p.error(f"--only: unknown entr{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                f"known: {', '.join(names)}")
    todo = [e for e in plan if not args.only or e.name in args.only]
    out = Path(args.out)
    state_path = out / "campaign.json"
    state = json.loads(state_path.read_text()) if state_path.is_file() else {}
    if args.dry_run:
        for e in todo:
            status = "shipped" if e.name in state else "to do"
            start = f", from {e.init_from or e.generator_from}" if (e.init_from or e.generator_from) else ""
            print(f"{e.name:<20} {e.model} x{e.scale}, fast recipe, {args.budget_minutes:g} min{start}: {status}")
        return 0
    gpu = gpu_visible()
    if args.machine is None:
        args.machine = machine_line(gpu)
    print(f"train_zoo: {len(todo)} entries, {args.budget_minutes:g} min each, GPU visible: {gpu}", flush=True)
    from keras_sr.utils import atomic

    for entry in todo:
        if entry.name in state:
            print(f"{entry.name}: shipped already ({state[entry.name]['date']}), skipped", flush=True)
            continue
        state[entry.name] = run_entry(entry, args, out, gpu, state)
        out.mkdir(parents=True, exist_ok=True)
        atomic.write_text(state_path, json.dumps(state, indent=2) + "\n", overwrite=True)
    print("\n| entry | updates | s | samples/s | held-out PSNR |\n|---|---:|---:|---:|---:|")
    for e in todo:
        r = state[e.name]
        print(f"| {e.name} | {r['steps']:,} | {r['seconds']:.0f} | {r['samples_per_s']:.1f} | "
              f"{r['held_out_psnr']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
