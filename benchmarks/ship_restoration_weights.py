"""Turn a finished scale-1 ``keras-sr train`` run (denoiser / deblocker) into shipped weights.

    PYTHONPATH=. python benchmarks/ship_restoration_weights.py --run runs/rednet10-denoise_x1
        [--checkpoint best] [--set5 ../shared/data/Set5/HR] [--eval-degradation noise:30] [--target 0.0]

Like ``benchmarks/ship_weights.py`` for SR weights, in order:

1. loads the run's ``checkpoints/best.keras`` (chosen on the held-out 10 % of T91 + BSD200,
   ``benchmarks/restoration_split.py``; never Set5) or ``final.keras``;
2. evaluates it on Set5 (Y: the rounded 8-bit MATLAB Y, shave 0; input made from HR with the
   run's degradation, or ``--eval-degradation``, seeded 0) with the degraded input, and BM3D for
   fixed-sigma noise, in the same run (:func:`keras_sr.evaluate`);
3. writes ``keras_sr/weights/{preset}_x1.weights.h5``, its model card ``.md``, the recipe
   overrides ``.train.json`` (from the run's config.json) and the ``index.json`` entry
   (:func:`keras_sr.weights.release.write_release`).
"""

import argparse
import datetime
import json
import os
import tempfile
from pathlib import Path

from keras_sr.utils.machine import cpu_flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def rel(path):
    return os.path.relpath(os.path.abspath(path), ROOT)




