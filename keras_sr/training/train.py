"""``train()``: one call from a recipe to a run folder (what ``keras-sr train`` runs).

Run folder::

    RUN_DIR/config.json          recipe + run settings (what ``resume`` reuses)
    RUN_DIR/logs/                TensorBoard events, history.csv
    RUN_DIR/checkpoints/         best.keras (best validation PSNR, whole images), final.keras
                                 (SRGAN: the generator; also final_discriminator.keras; MDSR:
                                 final.keras has an output per scale)
    RUN_DIR/backup/              BackupAndRestore state (weights + optimizer, every epoch)
    RUN_DIR/pictures/            LR / bicubic / SR / HR pictures of validation images per epoch

Model selection: with ``val_split`` (``--val-split F``) a seeded fraction of the training
images (whole images) is held out; it gives the per-epoch ``val_psnr`` and chooses
``best.keras``, and the held-out files are listed in config.json (``held_out``). Images
given as ``val`` (a benchmark such as Set5) are then only reported, at the end
(``benchmark_psnr``). Without ``val_split``, ``val`` does both, as before. With a recipe's
``ema_momentum``, validation, ``best.keras`` and ``final.keras`` use the averaged weights.

Resuming (``resume=True``) restores the last finished epoch and skips the batches that epoch
consumed, so the data order matches an uninterrupted run (the training pipeline is seeded
and deterministic); the resumed run ends with the same weights.

Several devices: pass ``strategy=tf.distribute.MirroredStrategy()`` (one machine, several
GPUs) or ``tf.distribute.MultiWorkerMirroredStrategy()`` (several processes or machines,
each running the same script with its ``TF_CONFIG``; see :mod:`keras_sr.training.multiworker`:
only the chief writes ``RUN_DIR``, the others a temporary folder removed at the end, and a
lost worker stops the others with :class:`~keras_sr.training.multiworker.WorkerLost`). The
recipe's ``batch_size`` is the **global** batch, split over the replicas; the losses are
averaged over the global batch, so one step equals one single-device step on the same
batch. To use more devices at the same per-device batch, multiply ``batch_size`` by the
number of replicas and scale the learning rate with it (linear scaling; warm up for large
factors) — or keep the paper's batch and learning rate for its exact recipe. BatchNorm
layers (SRResNet, the SRGAN discriminator) use the global batch's statistics under a
strategy with several replicas (synchronized), so that a step still equals one device's
step; they are saved unsynchronized. MDSR's multi-scale step is exact under a strategy too
(:mod:`keras_sr.training.multiscale`).

Backends: every recipe kind trains on TensorFlow, JAX and PyTorch (``KERAS_BACKEND``;
``keras-sr train --backend``): the custom steps of SRGAN and MDSR are written per backend
in :mod:`keras_sr.training.steps`. The input is ``tf.data`` where TensorFlow is installed
and the numpy ``keras.utils.PyDataset`` of :mod:`keras_sr.data.numpy_pipeline` where it is
not (or ``input="numpy"``); ``tf.distribute`` strategies need TensorFlow and ``tf.data``.
"""

import json
import math
import shutil
import time
from pathlib import Path

from keras_sr.training.recipes import get_recipe, make_optimizer, resolve_for_run
from keras_sr.utils import atomic
from keras_sr.utils.progress import fit_verbose

STEPS_PER_EPOCH = 1000  # EDSR's "epoch" of 1000 batches (test_every)


def _epochs_and_steps(recipe, steps, epochs, steps_per_epoch):
    if steps is not None and epochs is not None:
        raise ValueError("give `steps` or `epochs`, not both")
    spe = int(steps_per_epoch or STEPS_PER_EPOCH)
    if spe < 1:
        raise ValueError(f"`steps_per_epoch` must be >= 1, got {steps_per_epoch}")
    if epochs is not None:
        if int(epochs) < 1:
            raise ValueError(f"`epochs` must be >= 1, got {epochs}")
        return int(epochs), spe
    steps = recipe.steps if steps is None else int(steps)
    if steps < 1:
        raise ValueError(f"`steps` must be >= 1, got {steps}")
    epochs = math.ceil(steps / min(spe, steps))
    return epochs, math.ceil(steps / epochs)


