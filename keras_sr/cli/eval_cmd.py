"""``keras-sr eval``: PSNR / SSIM benchmark tables (see :mod:`keras_sr.evaluation`)."""


def add_parser(sub, parents):
    p = sub.add_parser("eval", parents=parents, help="PSNR/SSIM of a model on benchmark folders",
                       description="Evaluate a model on folders of HR images the benchmark way: "
                                   "MATLAB bicubic LR, PSNR/SSIM on Y with the scale shaved off. "
                                   "A folder with an HR/ subfolder uses that.")
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
    p.add_argument("--tile", type=int, default=None, help="LR tile size for large images (exact)")
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


def format_table(result, per_image=False):
    """The text table of an :func:`keras_sr.evaluation.evaluate` result."""
    rows = []
    for d in result["datasets"]:
        rows.append((d["name"], str(d["images"]), f"{d['psnr']:.2f}", f"{d['ssim']:.4f}", f"{d['seconds']:.1f}"))
        if "degradation" in result:  # the baselines of the same run
            label = "degraded input" if result["baseline"] == "input" else "bicubic of degraded LR"
            rows.append((f"  {label}", "", f"{d['psnr_bicubic']:.2f}", f"{d['ssim_bicubic']:.4f}", ""))
            if "psnr_bm3d" in d:
                rows.append(("  BM3D", "", f"{d['psnr_bm3d']:.2f}", f"{d['ssim_bm3d']:.4f}", ""))
        if per_image:
            for r in d["per_image"]:
                rows.append(("  " + r["file"], "", f"{r['psnr']:.2f}", f"{r['ssim']:.4f}", f"{r['seconds']:.2f}"))
    header = ("dataset", "images", "PSNR (dB)", "SSIM", "seconds")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    lines = [f"{result['model']} x{result['scale']}, {result['channel'].upper()} channel, "
             f"shave {result['shave']}"
             + (f", border {result['border']}" if result.get("border", "none") != "none" else "")
             + (f" ({result['note']})" if result.get("note") else "")]
    if "degradation" in result:
        lines[0] += f", input degraded by {result['degradation']} (seed {result['seed']}), BM3D {result['bm3d']}"
    def fmt(row):  # names left-aligned, figures right-aligned
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    lines.append(fmt(header))
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines)


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


def run(args):
    import os

    if args.no_reference:
        from keras_sr.evaluation.niqe import format_scores, score_folder

        print(format_scores(score_folder([d for group in args.no_reference for d in group]), args.per_image))
        return
    if not args.model or not args.data:
        raise ValueError("eval needs --model and --data (or --no-reference DIR to score images without HR)")

    from keras_sr.cli.model_choice import choose
    from keras_sr.evaluation import evaluate, write_json

    if args.video:
        from keras_sr.cli import video_eval

        return video_eval.run(args)
    if not args.data:
        raise ValueError("give --data DIR (folders of HR images) or --video CLIP")
    data = [d for group in args.data for d in group]
    from keras_sr.cli import shard as sharding

    shard = sharding.parse_shard(args.shard) if args.shard else None
    scale, degradation = restoration_defaults(args.model, args.scale, args.degradation)
    choice = choose(args.model, scale, args.weights)  # restoration presets: their shipped weights too
    if shard and sharding.finished_eval(args.json, shard, args.model, scale):
        print(f"{args.json} already holds shard {args.shard}: skipped")
        return
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        raise FileNotFoundError(f"--json {args.json}: folder does not exist")
    result = evaluate(choice.model, data, scale, weights=choice.weights,
                      channel="rgb" if args.rgb else "y", shave=args.shave,
                      self_ensemble=args.self_ensemble, tile=args.tile,
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