def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True)
    p.add_argument("--checkpoint", choices=("best", "final"), default="best")
    p.add_argument("--set5", default=str(SHARED / "Set5" / "HR"))
    p.add_argument("--eval-degradation", default=None,
                   help="Set5 degradation for the card (default: the run's; a range: its lowest quality / "
                        "highest sigma is not chosen for you, give it, e.g. jpeg:10)")
    p.add_argument("--target", default="", help="the issue's target, for the card (text)")
    p.add_argument("--notes", default="", help="extra Markdown for the card")
    p.add_argument("--dest", default=str(ROOT / "keras_sr" / "weights"))
    p.add_argument("--machine", default="the shared 2-core CPU of the keras-sr dev machine (no GPU)")
    args = p.parse_args(argv)

    import keras

    import keras_sr
    from keras_sr.data import list_image_files
    from keras_sr.training import get_recipe
    from keras_sr.weights.release import write_release

    run = Path(args.run)
    config = json.loads((run / "config.json").read_text())
    result = json.loads((run / "result.json").read_text())
    name, scale = config["model"], int(config["scale"])
    if scale != 1:
        raise SystemExit(f"{run} trains {name} x{scale}: use benchmarks/ship_weights.py for SR weights")
    recipe = config["recipe"]
    trained_on = recipe["degradation"]
    evaluated_on = args.eval_degradation or trained_on
    checkpoint = run / "checkpoints" / f"{args.checkpoint}.keras"
    model = keras.saving.load_model(checkpoint, compile=False, safe_mode=True)
    stem = f"{name}_x1"
    wdir = Path(args.dest)
    fresh = keras_sr.models.build(name, scale=1)  # the preset must take the file as it is
    with tempfile.TemporaryDirectory() as tmp:
        model.save_weights(os.path.join(tmp, f"{stem}.weights.h5"))
        fresh.load_weights(os.path.join(tmp, f"{stem}.weights.h5"))

    res = keras_sr.evaluate(fresh, args.set5, 1, degradation=evaluated_on, seed=0, verbose=1)
    d = res["datasets"][0]
    recipes = {}  # suffix -> the recipe overrides of that stage, shipped as {stem}{suffix}.train.json

    def command_of(run_dir, cfg, suffix):
        """The run's `keras-sr train` command (its recipe overrides kept for {stem}{suffix}.train.json)."""
        base = get_recipe(cfg["model"]).to_dict()
        recipes[suffix] = {k: v for k, v in cfg["recipe"].items() if base.get(k) != v}
        data = " ".join(f"--data {rel(x)}" for x in cfg["data"])
        val = " ".join(f"--val {rel(x)}" for x in cfg["val"] or [])
        init = f" --init-weights {rel(cfg['init_weights'])}" if cfg.get("init_weights") else ""
        return (f"keras-sr train --model {cfg['model']} --scale 1 {data} {val} --steps "
                f"{cfg['epochs'] * cfg['steps_per_epoch']} --steps-per-epoch {cfg['steps_per_epoch']} --config "
                f"keras_sr/weights/{stem}{suffix}.train.json{init} --seed {cfg['seed']} --out {rel(run_dir)}")

    config_file = f"keras_sr/weights/{stem}.train.json"
    command = command_of(run, config, "")
    stages = ""
    init = config.get("init_weights")
    if init and (Path(init).parents[1] / "config.json").is_file():  # a warm start from an earlier run
        first = Path(init).parents[1]
        first_config = json.loads((first / "config.json").read_text())
        first_result = json.loads((first / "result.json").read_text())
        stages = (f"* Stage 1 (the weights this run starts from, `{rel(init)}`): "
                  f"{first_result['steps']:,} updates in {first_result['seconds'] / 60:.0f} min, "
                  f"Adam {first_config['recipe']['learning_rate']:g}: "
                  f"`{command_of(first, first_config, '.stage1')}`\n")
    n_images = sum(len(list_image_files(x)) for x in config["data"])
    n_val = sum(len(list_image_files(x)) for x in config["val"] or [])
    today = datetime.date.today().isoformat()
    bm3d_row = (f"| BM3D (`bm3d` package, known sigma), same run "
                f"| {d['psnr_bm3d']:.2f} dB | {d['ssim_bm3d']:.4f} |\n" if "psnr_bm3d" in d else "")

    def card(file):
        return f"""# keras-sr {name} (scale-1 restoration: {models_description(name)})

Weights keras-sr trained itself with `keras-sr train` (no other project's checkpoint is used or
derived from). Load with `keras_sr.from_preset("{name}")`; use with
`keras-sr restore IN -o OUT --model {name}` (colour photos: the grey model on each channel of an opponent colour space, docs/restoration.md; `--chroma keep`: Y only, Cb/Cr kept).

* Task: restores images degraded by `{trained_on}` (the training degradation, {'one fixed level' if '-' not in trained_on else 'a level drawn per patch in the range: blind within it'}),
  on the **Y channel** (MATLAB `rgb2ycbcr` Y of the 8-bit image, rounded: a grey image).
* File: `{file['file']}` ({file['size']:,} bytes, SHA-256 `{file['sha256']}`),
  {fresh.count_params():,} parameters (RED10 wiring: 5 conv + 5 deconv, {fresh.get_layer('conv1').filters} features).
* Data: {', '.join(rel(x) for x in config['data'])} ({n_images} images: 90 % of T91 + BSD200, split by
  `benchmarks/restoration_split.py`); 50 px patches degraded on the fly, random flips / 90° rotations.
  Held out for checkpoint selection: {', '.join(rel(x) for x in config['val'] or [])} ({n_val} images). Set5 is used
  for nothing but the figures below.
* Recipe: {recipe['loss']} loss, Adam {recipe['learning_rate']:g} ({recipe['schedule']}{', x' + str(recipe['gamma']) + ' at step ' + ', '.join(map(str, recipe['milestones'])) if recipe['schedule'] == 'multistep' else ''}),
  batch {recipe['batch_size']}, {recipe['hr_patch_size']} px patches (the paper's recipe is Adam 1e-4, SPECS §3.2; 10x
  higher here for a short CPU run: the `rednet-fast` recipe), {result['steps']:,} updates in
  {result['seconds'] / 60:.0f} min on {args.machine} (CPU flags: {cpu_flags()}).
  Recipe overrides: `{config_file}`.
* Command: `{command}`
{stages}* Checkpoint: `{args.checkpoint}.keras` of the run ({'best PSNR on the held-out images' if args.checkpoint == 'best' else 'the last weights'}).

## Set5 (Y, shave 0, input = `{evaluated_on}` of HR, seed 0; measured {today})

| | PSNR | SSIM |
|---|---|---|
| keras-sr {name} (these weights) | {d['psnr']:.2f} dB | {d['ssim']:.4f} |
| degraded input | {d['psnr_bicubic']:.2f} dB | {d['ssim_bicubic']:.4f} |
{bm3d_row}
Gain over the input: {d['psnr'] - d['psnr_bicubic']:+.2f} dB{'; over BM3D: ' + format(d['psnr'] - d['psnr_bm3d'], '+.2f') + ' dB' if 'psnr_bm3d' in d else ''}.
{('Target: ' + args.target) if args.target else ''}

{args.notes}
"""
    set5 = {"psnr": round(d["psnr"], 3), "ssim": round(d["ssim"], 4), "input_psnr": round(d["psnr_bicubic"], 3),
            "input_ssim": round(d["ssim_bicubic"], 4)}
    if "psnr_bm3d" in d:
        set5.update(bm3d_psnr=round(d["psnr_bm3d"], 3), bm3d_ssim=round(d["ssim_bm3d"], 4))
    metadata = {"degradation": evaluated_on, "trained_on": trained_on, "channel": "y", "set5": set5,
                "steps": result["steps"], "train_seconds": round(result["seconds"]), "date": today}
    stage_recipes = {f"{stem}{suffix}.train.json": (json.dumps(r, indent=2) + "\n").encode()
                     for suffix, r in recipes.items() if suffix}
    write_release(fresh, name, {1: metadata}, card, train_config=recipes[""], figures=stage_recipes, stem=stem,
                  dest=wdir)
    print((wdir / f"{stem}.md").read_text())


def models_description(name):
    from keras_sr import models

    return models.get_preset(name)["description"].split(" (scale 1", 1)[0]


if __name__ == "__main__":
    main()
