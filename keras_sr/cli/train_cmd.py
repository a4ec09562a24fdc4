"""``keras-sr train``: train a model of the zoo with its paper (or fast) recipe into a run folder."""

import argparse
import contextlib

from keras_sr.cli.options import parse_key_values


def _recipes_epilog():
    from keras_sr.training.recipes import FAST_RECIPES, RECIPES

    lines = ["recipes (--recipe paper | fast; the model picks the family):"]
    for name in sorted(FAST_RECIPES):
        lines.append(f"  {name:<11} paper: {RECIPES[name]['reference']}")
        lines.append(f"  {'':<11} fast:  {FAST_RECIPES[name]['description'].removeprefix('time-to-quality: ')}")
    named = sorted(set(RECIPES) - set(FAST_RECIPES))  # e.g. rednet-fast: what a shipped card's run used
    if named:
        lines.append(f"other recipes (--recipe NAME): {', '.join(named)}")
    lines.append("model selection: --val-split F holds out a seeded fraction F of the --data images (whole "
                 "images, listed in RUN_DIR/config.json) that chooses checkpoints/best.keras; --val images "
                 "(e.g. Set5) are then only reported at the end. Without --val-split, --val chooses.")
    return "\n".join(lines)


def add_parser(sub, parents):
    p = sub.add_parser(
        "train", parents=parents, help="train a model with its paper recipe (run folder, resumable)",
        description="Train MODEL xS on HR images (patches and MATLAB bicubic LR made on the fly) with "
                    "the paper's recipe; any recipe field can be changed with --config FILE (JSON, or "
                    "YAML with PyYAML) or the options below. Writes RUN_DIR/{config.json,logs,"
                    "checkpoints,pictures,backup} and ends with the validation PSNR against bicubic.",
        epilog=_recipes_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="model preset (keras-sr models) or 'srgan'")
    p.add_argument("--scale", type=int, required=True, help="SR scale; 1 = restoration (with --degradation)")
    p.add_argument("--degradation", metavar="SPEC",
                   help="how the input is made from each HR patch instead of MATLAB bicubic: 'noise:30', "
                        "'noise:0-50', 'jpeg:10-40', 'blur:1.2' (scale 1), 'bicubic+jpeg:90' (SR); "
                        "steps joined by '+', applied in order (default: the preset's, e.g. "
                        "rednet10-denoise: noise:30)")
    p.add_argument("--data", action="append", required=True, metavar="DIR",
                   help="HR training images (folder, glob or file); repeat for several")
    p.add_argument("--val", action="append", metavar="DIR",
                   help="HR benchmark images (whole images, e.g. Set5): choose best.keras, or with "
                        "--val-split only reported")
    p.add_argument("--val-split", type=float, metavar="F",
                   help="hold out this fraction of the --data images (whole images, chosen by --seed) for "
                        "validation and best.keras (recipe field val_split)")
    p.add_argument("--recipe", default=None, metavar="paper|fast|NAME",
                   help="'paper' (default): the paper's recipe; 'fast': the time-to-quality one (warm-up + "
                        "cosine at a higher peak lr, EMA of the weights, budget-sized patches; listed below); "
                        "or a recipe name to start from instead of the model's (e.g. rednet-fast)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="total updates (default: the recipe's)")
    length.add_argument("--epochs", type=int, help="epochs of --steps-per-epoch updates")
    p.add_argument("--steps-per-epoch", type=int, default=None, help="updates per epoch (default 1000)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS", help="stop training after this long")
    p.add_argument("--config", help="recipe overrides: a JSON or YAML file")
    p.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (must not exist unless --resume)")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN_DIR from its last epoch")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any recipe field, VALUE in JSON (e.g. --set loss=\"mse\" --set milestones=[1000,2000] "
                        "or --set model_overrides='{\"num_blocks\": 8}'); a bare word is a string")
    p.add_argument("--batch-size", type=int, help="global batch size")
    p.add_argument("--patch-size", type=int, help="LR patch side in pixels")
    p.add_argument("--lr", type=float, dest="learning_rate", help="initial learning rate")
    p.add_argument("--init-weights", metavar="FILE",
                   help="start from a .keras model (layers matched by name and shape, e.g. a x2 run's "
                        "checkpoints/final.keras for x3/x4), a .weights.h5 file of the same model, or "
                        "a shipped keras_sr/weights/*.weights.h5 of another scale")
    p.add_argument("--qat", action="store_true",
                   help="quantization-aware fine-tuning of --init-weights (float; RT4KSR: its deploy form) "
                        "with LiteRT's int8 arithmetic emulated; export the result with --formats int8 "
                        "(full int8, the learned ranges; docs/quantization.md)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mixed-precision", action="store_true", help="mixed_float16 (GPUs)")
    p.add_argument("--jit-compile", action="store_true", default=None,
                   help="compile the train step with XLA (default: on JAX only, where jax.jit is its "
                        "compiled step; TensorFlow runs a graph without XLA)")
    dist = p.add_mutually_exclusive_group()
    dist.add_argument("--multi-gpu", action="store_true",
                      help="tf.distribute.MirroredStrategy over every visible GPU (global batch split)")
    dist.add_argument("--multi-worker", action="store_true",
                      help="tf.distribute.MultiWorkerMirroredStrategy from TF_CONFIG: run the same command on "
                           "every machine, each with its TF_CONFIG (README 'Scaling out'); worker 0 writes RUN_DIR")
    dist.add_argument("--workers", type=int, metavar="N",
                      help="start N worker processes on this machine (free localhost ports, TF_CONFIG each, "
                           "--multi-worker); one failing stops all, rerun with --resume")
    p.add_argument("--worker-timeout", type=float, default=None, metavar="SECONDS",
                   help="with several workers: a collective waiting longer than this fails the step "
                        "(default 600; a dead worker is usually caught in ~10 s by heartbeats)")
    p.add_argument("--generator", help="SRGAN: trained SRResNet (.keras or .weights.h5) to start from")
    p.add_argument("--vgg-weights", default="imagenet",
                   help="SRGAN: VGG19 no-top weights file (default: Keras' ImageNet file in its cache)")
    p.add_argument("--allow-download", action="store_true", help="SRGAN: let Keras download the VGG19 weights")
    p.add_argument("--backend", choices=("tensorflow", "jax", "torch"),
                   help="Keras backend of the run (sets KERAS_BACKEND before Keras is imported; default: "
                        "KERAS_BACKEND, else tensorflow). Every recipe kind trains on all three")
    p.add_argument("--input", choices=("tf", "numpy"), default=None,
                   help="input pipeline: tf (tf.data, the default where TensorFlow is installed) or numpy "
                        "(keras.utils.PyDataset with worker threads, the default without TensorFlow)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def worker_command(argv):
    """The command each local worker runs: this one with ``--workers N`` replaced by
    ``--multi-worker``."""
    import sys

    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--workers":
            skip = True
        elif not arg.startswith("--workers="):
            out.append(arg)
    return [sys.executable, "-m", "keras_sr.cli", *out, "--multi-worker"]


def launch(args):
    """``--workers N``: N local processes, each ``keras-sr train ... --multi-worker``."""
    from keras_sr.training.multiworker import launch_local_workers

    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.time_limit is not None:
        raise ValueError("--time-limit cannot be used with --workers (each worker would stop on its own "
                         "clock): give --steps or --epochs")
    command = worker_command(args.argv)
    commands = [command] + [command + ["--quiet"]] * (args.workers - 1)
    print(f"starting {args.workers} workers on this machine (worker 0 writes {args.out})", flush=True)
    return launch_local_workers(commands, out=args.out)


def recipe_choice(value):
    """``--recipe``: ``{"variant": ...}`` for paper/fast, ``{"recipe": NAME}`` for a named recipe."""
    if value is None or value in ("paper", "fast"):
        return {"variant": value}
    return {"recipe": value}


def run(args):
    if args.qat and not args.init_weights and not args.resume:
        raise ValueError("--qat fine-tunes a float checkpoint: give --init-weights FILE")
    if args.workers is not None:
        return launch(args)
    import keras

    from keras_sr.training import summary_line, train

    if args.backend is not None and keras.backend.backend() != args.backend:
        raise ValueError(f"--backend {args.backend}: Keras was already imported with the "
                         f"{keras.backend.backend()!r} backend (set KERAS_BACKEND={args.backend} instead)")
    if (args.multi_gpu or args.multi_worker) and keras.backend.backend() != "tensorflow":
        raise ValueError("--multi-gpu/--multi-worker use tf.distribute: the TensorFlow backend "
                         "(--backend tensorflow)")
    config = args.config
    if args.set:
        from keras_sr.training import read_config

        config = {**(read_config(config) if config else {}), **parse_key_values(args.set)}
    strategy = None
    if args.multi_gpu:
        import tensorflow as tf

        strategy = tf.distribute.MirroredStrategy()
    if args.multi_worker:
        from keras_sr.training.multiworker import DEFAULT_TIMEOUT, multi_worker_strategy

        timeout = DEFAULT_TIMEOUT if args.worker_timeout is None else args.worker_timeout
        strategy = multi_worker_strategy(timeout_seconds=timeout)
    elif args.worker_timeout is not None and args.workers is None:
        raise ValueError("--worker-timeout is for --workers / --multi-worker runs")
    with run_folder_disk_full(args.out):
        result = _train(args, train, config, strategy)
    from keras_sr.training.multiworker import is_chief

    if not is_chief(strategy):  # the chief reports; this worker's files were temporary
        print(f"finished {result['steps']} steps in {result['seconds']:.0f} s (the chief writes {result['run_dir']})")
        return
    print(f"run folder {result['run_dir']}: final model {result['final_model']}")
    print(summary_line(result, args.model, args.scale))


@contextlib.contextmanager
def run_folder_disk_full(out):
    """A full disk while training (checkpoints, backup, CSV or TensorBoard logs) ends the run with
    one line naming the file (or the run folder) and how to continue."""
    from keras_sr.utils.atomic import DiskFullError, is_disk_full

    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        raise DiskFullError(getattr(exc, "path", None) or out,
                            hint=f"; {out} keeps its last finished epoch: free some space and rerun the same "
                                 "command with --resume") from exc


def _train(args, train, config, strategy):
    return train(args.model, args.scale, args.data, args.val, steps=args.steps, epochs=args.epochs,
                 steps_per_epoch=args.steps_per_epoch, config=config, out=args.out, resume=args.resume,
                 strategy=strategy, mixed_precision=args.mixed_precision, jit_compile=args.jit_compile,
                 seed=args.seed, generator=args.generator, vgg_weights=args.vgg_weights,
                 allow_download=args.allow_download, time_limit=args.time_limit, verbose=2 if args.quiet else 1,
                 batch_size=args.batch_size, patch_size=args.patch_size, val_split=args.val_split,
                 learning_rate=args.learning_rate, init_weights=args.init_weights,
                 degradation=args.degradation, qat=args.qat, input=args.input, **recipe_choice(args.recipe))