def _prepare_run_dir(out, resume, chief=True):
    out = Path(out)
    config_path = out / "config.json"
    if resume:
        if not config_path.is_file():
            raise FileNotFoundError(f"cannot resume: {config_path} does not exist (start a new run without resume)")
        return out, json.loads(config_path.read_text())
    if chief and out.exists() and (not out.is_dir() or any(out.iterdir())):  # the chief's folder
        raise FileExistsError(f"run folder {out} already exists; pass resume=True (--resume) to continue it, "
                              "or choose another folder")
    return out, None


def _create_run_dir(out, settings):
    """Make the run folder once the data and the model are known to be good."""
    for sub in ("logs", "checkpoints", "pictures", "backup"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / "config.json", json.dumps(settings, indent=2), overwrite=True)


def _data_list(data):
    return [str(d) for d in data] if isinstance(data, (list, tuple)) else [str(data)]


def freeze(model, names):
    """``model`` with the layers ``names`` made non-trainable (before compiling, so that the
    optimizer never holds them); an unknown name is a one-line error listing the known ones."""
    known = {layer.name: layer for layer in model.layers}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"frozen_layers: no layer {', '.join(map(repr, unknown))} in model {model.name!r}; "
                         f"its layers with weights: {', '.join(n for n, l in known.items() if l.weights)}")
    for name in names:
        known[name].trainable = False
    return model


def build_trainable(recipe, model_name, scale, generator=None, vgg_weights="imagenet", allow_download=False,
                    content_model=None, jit_compile=None, transform=None):
    """``(trainable, sr_model)`` compiled for ``recipe``: the model ``fit`` runs and the SR
    network inside it (the same model for ``kind="sr"``). ``transform``: applied to the
    ``kind="sr"`` model before compiling (``qat``: :func:`keras_sr.training.qat.qat_transform`).
    ``jit_compile``: see :func:`resolve_jit_compile`."""
    from keras_sr import models
    from keras_sr.training.losses import pixel_loss

    jit_compile = resolve_jit_compile(jit_compile)
    if recipe.kind == "gan":
        from keras_sr.training.srgan import build_srgan

        hr_patch = recipe.lr_patch_size(scale) * scale
        gan = build_srgan(scale, hr_patch, generator=generator, vgg_weights=vgg_weights,
                          content_layer=recipe.content_layer, allow_download=allow_download,
                          content_model=content_model, generator_overrides=recipe.model_overrides,
                          discriminator=recipe.discriminator,
                          discriminator_overrides=recipe.discriminator_overrides,
                          feature_scale=recipe.feature_scale, adversarial_weight=recipe.adversarial_weight,
                          pixel_weight=recipe.pixel_weight, pixel_loss=recipe.loss,
                          pixel_loss_weight=recipe.loss_weight,
                          phase_offset_weight=recipe.phase_offset_weight)
        d_lr = recipe.discriminator_learning_rate
        gan.compile(optimizer=make_optimizer(recipe), d_optimizer=make_optimizer(recipe, d_lr),
                    jit_compile=jit_compile)
        return gan, gan.generator
    if recipe.kind == "multiscale":
        from keras_sr.training.multiscale import MultiScaleTrainer

        overrides = dict(recipe.model_overrides)
        overrides.setdefault("scales", tuple(recipe.scales))
        trainer = MultiScaleTrainer(freeze(models.build(model_name, **overrides), recipe.frozen_layers))
        trainer.compile(optimizer=make_optimizer(recipe), loss=pixel_loss(recipe), jit_compile=jit_compile)
        return trainer, trainer.views[scale]
    model = models.build(model_name, scale=scale, **recipe.model_overrides)
    channels = model.input_shape[-1]
    if channels != (1 if recipe.channels == "y" else 3):
        raise ValueError(f"model {model_name!r} takes {channels} channel(s) but the recipe's channels is "
                         f"{recipe.channels!r}")
    if transform is not None:
        model = transform(model)
    model = freeze(model, recipe.frozen_layers)
    model.compile(optimizer=make_optimizer(recipe), loss=pixel_loss(recipe), jit_compile=jit_compile)
    return model, model


