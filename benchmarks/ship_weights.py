"""Turn a finished ``keras-sr train`` run into shipped weights: file, model card, index entry.

    PYTHONPATH=. python benchmarks/ship_weights.py --run runs/rt4ksr_x2 [--set5 ../shared/data/Set5/HR]
        [--target 35.8] [--reference "36.14 / 0.9518 (authors' released x2 weights, measured by keras-sr)"]

What it does, in order:

1. loads the run's ``checkpoints/final.keras`` (the last weights), or with ``--checkpoint best``
   its ``best.keras`` — only when the run's ``--val`` images are held-out TRAINING images
   (``benchmarks/holdout_split.py``), never a benchmark set: picking on Set5 would bias the
   Set5 figure in the card (refused when ``--val`` is the ``--set5`` folder);
2. RT4KSR: re-parameterizes it into the deploy form (and checks the outputs agree within 1e-4);
3. evaluates it and MATLAB bicubic on Set5 (Y, shave = scale, MATLAB bicubic LR), the
   benchmark protocol of :mod:`keras_sr.evaluation`;
4. writes ``keras_sr/weights/{preset}_x{scale}.weights.h5``, the model card ``.md`` and the
   run's recipe overrides ``.train.json`` (from the run's config.json), and adds the entry
   to ``keras_sr/weights/index.json`` (:func:`keras_sr.weights.release.write_release`).

The card's training command is rebuilt from the run's config.json, so it reproduces the run.
"""

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def rel(path):
    """``path`` relative to the repository root (how the README's commands name files)."""
    return os.path.relpath(os.path.abspath(path), ROOT)


def train_command(config, run, config_file, time_limit=None):
    data = " ".join(f"--data {rel(d)}" for d in config["data"])
    val = " ".join(f"--val {rel(d)}" for d in config["val"] or [])
    steps = config["epochs"] * config["steps_per_epoch"]
    init = f" --init-weights {config['init_weights']}" if config.get("init_weights") else ""
    return (f"keras-sr train --model {config['model']} --scale {config['scale']} {data} {val} --steps {steps} "
            f"--steps-per-epoch {config['steps_per_epoch']} --config {config_file}{init} "
            f"--seed {config['seed']}{f' --time-limit {time_limit:g}' if time_limit else ''} --out {rel(run)}")


def data_line(config, n_images):
    """The card's training-data sentence."""
    names = ", ".join(rel(d) for d in config["data"])
    if config.get("held_out"):
        return (f"{names} ({len(config.get('train_images') or [])} images for training, {len(config['held_out'])} "
                f"held out by `--val-split`; T91 + BSD200 is the classic 291-image set)")
    if "runs/split/train" in names:
        return (f"{names} ({n_images} of the 291 T91 + BSD200 images, the classic 291-image set; the other "
                "29 are held out for validation; `PYTHONPATH=. python benchmarks/holdout_split.py` makes both "
                "folders of links, seed 0)")
    return f"{names} ({n_images} images; T91 + BSD200 is the classic 291-image set)"


def checkpoint_line(checkpoint, config, result):
    """The card's sentence on which weights ship and which images chose them."""
    if config.get("held_out"):  # --val-split: whole training images the run never trained on
        split = config["recipe"]["val_split"]
        where = (f"the held-out split (`--val-split {split:g}`, seed {config['seed']}: {len(config['held_out'])} whole "
                 "images of the training folders that the run never trained on; Set5 chose nothing)")
        if checkpoint == "best":
            return (f"* Checkpoint: the best epoch (`best.keras`, {result['best_val_psnr']:.2f} dB Y-PSNR) on {where}; "
                    f"the last epoch reached {result['val_psnr']:.2f} dB there (bicubic {result['bicubic_psnr']:.2f}).")
        return (f"* Checkpoint: the run's final weights (`final.keras`); on {where}: {result['val_psnr']:.2f} dB at "
                f"the end (bicubic {result['bicubic_psnr']:.2f}).")
    val = ", ".join(rel(v) for v in config["val"] or []) or "none"
    held_out = "runs/split/holdout" in val
    where = (f"held-out TRAINING images ({val}: whole images of T91 + BSD200 that the run never trained on, "
             "made by `benchmarks/holdout_split.py`; Set5 chose nothing)" if held_out else
             f"the validation images ({val})")
    if checkpoint == "best":
        return (f"* Checkpoint: the best epoch (`best.keras`, {result['best_val_psnr']:.2f} dB Y-PSNR) on {where}; "
                f"the last epoch reached {result['val_psnr']:.2f} dB there (bicubic {result['bicubic_psnr']:.2f}).")
    return (f"* Checkpoint: the run's final weights (`final.keras`); validation on {where}: "
            f"{result['val_psnr']:.2f} dB (bicubic {result['bicubic_psnr']:.2f}).")


