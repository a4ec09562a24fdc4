"""A weights campaign as data, run through :func:`keras_sr.training.train` on whatever
backend the machine has (TensorFlow, or JAX / PyTorch without TensorFlow: the numpy input).

The plan (:data:`PLAN_FILE`, ``campaign_plan.json``, or any JSON file / dict of the same
form) names lanes of stages; a stage is one shipped weight: ``name``, ``model``, ``scale``,
recipe ``overrides``, the stage it starts from (``init_from``: its final model, matched by
layer name and shape, :func:`keras_sr.training.warm_start`) and its ``share`` of the lane's
time. :func:`run_plan` trains each lane's stages in sequence, each in its own run folder
``OUT/NAME/`` with the plan's ``variant`` (the fast recipes: warm-up + cosine, EMA) and a
held-out split of the training images (``val_split``) that chooses ``best.keras``; the time
budget of a stage stops it (``time_limit``) and the cosine is sized to its ``steps``.
Each finished stage leaves ``OUT/NAME.weights.h5`` (the chosen weights) and ``OUT/NAME.json``
(the record a release step reads: recipe, steps, seconds, held-out PSNR against bicubic,
backend, device).

    from keras_sr.training import campaign
    campaign.run_plan(campaign.load_plan(), "DIV2K/HR", "runs/zoo", seconds=3600)

``benchmarks/train_zoo_jax.py`` is the command line of this module for the lent GPU machine.
"""

import json
import time
from pathlib import Path

PLAN_FILE = Path(__file__).with_name("campaign_plan.json")
STAGE_KEYS = {"name", "model", "scale", "overrides", "init_from", "share"}


def load_plan(plan=None):
    """The plan as a dict: ``None`` (the package's), a path to a JSON file, or a dict; checked."""
    if plan is None or isinstance(plan, (str, Path)):
        path = Path(plan or PLAN_FILE)
        plan = json.loads(path.read_text())
    lanes = plan.get("lanes")
    if not isinstance(lanes, dict) or not lanes:
        raise ValueError("a campaign plan needs 'lanes': {lane: [stage, ...]}")
    names = set()
    for lane, stages in lanes.items():
        for stage in stages:
            unknown = set(stage) - STAGE_KEYS
            if unknown or not {"name", "model", "scale"} <= set(stage):
                raise ValueError(f"lane {lane!r}: stage {stage.get('name', stage)!r} needs name, model, scale "
                                 f"(unknown keys: {sorted(unknown) or 'none'})")
            if stage.get("init_from") and stage["init_from"] not in names:
                raise ValueError(f"stage {stage['name']!r} starts from {stage['init_from']!r}, which no earlier "
                                 f"stage of lane {lane!r} trains")
            names.add(stage["name"])
    return plan


def stage_overrides(plan, stage, tiny=False):
    """The recipe overrides of ``stage`` (with the plan's ``tiny`` shrinkage for a CPU test), a
    recipe ``config`` (``None`` values count: ``content_layer: null`` is SRGAN-MSE)."""
    overrides = dict(stage.get("overrides") or {})
    if tiny:
        small = plan.get("tiny", {})
        overrides["batch_size"] = small.get("batch_size", 4)
        if small.get("hr_patch_size"):
            overrides["hr_patch_size"] = small["hr_patch_size"]
        model_overrides = small.get("model_overrides", {}).get(stage["model"])
        if model_overrides:
            overrides["model_overrides"] = model_overrides
        if stage["model"] == "srgan" and small.get("discriminator_overrides"):
            overrides["discriminator_overrides"] = small["discriminator_overrides"]
    return overrides