def train(model_name, scale=None, data=None, val=None, *, steps=None, epochs=None, steps_per_epoch=None,
          config=None, out="runs/run", resume=False, strategy=None, mixed_precision=False, jit_compile=None,
          seed=0, generator=None, vgg_weights="imagenet", allow_download=False, content_model=None,
          pictures=2, tensorboard=True, callbacks=(), time_limit=None, verbose=1, init_weights=None,
          recipe=None, variant=None, qat=False, input=None, **overrides):
    """Train ``model_name`` ×``scale`` on HR images ``data`` with its paper recipe.

    Args:
        model_name: a model preset (``"edsr-baseline"``, ``"mdsr-baseline"``, ``"rt4ksr"``, …)
            or ``"srgan"`` (generator ``srresnet`` + ``srgan-discriminator``).
        scale: SR scale (for MDSR: the scale validated and saved as ``best.keras``; the
            training uses the recipe's ``scales``).
        data: HR training images: folder(s), glob(s) or files (patches and MATLAB bicubic
            LR are made on the fly, :func:`keras_sr.data.training_dataset`).
        val: HR validation images (whole images, benchmark PSNR); optional. Without the
            recipe's ``val_split`` they give the per-epoch ``val_psnr`` and choose
            ``best.keras``; with it they are only reported at the end (``benchmark_psnr``).
        steps / epochs: total updates (rounded up to whole epochs of ``steps_per_epoch``,
            1000 by default) or epochs; neither = the recipe's ``steps``.
        config: recipe overrides: dict or JSON/YAML file.
        out: the run folder; must not exist (or be empty) unless ``resume``.
        resume: continue the run in ``out`` from its last finished epoch (its config.json
            recipe is used; other arguments must match it).
        strategy: a ``tf.distribute`` strategy (see the module docstring).
        mixed_precision: ``mixed_float16`` policy during the run (GPUs with tensor cores).
        jit_compile: compile the train step with XLA (``True``) or not (``False``); ``None``
            (default): the backend's compiled step, :func:`resolve_jit_compile` (``jax.jit``
            on JAX, a ``tf.function`` graph without XLA on TensorFlow). config.json records
            the value used.
        seed: seeds the weights (``keras.utils.set_random_seed``) and the data pipeline.
        generator, vgg_weights, allow_download, content_model: SRGAN only, see
            :func:`keras_sr.training.srgan.build_srgan`.
        pictures: validation images drawn per epoch (0 = none). tensorboard: write logs/.
        callbacks: extra Keras callbacks. verbose: ``fit``'s (1 = progress bar on a terminal,
            one plain line per epoch when stdout is not a terminal).
        time_limit: stop after this many seconds of training (at the end of a batch; the
            shortened epoch still ends with its validation).
        init_weights: start from these weights instead of a fresh initialisation: a
            ``.keras`` model (layers matched by name and shape, e.g. a x2 run's model for a
            x3/x4 run) or a ``.weights.h5`` file of the same model
            (:func:`keras_sr.training.warm_start`). Recorded in config.json; a resumed run
            continues from its own backup instead.
        recipe: the recipe to start from (``"rednet-fast"``); default: the model's.
        variant: ``"paper"`` (default) or ``"fast"``, see :func:`~keras_sr.training.get_recipe`.
        qat: quantization-aware fine-tuning of the float ``init_weights`` (required), in the
            deploy form with LiteRT's int8 emulated (:mod:`keras_sr.training.qat`); recorded
            in config.json.
        input: ``"tf"`` (``tf.data``, :func:`keras_sr.data.training_dataset`) or ``"numpy"``
            (``keras.utils.PyDataset``, :mod:`keras_sr.data.numpy_pipeline`); default
            ``"tf"`` where TensorFlow is installed, else ``"numpy"``. Any backend reads either.
        **overrides: recipe fields (``batch_size=``, ``patch_size=``, ``learning_rate=``,
            ``val_split=``, ``degradation="noise:30"``, …). ``scale=1`` restores instead of
            upscaling: the input is the HR patch degraded by ``degradation`` (a restoration
            preset such as ``rednet10-denoise`` brings its own; see
            :mod:`keras_sr.data.degradations`).

    Returns:
        dict: ``run_dir``, ``history`` (dict), ``steps``, ``seconds``, ``val_psnr``,
        ``bicubic_psnr``, ``best_val_psnr`` (on the held-out split, else ``val``; ``None``
        without either), ``selection`` (``"val_split"``, ``"val"`` or ``None``),
        ``benchmark_psnr``, ``benchmark_bicubic_psnr`` (``val`` when a split selects),
        ``held_out`` (files), ``final_model``.
    """
    import keras

    import keras_sr.training.multiworker as multiworker
    from keras_sr.training.callbacks import (TimeLimit, ValidationImages, backup_epoch, run_callbacks,
                                             save_model, synchronize_batchnorm)

    if input is not None:
        check_input(input, strategy)  # before any slow work
    chief, several_workers = multiworker.is_chief(strategy), multiworker.is_multi_worker(strategy)
    if several_workers and time_limit is not None:
        raise ValueError("--time-limit stops each worker on its own clock and would leave the others "
                         "waiting: give --steps or --epochs with several workers")
    run_dir, saved = _prepare_run_dir(out, resume, chief)
    scratch = None  # a non-chief worker's temporary folder
    if saved is not None:
        if saved["model"] != model_name or (scale is not None and saved["scale"] != scale):
            raise ValueError(f"run folder {run_dir} trains {saved['model']} x{saved['scale']}, "
                             f"not {model_name} x{scale}")
        recipe_name, recipe = recipe, get_recipe(model_name, config=saved["recipe"])
        changed = _resume_changes(recipe, saved, model_name, config, overrides, recipe_name, variant,
                                  steps, epochs, steps_per_epoch)
        if init_weights is not None and str(init_weights) != str(saved.get("init_weights")):
            changed.append(f"init_weights {saved.get('init_weights')} -> {init_weights} (--init-weights)")
        if changed:
            raise ValueError(f"a resumed run keeps its recipe ({run_dir / 'config.json'}); cannot change "
                             f"{'; '.join(changed)}")
        init_weights = None  # the backup holds the weights
        qat = saved.get("qat", False)
        scale, seed = saved["scale"], saved["seed"]
        data, val = data or saved["data"], val or saved["val"]
        epochs, spe = saved["epochs"], saved["steps_per_epoch"]
        used = saved.get("input", "tf")
        if input is not None and input != used:  # another pipeline would not give the same batches
            raise ValueError(f"run folder {run_dir} was trained with input {used!r}; resume it with the "
                             f"same (--input {used})")
        input = check_input(used, strategy)
    else:
        input = check_input(input, strategy)
        recipe = get_recipe(recipe or model_name, config=config, variant=variant or "paper", **overrides)
        if scale is None:
            raise ValueError("`scale` is required")
        recipe = _with_degradation(recipe, model_name, int(scale))
        epochs, spe = _epochs_and_steps(recipe, steps, epochs, steps_per_epoch)
        recipe = resolve_for_run(recipe, epochs * spe)
        if qat:
            from keras_sr.training.qat import qat_recipe

            if init_weights is None:
                raise ValueError("--qat fine-tunes a float checkpoint: give --init-weights")
            recipe = qat_recipe(recipe, model_name)
    if data is None:
        raise ValueError("`data` (HR training images) is required")
    scale = int(scale)
    sources, held_out = data, None  # sources: what the user gave (config.json "data")
    if saved is not None and saved.get("held_out"):
        data, held_out = saved["train_images"], saved["held_out"]
    elif recipe.val_split:
        from keras_sr.data import hold_out

        data, held_out = hold_out(data, recipe.val_split, seed)

    jit_compile = resolve_jit_compile(jit_compile)
    previous_policy = keras.mixed_precision.global_policy()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(seed)
        patch = recipe.lr_patch_size(scale)
        common = dict(patch_size=patch, batch_size=recipe.batch_size, channels=recipe.channels,
                      augment=recipe.augment, seed=seed, on_bad_file=recipe.on_bad_file,
                      degradation=recipe.degradation)
        if recipe.kind == "multiscale":
            common["scales"] = recipe.scales
        else:
            common["scale"] = scale
        initial_epoch = backup_epoch(run_dir) if resume else 0
        dataset = input_pipeline(input, strategy, common, data, spe, initial_epoch)
        if several_workers:  # every worker reads the same global batches and keeps its share
            dataset = multiworker.shard_by_data(dataset)

        transform = None
        if qat:
            from keras_sr.training.qat import qat_transform

            transform = qat_transform(init_weights)

        def build():
            return build_trainable(recipe, model_name, scale, generator=generator, vgg_weights=vgg_weights,
                                   allow_download=allow_download, content_model=content_model,
                                   jit_compile=jit_compile, transform=transform)

        if strategy is not None:
            with strategy.scope():
                trainable, sr_model = build()
        else:
            trainable, sr_model = build()
        if strategy is not None and strategy.num_replicas_in_sync > 1:
            synchronize_batchnorm(trainable)
        if strategy is not None:
            multiworker.prepare_model(trainable, strategy)
        if init_weights is not None and not qat:  # qat: the transform took them
            from keras_sr.training.warm_start import warm_start

            # MDSR: the whole multi-output model, every branch (the view holds one scale's)
            started = warm_start(trainable.model if recipe.kind == "multiscale" else sr_model, init_weights)
            print(f"warm start from {init_weights}: {len(started['copied'])} layers copied, "
                  f"{len(started['kept'])} kept fresh{' (' + ', '.join(started['kept']) + ')' if started['kept'] else ''}")
        # Only the chief validates and writes RUN_DIR; another worker writes to a temporary
        # folder (removed below) holding a copy of the backup it resumes from.
        writes = multiworker.write_dir(run_dir, strategy)
        if writes != run_dir:
            scratch = writes
            if resume and (run_dir / "backup").is_dir():
                shutil.copytree(run_dir / "backup", writes / "backup", dirs_exist_ok=True)
        images = benchmark = None
        if chief:
            selecting = held_out if held_out is not None else val
            images = None if selecting is None else ValidationImages(selecting, scale, recipe.channels,
                                                                     degradation=recipe.degradation)
            if held_out is not None and val is not None:  # a split selects; val is only reported
                benchmark = ValidationImages(val, scale, recipe.channels, degradation=recipe.degradation)
        selection = "val_split" if held_out is not None else ("val" if val is not None else None)
        if saved is None or writes != run_dir:
            split = {} if held_out is None else {"train_images": list(data), "held_out": list(held_out)}
            _create_run_dir(writes, {
                "model": model_name, "scale": scale, "data": _data_list(sources),
                "val": None if val is None else _data_list(val), "selection": selection, **split,
                "seed": seed, "epochs": epochs,
                "steps_per_epoch": spe, "mixed_precision": mixed_precision, "jit_compile": jit_compile,
                "backend": keras.backend.backend(), "input": input,
                "init_weights": None if init_weights is None else str(init_weights), "qat": bool(qat),
                "recipe": {k: v for k, v in recipe.to_dict().items() if k != "name"}})
        cbs = run_callbacks(writes, images, sr_model if sr_model is not trainable else None,
                            pictures=pictures, tensorboard=tensorboard, resume=resume) + list(callbacks)
        limit = None if time_limit is None else TimeLimit(time_limit)
        if limit is not None:
            cbs.append(limit)
        fit_mode = fit_verbose(verbose)
        if verbose and chief:  # the whole run's steps, elapsed time and ETA (Keras' bars are per epoch)
            from keras_sr.training.eta import RunProgress

            cbs.append(RunProgress(epochs * spe, initial_epoch * spe, live=fit_mode == 1))
            fit_mode = 0 if fit_mode == 1 else fit_mode  # one updating line on a terminal, not two
        start = time.perf_counter()
        try:
            history = trainable.fit(dataset, epochs=epochs, steps_per_epoch=spe, callbacks=cbs,
                                    verbose=fit_mode, shuffle=False)
        except Exception as exc:
            if not several_workers or not isinstance(exc, multiworker.collective_errors()):
                raise
            raise multiworker.lost_worker_error(exc, run_dir) from exc
        seconds = time.perf_counter() - start
        final_path = run_dir / "checkpoints" / "final.keras"
        save_model(trainable.model if recipe.kind == "multiscale" else sr_model,
                   writes / "checkpoints" / "final.keras")
        if recipe.kind == "gan":  # the discriminator too: a later run can start from both networks
            save_model(trainable.discriminator, writes / "checkpoints" / "final_discriminator.keras")
        done = int(keras.ops.convert_to_numpy(trainable.optimizer.iterations))  # updates, earlier runs included
        result = {"run_dir": str(run_dir), "history": history.history, "steps": done,
                  "epochs": epochs, "seconds": seconds, "final_model": str(final_path),
                  "val_psnr": None, "bicubic_psnr": None, "best_val_psnr": None, "recipe": recipe,
                  "selection": selection, "held_out": held_out, "benchmark_psnr": None,
                  "benchmark_bicubic_psnr": None}
        if images is not None:  # fit has swapped the EMA weights in (finalize_variable_values)
            result["val_psnr"] = images.psnr(sr_model)
            result["bicubic_psnr"] = images.bicubic_psnr()
            best = cbs[0].best
            result["best_val_psnr"] = None if best == float("-inf") else best
        if benchmark is not None:
            result["benchmark_psnr"] = benchmark.psnr(sr_model)
            result["benchmark_bicubic_psnr"] = benchmark.bicubic_psnr()
        if images is not None:
            atomic.write_text(run_dir / "result.json", json.dumps(
                {k: result[k] for k in ("steps", "seconds", "selection", "val_psnr", "bicubic_psnr",
                                        "best_val_psnr", "benchmark_psnr", "benchmark_bicubic_psnr")},
                indent=2), overwrite=True)
        return result
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