def lr_line(recipe):
    """How the card says the LR inputs were made."""
    if recipe.get("degradation"):
        return f"LR inputs of the degradation chain `{recipe['degradation']}` (each patch its own draw)"
    return "MATLAB bicubic LR"


def overrides_of(config):
    """The run's recipe fields that differ from the preset's recipe (what --config gave)."""
    from keras_sr.training import get_recipe

    base = get_recipe(config["model"]).to_dict()
    return {k: v for k, v in config["recipe"].items() if base.get(k) != v}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True, help="finished run folder of keras-sr train")
    p.add_argument("--set5", default=str(SHARED / "Set5" / "HR"))
    p.add_argument("--target", type=float, help="Set5 PSNR target (dB) for the card")
    p.add_argument("--reference", default="", help="published/reference Set5 figure for the card")
    p.add_argument("--notes", default="", help="extra text for the card (Markdown)")
    p.add_argument("--dest", default=str(ROOT / "keras_sr" / "weights"), help="where the files go")
    p.add_argument("--machine", default="the shared 2-core CPU of the keras-sr dev machine (no GPU)")
    p.add_argument("--checkpoint", choices=("final", "best"), default="final",
                   help="final.keras, or best.keras (best epoch on the run's --val images; refused when "
                        "those are the --set5 benchmark)")
    p.add_argument("--time-limit", type=float, help="the run's --time-limit (seconds), for the card's command")
    p.add_argument("--issue", default="9", help="issue number the target comes from (card label)")
    p.add_argument("--preset", default=None,
                   help="ship under this preset (same architecture as the run's --model, e.g. edsr-baseline-real "
                        "for an edsr-baseline run on degraded inputs); default: the run's model")
    p.add_argument("--figure", action="append", default=[], metavar="PNG",
                   help="a picture the card shows (--notes), written beside it")
    args = p.parse_args(argv)

    import keras
    import numpy as np

    import keras_sr
    from keras_sr import models
    from keras_sr.data import list_image_files
    from keras_sr.weights.release import write_release

    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    result = json.loads((run / "result.json").read_text())
    name, scale = args.preset or config["model"], int(config["scale"])
    if args.preset:
        trained = models.get_preset(config["model"])
        preset = models.get_preset(args.preset)
        if (preset["arch"], preset["config"]) != (trained["arch"], trained["config"]) or scale not in preset["scales"]:
            sys.exit(f"--preset {args.preset} is not {config['model']} x{scale}'s architecture")
    val_dirs = [os.path.realpath(v) for v in config["val"] or []]
    held_out_split = bool(config.get("held_out"))  # --val-split: whole training images the run never saw
    if args.checkpoint == "best" and not held_out_split and (not val_dirs or os.path.realpath(args.set5) in val_dirs):
        sys.exit(f"--checkpoint best needs a run validated on held-out training images, not "
                 f"{', '.join(config['val'] or ['nothing'])}")
    model = keras.saving.load_model(run / "checkpoints" / f"{args.checkpoint}.keras", compile=False, safe_mode=True)
    if len(model.outputs) > 1:  # MDSR's final.keras: one output per scale, one file for all
        return ship_multiscale(args, run, config, result, model)
    stem = f"{name}_x{scale}"
    build, training_form, diff = {}, None, 0.0
    if models.get_preset(name)["arch"] == "rt4ksr":
        # the training form ships too (as a .keras model): `keras-sr train --init-weights` continues from it
        # (fine-tuning, or the body of another scale); the deploy form cannot be trained further
        from keras_sr.models.rt4ksr import reparameterize

        x = np.random.default_rng(0).uniform(0, 1, (1, 32, 48, 3)).astype("float32")
        deploy = reparameterize(model)
        diff = float(np.max(np.abs(np.asarray(model(x)) - np.asarray(deploy(x)))))
        if diff > 1e-4:
            sys.exit(f"re-parameterized model differs by {diff:.2e} (> 1e-4)")
        training_form, model, build = model, deploy, {"deploy": True}

    sr = keras_sr.evaluate(model, args.set5, scale, verbose=1)["datasets"][0]
    bic = keras_sr.evaluate("bicubic", args.set5, scale)["datasets"][0]
    recipe = config["recipe"]
    n_images = sum(len(list_image_files(d)) for d in config["data"])
    config_file = f"keras_sr/weights/{stem}.train.json"
    today = datetime.date.today().isoformat()
    params = model.count_params()
    target = "" if args.target is None else (
        f"| target (issue #{args.issue}) | ≥ {args.target:.2f} dB | | {'met' if sr['psnr'] >= args.target else 'NOT met'} |\n")

    def card(file):
        return f"""# keras-sr {name} x{scale} ({'deploy form' if build.get('deploy') else 'as trained'})

Weights keras-sr trained itself with `keras-sr train` (no other project's checkpoint is used or
derived from). Load with `keras_sr.from_preset("{name}", scale={scale})`.

* File: `{file['file']}` ({file['size']:,} bytes, SHA-256 `{file['sha256']}`),
  {params:,} parameters{' (re-parameterized from the training form; outputs agree within ' + f'{diff:.1e})' if build else ''}.
* Data: {data_line(config, n_images)}; HR patches with {lr_line(recipe)} made on the fly, random flips /
  90° rotations{', Y channel (BT.601) only' if recipe['channels'] == 'y' else ''}.
* Recipe: {recipe['loss']} loss{' + high-frequency L1 (weight ' + str(recipe['high_frequency_weight']) + ')' if recipe['high_frequency_weight'] else ''},
  Adam {recipe['learning_rate']:g} ({recipe['schedule']}{', x' + str(recipe['gamma']) + ' at steps ' + ', '.join(map(str, recipe['milestones'])) if recipe['schedule'] == 'multistep' else ''}),
  batch {recipe['batch_size']}, {recipe['hr_patch_size'] or recipe['patch_size'] * scale} px HR patches,
  {result['steps']:,} updates in {result['seconds'] / 60:.0f} min on {args.machine}.
  Recipe overrides: `{config_file}`{'; warm start from ' + rel(config['init_weights']) if config.get('init_weights') else ''}.
* Command: `{train_command(config, run, config_file, args.time_limit)}`
{'* Training form (for `keras-sr train --init-weights`): `' + file['stem'] + '.training.keras`.' + chr(10) if training_form else ''}{checkpoint_line(args.checkpoint, config, result)}

## Set5 (Y, shave {scale}, MATLAB bicubic LR; measured {today})

| | PSNR | SSIM | |
|---|---|---|---|
| keras-sr {name} x{scale} (these weights) | {sr['psnr']:.2f} dB | {sr['ssim']:.4f} | |
| bicubic | {bic['psnr']:.2f} dB | {bic['ssim']:.4f} | |
| reference | {args.reference} | | |
{target}
{args.notes}
"""

    metadata = {"set5": {"psnr": round(sr["psnr"], 3), "ssim": round(sr["ssim"], 4),
                         "bicubic_psnr": round(bic["psnr"], 3), "bicubic_ssim": round(bic["ssim"], 4)},
                "steps": result["steps"], "train_seconds": round(result["seconds"]), "date": today,
                "checkpoint": args.checkpoint, "selected_on": [rel(v) for v in config["val"] or []]}
    write_release(model, name, {scale: metadata}, card, build=build, train_config=overrides_of(config),
                  training_form=training_form, dest=args.dest,
                  figures={os.path.basename(f): f for f in args.figure} or None)
    print((Path(args.dest) / f"{stem}.md").read_text())