def run_stage(plan, stage, data, out, *, seconds, steps=None, tiny=False, seed=0, steps_per_epoch=None, **train_args):
    """Train one stage into ``OUT/NAME/``; write ``OUT/NAME.weights.h5`` and ``OUT/NAME.json``."""
    import keras

    from keras_sr.training.train import train

    out = Path(out)
    init = None
    if stage.get("init_from"):
        init = out / stage["init_from"] / "checkpoints" / "final.keras"
        if not init.is_file():
            raise FileNotFoundError(f"stage {stage['name']}: {init} (stage {stage['init_from']}) does not exist")
    generator = None
    if stage["model"] == "srgan" and init is not None:
        generator, init = str(init), None  # SRGAN starts from the trained SRResNet generator
    started = time.time()
    result = train(stage["model"], stage["scale"], data, out=out / stage["name"], steps=steps,
                   steps_per_epoch=steps_per_epoch, variant=plan.get("variant", "fast"),
                   val_split=plan.get("val_split", 0.1), seed=seed, time_limit=seconds, init_weights=init,
                   generator=generator, config=stage_overrides(plan, stage, tiny), **train_args)
    chosen = Path(result["run_dir"]) / "checkpoints" / ("best.keras" if result["best_val_psnr"] is not None
                                                        else "final.keras")
    model = keras.saving.load_model(chosen, safe_mode=True)
    model.save_weights(out / f"{stage['name']}.weights.h5")
    recipe = result["recipe"].to_dict()
    record = {
        "name": stage["name"], "model": stage["model"], "scale": stage["scale"], "overrides": stage.get("overrides", {}),
        "init_from": stage.get("init_from"), "recipe": recipe, "steps": result["steps"],
        "seconds": round(time.time() - started, 1), "train_seconds": round(result["seconds"], 1),
        "selection": "best held-out" if result["best_val_psnr"] is not None else "final",
        "held_out_best_psnr": result["best_val_psnr"], "held_out_final_psnr": result["val_psnr"],
        "held_out_bicubic_psnr": {str(stage["scale"]): result["bicubic_psnr"]},
        "held_out_images": len(result["held_out"] or []), "train_images": _count_images(result["run_dir"]),
        "curve": [{"epoch": i + 1, "held_out_psnr": v} for i, v in enumerate(result["history"].get("val_psnr", []))],
        "samples_per_s": round(result["steps"] * recipe["batch_size"] / max(result["seconds"], 1e-6), 1),
        "ema_momentum": recipe.get("ema_momentum") or 0.0, "lr_factor": 1.0,
        "scales": list(recipe.get("scales") or [stage["scale"]]),
        "held_out": result["held_out"], "run_dir": result["run_dir"], "backend": keras.backend.backend(),
        "device": _device(), "keras": keras.__version__, "tiny": tiny, "date": time.strftime("%Y-%m-%d", time.gmtime()),
    }
    from keras_sr.utils import atomic

    atomic.write_text(out / f"{stage['name']}.json", json.dumps(record, indent=1), overwrite=True)
    return record


def _count_images(run_dir):
    config = json.loads((Path(run_dir) / "config.json").read_text())
    return len(config.get("train_images") or [])


def _device():
    import keras

    if keras.backend.backend() == "jax":
        import jax

        return str(jax.devices()[0].device_kind)
    if keras.backend.backend() == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return gpus[0].name if gpus else "cpu"


def run_plan(plan, data, out, *, seconds, lanes=None, steps=None, tiny=False, seed=0, log=print, **train_args):
    """Run ``lanes`` (default all) of ``plan`` one after the other within ``seconds`` in all:
    each lane gets an equal part, each stage its ``share`` of what its lane has left. Returns
    the records; a failing stage is reported and its lane goes on with the next stage that
    does not need it."""
    plan = load_plan(plan)
    chosen = list(lanes or plan["lanes"])
    unknown = [lane for lane in chosen if lane not in plan["lanes"]]
    if unknown:
        raise ValueError(f"unknown lane(s) {', '.join(unknown)}; the plan has {', '.join(plan['lanes'])}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    deadline = time.time() + float(seconds)
    records = []
    for i, lane in enumerate(chosen):
        lane_end = time.time() + (deadline - time.time()) / (len(chosen) - i)
        stages = plan["lanes"][lane]
        failed = set()
        for j, stage in enumerate(stages):
            if stage.get("init_from") in failed:
                failed.add(stage["name"])
                log(f"{stage['name']}: skipped ({stage['init_from']} failed)")
                continue
            shares = [s.get("share", 1.0) for s in stages[j:]]
            budget = (lane_end - time.time()) * shares[0] / sum(shares)
            try:
                record = run_stage(plan, stage, data, out, seconds=max(1.0, budget), steps=steps, tiny=tiny,
                                   seed=seed, **train_args)
            except Exception as exc:  # noqa: BLE001  (one stage failing must not cost the others)
                failed.add(stage["name"])
                log(f"{stage['name']}: FAILED: {type(exc).__name__}: {exc}")
                continue
            records.append(record)
            bicubic = next(iter(record["held_out_bicubic_psnr"].values()))
            best = record["held_out_best_psnr"]
            log(f"{stage['name']}: {record['steps']} steps in {record['seconds']:.0f} s, held-out "
                + (f"{best:.2f} dB (bicubic {bicubic:.2f} dB)" if best is not None else "not measured"))
    return records
