"""``keras-sr eval``: PSNR / SSIM benchmark tables (see :mod:`keras_sr.evaluation`)."""

from keras_sr.cli.options import add_tiling_options, check_tiling
from keras_sr.evaluation.tables import format_table  # noqa: F401  (its home is the library)


def add_parser(sub, parents):
    p = sub.add_parser("eval", parents=parents, help="PSNR/SSIM of a model on benchmark folders",
                       description="Evaluate a model on folders of HR images the benchmark way: "
                                   "MATLAB bicubic LR, PSNR/SSIM on Y with the scale shaved off. "
                                   "A folder with an HR/ subfolder uses that. Files that cannot be evaluated "
                                   "are listed under the table and the exit status is 1.")
    p.add_argument("--model", default=None,
                   help="(required unless --no-reference) preset name (see `keras-sr models`; `bicubic` too), a .keras file (a keras-sr train "
                        "checkpoint too) or an exported SavedModel folder")
    p.add_argument("--weights", default=None, metavar="default|PATH|none",
                   help="for a preset: 'default' (the weights keras-sr ships; the default where there are "
                        "some), a .weights.h5 or .keras file, or 'none' (untrained: for testing only)")
    p.add_argument("--data", action="append", nargs="+", metavar="DIR",
                   help="dataset folder(s) of HR images (repeatable; required unless --no-reference)")
    p.add_argument("--no-reference", action="append", nargs="+", metavar="DIR",
                   help="score the images of DIR(s) as they are, without HR: NIQE (lower is better; "
                        "keras-sr's own pristine model, not MATLAB NIQE's numbers); no --model needed")
    p.add_argument("--scale", type=int, default=None,
                   help="SR factor; 1 = restoration (default: the preset's only scale, e.g. rednet10-denoise)")
    p.add_argument("--degradation", metavar="SPEC", default=None,
                   help="make the input from each HR image with this chain instead of MATLAB bicubic: "
                        "'noise:30', 'jpeg:10' (scale 1), 'bicubic+jpeg:90' (SR); default: the preset's own "
                        "(rednet10-denoise: noise:30). Baselines in the same table: the degraded input "
                        "(x1) or its bicubic, and BM3D for fixed-sigma noise")
    p.add_argument("--seed", type=int, default=0, help="degradation seed (image i uses SEED + i)")
    p.add_argument("--no-bm3d", action="store_true", help="leave out the BM3D baseline (slow: ~1 min per Set5)")
    p.add_argument("--rgb", action="store_true", help="metrics on RGB instead of MATLAB Y")
    p.add_argument("--shave", type=int, default=None,
                   help="border pixels left out (default: the scale; 0 at scale 1)")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")
    add_tiling_options(p, overlap=False)
    p.add_argument("--border", nargs="?", const="symmetric", default=None, choices=("symmetric", "reflect"),
                   help="mirror the LR image by the model's receptive field and crop, as upscale does "
                        "(default off: the papers' protocol; bare --border = symmetric)")
    p.add_argument("--per-image", action="store_true", help="also print a row per image")
    p.add_argument("--json", default=None, metavar="OUT", help="write the figures as JSON here")
    p.add_argument("--save-images", default=None, metavar="DIR",
                   help="write SR images and bicubic | model | HR comparison crops here")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="evaluate only shard I of N of each folder (by file name); with --json, a re-run "
                        "whose JSON is written skips; merge: python -m keras_sr.cli.shard merge-eval")
    from keras_sr.cli.video_eval import add_video_eval_arguments

    add_video_eval_arguments(p)  # --video HR clips: PSNR + flicker (keras_sr.video.stability)


def restoration_defaults(model, scale, degradation):
    """``(scale, degradation)``: a restoration preset (``rednet10-denoise``) gives its scale (1)
    and its degradation when the flags leave them out; anything else needs ``--scale``."""
    preset = {}
    if model and "/" not in model and not model.endswith(".keras"):
        from keras_sr import models

        try:
            preset = models.get_preset(model)
        except ValueError:
            preset = {}
    if scale is None:
        if len(preset.get("scales", ())) != 1:
            raise ValueError("--scale is required for this model")
        scale = preset["scales"][0]
    if degradation is None and scale == preset.get("scales", (None,))[0]:
        degradation = preset.get("degradation")
    if degradation is None and scale == 1:
        raise ValueError("--scale 1 restores images: give --degradation (e.g. noise:30 or jpeg:10)")
    return scale, degradation


def check(args):
    """Arguments and output paths, before TensorFlow or a model loads."""
    import os

    from keras_sr.inference.files import check_creatable
    from keras_sr.utils.shards import parse_shard

    if args.no_reference:  # NIQE of folders as they are: no model, no HR
        return
    if not args.model:
        raise ValueError("eval needs --model (and --data, --video, or --no-reference DIR to score images without HR)")
    if not args.data and not args.video:
        raise ValueError("give --data DIR (folders of HR images), --video CLIP, or --no-reference DIR")
    check_tiling(args)
    args.shard_pair = parse_shard(args.shard) if args.shard else None
    args.data_dirs = [d for group in args.data or [] for d in group]
    for folder in args.data_dirs:
        if os.path.isfile(folder):
            raise NotADirectoryError(f"--data {folder} is a file, not a folder (give the folder of HR images)")
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"dataset folder {folder} does not exist")
    if args.json:
        if os.path.isdir(args.json):
            raise ValueError(f"--json {args.json} is a folder; give a file name")
        if not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
            raise FileNotFoundError(f"--json {args.json}: folder does not exist")
        check_creatable(os.path.dirname(os.path.abspath(args.json)), "--json")
        target = os.path.realpath(args.json)
        for folder in args.data_dirs:
            for root in (folder, os.path.join(folder, "HR")):
                if os.path.isdir(root) and target in {os.path.realpath(os.path.join(root, n)) for n in os.listdir(root)}:
                    raise ValueError(f"--json {args.json} would overwrite a file of the dataset {folder}")
    if args.save_images:
        check_creatable(args.save_images, "--save-images")


def run(args):
    from keras_sr.cli.model_choice import choose
    from keras_sr.evaluation import evaluate, write_json
    from keras_sr.utils import shards as sharding

    if not hasattr(args, "data_dirs"):
        check(args)
    if args.no_reference:
        from keras_sr.evaluation.niqe import format_scores, score_folder

        print(format_scores(score_folder([d for group in args.no_reference for d in group]), args.per_image))
        return
    if args.video:
        from keras_sr.cli import video_eval

        return video_eval.run(args)
    data, shard = args.data_dirs, args.shard_pair
    scale, degradation = restoration_defaults(args.model, args.scale, args.degradation)
    choice = choose(args.model, scale, args.weights)  # restoration presets: their shipped weights too
    if shard and sharding.finished_eval(args.json, shard, args.model, scale):
        print(f"{args.json} already holds shard {args.shard}: skipped")
        return
    result = evaluate(choice.model, data, scale, weights=choice.weights,
                      channel="rgb" if args.rgb else "y", shave=args.shave,
                      self_ensemble=args.self_ensemble, tile=args.tile, max_memory=args.max_memory_bytes,
                      save_images=args.save_images, verbose=1, border=args.border, shard=shard,
                      degradation=degradation, seed=args.seed, bm3d=False if args.no_bm3d else "auto")
    if choice.untrained:
        result["note"] = choice.note
    if shard:
        result = sharding.shard_result(result, shard, args.model)
    print(format_table(result, args.per_image))
    if args.json:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 1 if any(d.get("skipped") for d in result["datasets"]) else 0  # 1: some files not evaluated