# recipe field -> the ``keras-sr train`` option that sets it (named in resume refusals)
_OPTIONS = {"batch_size": "--batch-size", "patch_size": "--patch-size", "learning_rate": "--lr",
            "val_split": "--val-split", "degradation": "--degradation"}


def _resume_changes(recipe, saved, model_name, config, overrides, recipe_name, variant, steps, epochs,
                    steps_per_epoch):
    """What a resumed run was asked to change: ``["batch_size 16 -> 4 (--batch-size)", ...]``.

    The same command run again with ``--resume`` changes nothing: each field the options name
    (``--batch-size``, ``--patch-size``, ``--set``, ``--config``, ``--recipe``, the length)
    is compared with the run's config.json, and only a different value is a change."""
    from keras_sr.training.recipes import read_config

    def same(a, b):
        return json.loads(json.dumps(a)) == json.loads(json.dumps(b))  # tuples == lists

    asked = {}  # field -> (value, option)
    if recipe_name is not None or variant is not None:  # what the named recipe sets, as a new run would
        named = get_recipe(recipe_name or model_name, variant=variant or "paper").to_dict()
        plain = get_recipe(model_name).to_dict()
        option = f"--recipe {recipe_name or variant}"
        asked.update({k: (v, option) for k, v in named.items() if k != "name" and not same(v, plain.get(k))})
        asked["variant"] = (variant or "paper", option)
    if config is not None:
        values = read_config(config) if not isinstance(config, dict) else config
        asked.update({k: (v, "--set/--config") for k, v in values.items()})
    asked.update({k: (v, _OPTIONS.get(k, f"--set {k}")) for k, v in overrides.items() if v is not None})
    total = saved["epochs"] * saved["steps_per_epoch"]
    resolved = resolve_for_run(recipe.replace(**{k: v for k, (v, _) in asked.items() if k != "patch_size"}),
                               total)  # e.g. a capped ema_momentum is what the run recorded
    changes = []
    for key, (value, option) in asked.items():
        if key == "patch_size":  # the LR patch the run used (also when the recipe gave an HR side)
            old, new = recipe.lr_patch_size(saved["scale"]), value
        else:
            old, new = saved["recipe"].get(key, getattr(recipe, key, None)), getattr(resolved, key, value)
        if not same(old, new):
            changes.append(f"{key} {old} -> {value} ({option})")
    run = (saved["epochs"], saved["steps_per_epoch"])
    if steps is not None or epochs is not None:  # the length the given options make, as a new run would
        asked = _epochs_and_steps(recipe, steps, epochs, steps_per_epoch or run[1])
        if asked != run:
            given = f"--steps {steps}" if steps is not None else f"--epochs {epochs}"
            changes.append(f"length {run[0]} epochs x {run[1]} steps -> {asked[0]} x {asked[1]} ({given})")
    elif steps_per_epoch is not None and int(steps_per_epoch) != run[1]:
        changes.append(f"steps_per_epoch {run[1]} -> {steps_per_epoch} (--steps-per-epoch)")
    return changes