def ship_multiscale(args, run, config, result, model):
    """MDSR: the run's multi-output ``final.keras`` as one file for every scale, each scale's branch
    measured on Set5 beside bicubic and the shipped EDSR-baseline of that scale (issue #28's target:
    within 0.3 dB of it)."""
    import keras_sr
    from keras_sr import weights
    from keras_sr.models.mdsr import scale_models
    from keras_sr.weights.release import write_release

    if args.checkpoint != "final":
        sys.exit("a multi-scale run ships its final.keras (best.keras holds the validated scale only)")
    import numpy as np

    name, recipe = config["model"], config["recipe"]
    today = datetime.date.today().isoformat()
    # measured as shipped: the float16 file, loaded into float32
    model.set_weights([w.astype(np.float16).astype(np.float32) if w.dtype == np.float32 else w
                       for w in model.get_weights()])
    rows, metadata = [], {}
    for scale, view in sorted(scale_models(model).items()):
        sr = keras_sr.evaluate(view, args.set5, scale)["datasets"][0]
        bic = keras_sr.evaluate("bicubic", args.set5, scale)["datasets"][0]
        edsr = (weights.entry("edsr-baseline", scale) or {}).get("set5", {}).get("psnr")
        gap = "" if edsr is None else f"{sr['psnr'] - edsr:+.2f} dB ({'met' if sr['psnr'] >= edsr - 0.3 else 'NOT met'})"
        rows.append(f"| x{scale} | {sr['psnr']:.2f} dB | {sr['ssim']:.4f} | {bic['psnr']:.2f} dB | "
                    f"{sr['psnr'] - bic['psnr']:+.2f} dB | {'' if edsr is None else f'{edsr:.2f} dB'} | {gap} |")
        metadata[scale] = {"set5": {"psnr": round(sr["psnr"], 3), "ssim": round(sr["ssim"], 4),
                                    "bicubic_psnr": round(bic["psnr"], 3), "bicubic_ssim": round(bic["ssim"], 4)},
                           "steps": result["steps"], "train_seconds": round(result["seconds"]), "date": today,
                           "checkpoint": "final", "selected_on": [], "trained_on": args.machine,
                           "stored": "float16"}
    from keras_sr.training import get_recipe

    config_file = f"keras_sr/weights/{name}.train.json"
    # the card's command: the recipe variant and the fields the run changed in it (train() resolves
    # decay_steps and the EMA cap from --steps; description and reference are the recipe's own text)
    derived = {"decay_steps", "ema_momentum", "description", "reference", "variant"}
    overrides = {k: v for k, v in overrides_of(config).items() if k not in {"description", "reference"}}
    base = get_recipe(name, variant=recipe["variant"]).to_dict()
    changed = {k: v for k, v in recipe.items() if k not in derived and base.get(k) != v}
    sets = " ".join(f"--set '{k}={json.dumps(v, separators=(',', ':'))}'" for k, v in changed.items())
    data = " ".join(f"--data {rel(d)}" for d in config["data"])
    steps = config["epochs"] * config["steps_per_epoch"]
    init = f" --init-weights {config['init_weights']}" if config.get("init_weights") else ""
    command = (f"keras-sr train --model {name} --scale {config['scale']} {data} --recipe {recipe['variant']} "
               f"{sets}{init} --steps {steps} --steps-per-epoch {config['steps_per_epoch']} --seed {config['seed']}"
               f"{f' --time-limit {args.time_limit:g}' if args.time_limit else ''} --out runs/{name}")
    held = len(config.get("held_out") or [])
    table = "\n".join(rows)

    def card(file):
        return f"""# keras-sr {name} x{'/x'.join(str(s) for s in sorted(metadata))} (one file)

Weights keras-sr trained itself with `keras-sr train` (no other project's checkpoint is used or derived from).
Load with {', '.join(f'`keras_sr.from_preset("{name}", scale={s})`' for s in sorted(metadata))}.

* File: `{file['file']}` ({file['size']:,} bytes, SHA-256 `{file['sha256']}`), {model.count_params():,} parameters,
  stored as float16 (loaded into float32; the figures below are of the file as shipped).
* Data: {', '.join(rel(d) for d in config['data'])} ({len(config.get('train_images') or [])} images for training,
  {held} held out by `--val-split {recipe['val_split']}` seed {config['seed']}); HR patches with MATLAB bicubic LR
  made on the fly, random flips / 90° rotations.
* Recipe: {recipe['loss']} loss, Adam peak {recipe['learning_rate']:g} ({recipe['schedule']}), EMA
  {recipe['ema_momentum']:g}, batch {recipe['batch_size']}, {recipe['patch_size']} px LR patches, one scale per
  batch out of {', '.join('x' + str(s) for s in recipe['scales'])}; frozen (not trained):
  {', '.join('`' + n + '`' for n in recipe.get('frozen_layers') or []) or 'nothing'}.
  {result['steps']:,} updates in {result['seconds'] / 60:.0f} min on {args.machine}.
  Recipe overrides: `{config_file}`{'; warm start from `' + rel(config['init_weights']) + '`' if config.get('init_weights') else ''}.
* Command: `{command}`
* Checkpoint: the run's final weights (EMA); the held-out split (x{config['scale']}) reached {result['val_psnr']:.2f} dB
  (bicubic {result['bicubic_psnr']:.2f}); Set5 chose nothing.

## Set5 (Y, shave = scale, MATLAB bicubic LR; measured {today})

| scale | PSNR | SSIM | bicubic PSNR | gain over bicubic | shipped EDSR-baseline | vs EDSR-baseline (target #28: within 0.3 dB) |
|---|---|---|---|---|---|---|
{table}

{args.notes}
"""

    write_release(model, name, metadata, card, build={"multiscale": True}, train_config=overrides,
                  stem=name, dest=args.dest, float16=True)
    print((Path(args.dest) / f"{name}.md").read_text())


if __name__ == "__main__":
    main()