def resolve_jit_compile(jit_compile):
    """The ``jit_compile`` a run compiles with: ``True`` / ``False`` as given; ``None``: the
    backend's compiled step — ``True`` on JAX (``jax.jit``; without it Keras' JAX trainer runs
    the step op by op: an EDSR-baseline x2 step of batch 16, 48 px took 7-9 s instead of 4 s on
    a 2-core CPU, while TensorFlow without XLA still runs a ``tf.function`` graph), ``False``
    on TensorFlow (a graph, no XLA) and PyTorch (eager; ``True`` there is ``torch.compile``)."""
    if jit_compile is None:
        import keras

        return keras.backend.backend() == "jax"
    return bool(jit_compile)


def tensorflow_installed():
    """True when ``import tensorflow`` can work (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        return False


def check_input(input, strategy=None):
    """``input`` (``None``, ``"tf"`` or ``"numpy"``) resolved for this machine."""
    if input not in (None, "tf", "numpy"):
        raise ValueError(f"input must be 'tf' or 'numpy', got {input!r}")
    if input is None:
        input = "tf" if tensorflow_installed() else "numpy"
    if input == "tf" and not tensorflow_installed():
        raise ValueError("input 'tf' (tf.data) needs TensorFlow, which is not installed: use input='numpy' "
                         "(--input numpy)")
    if input == "numpy" and strategy is not None:
        raise ValueError("a tf.distribute strategy reads tf.data: use input='tf' (--input tf) with several "
                         "devices or workers")
    return input


def input_pipeline(input, strategy, options, data, steps_per_epoch, initial_epoch):
    """The training batches: ``tf.data`` or the numpy ``PyDataset``, positioned after the
    ``initial_epoch`` epochs a resumed run has done (the same batches as an uninterrupted run)."""
    import keras

    input = check_input(input, strategy)
    multi_scale = "scales" in options
    if input == "numpy":
        from keras_sr.data.numpy_pipeline import numpy_training_dataset

        dataset = numpy_training_dataset(data, steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch,
                                         **options)
        if multi_scale and keras.backend.backend() == "tensorflow":
            dataset = _as_tf_dataset(dataset)  # Keras' TF adapter fixes the shapes of the first batch
        return dataset
    from keras_sr.data import training_dataset

    dataset = training_dataset(data, **options)
    if multi_scale and strategy is not None:
        from keras_sr.training.multiscale import per_example_scale

        dataset = dataset.map(per_example_scale)
    if initial_epoch:  # the batches the finished epochs used
        dataset = dataset.skip(initial_epoch * steps_per_epoch)
    return dataset


def _as_tf_dataset(patches):
    """MDSR's numpy batches (HR side varies with the scale) as an endless ``tf.data`` source."""
    import tensorflow as tf

    def generate():
        k = patches.start
        while True:
            yield patches.batch(k)
            k += 1

    c = 1 if patches.channels == "y" else 3
    spec = {"lr": tf.TensorSpec([None, None, None, c], tf.float32),
            "hr": tf.TensorSpec([None, None, None, c], tf.float32)}
    return tf.data.Dataset.from_generator(generate, output_signature=spec).prefetch(2)


def _with_degradation(recipe, model_name, scale):
    """The recipe with the preset's degradation when it gives none; checked against ``scale``."""
    degradation = recipe.degradation
    if degradation is None:
        from keras_sr import models

        try:
            degradation = models.get_preset(model_name).get("degradation")
        except ValueError:  # "srgan": not a preset
            degradation = None
    if degradation is None:
        if scale == 1:
            raise ValueError(f"{model_name} x1 restores images: give the degradation to undo, e.g. "
                             "degradation='noise:30' (--degradation noise:30)")
        return recipe
    from keras_sr.data.degradations import parse_degradation

    parse_degradation(degradation).check_scale(scale)
    return recipe.replace(degradation=degradation)


def summary_line(result, model_name, scale):
    """The final line: validation PSNR against bicubic (and the benchmark's, when a held-out
    split selected and ``val`` only reports)."""
    if result["val_psnr"] is None:
        return (f"{model_name} x{scale}: {result['steps']} steps in {result['seconds']:.0f} s; "
                f"no validation images (--val or --val-split), final model {result['final_model']}")
    gain = result["val_psnr"] - result["bicubic_psnr"]
    baseline = "bicubic" if scale > 1 else "the degraded input"
    which = (f"held-out split ({len(result['held_out'])} images, chose best.keras)"
             if result.get("selection") == "val_split" else "validation")
    line = (f"{model_name} x{scale}: {result['steps']} steps in {result['seconds']:.0f} s; {which} PSNR "
            f"{result['val_psnr']:.2f} dB vs {baseline} {result['bicubic_psnr']:.2f} dB ({gain:+.2f} dB)")
    if result.get("benchmark_psnr") is not None:
        bench = result["benchmark_psnr"] - result["benchmark_bicubic_psnr"]
        line += (f"; --val (reported only) {result['benchmark_psnr']:.2f} dB vs {baseline} "
                 f"{result['benchmark_bicubic_psnr']:.2f} dB ({bench:+.2f} dB)")
    return line

