"""``keras-sr upscale``: super-resolve image files (see :mod:`keras_sr.inference.files`)."""

from keras_sr.cli.options import add_tiling_options, check_file_run

# Without --model (with the weights keras-sr ships, keras_sr.weights): for photos the model that measured
# best on realistic held-out inputs (JPEG, noise, blur; benchmarks/default_upscaler.py, docs/real-world.md),
# per scale; for clips the real-time RT4KSR (docs/video.md).
DEFAULT_MODEL_BY_SCALE = {2: "edsr-baseline-real", 3: "edsr-baseline", 4: "edsr-baseline-real"}
DEFAULT_SCALE = 2
DEFAULT_MODEL = DEFAULT_MODEL_BY_SCALE[DEFAULT_SCALE]
DEFAULT_VIDEO_MODEL, DEFAULT_VIDEO_SCALE = "rt4ksr", 2


def default_model(scale):
    """The preset ``keras-sr upscale`` runs on images without ``--model`` at ``scale`` (None: 2)."""
    return DEFAULT_MODEL_BY_SCALE.get(DEFAULT_SCALE if scale is None else scale, DEFAULT_MODEL)


def add_parser(sub, parents):
    from keras_sr.evaluation.samples import sample_names

    p = sub.add_parser("upscale", parents=parents, help="upscale image files with a model",
                       description="Upscale images with a model, whole or in tiles (seamless when "
                                   "the overlap covers the model's receptive field, the default; tiles are "
                                   "chosen to fit --max-memory). Grey, RGBA and 16-bit images are kept so. "
                                   f"Without --model: {DEFAULT_MODEL} x{DEFAULT_SCALE} (x3: "
                                   f"{DEFAULT_MODEL_BY_SCALE[3]}) with the weights keras-sr ships, the best "
                                   "measured on realistic photos (JPEG, noise, blur); clips: "
                                   f"{DEFAULT_VIDEO_MODEL} x{DEFAULT_VIDEO_SCALE}. Exit status: 0 done, 1 some files failed (listed at the "
                                   "end), 2 refused (nothing written).")
    p.add_argument("inputs", nargs="*", metavar="IN", help="image files or folders (folders: every image "
                   "in it, outputs already in OUT skipped)")
    p.add_argument("--sample", choices=sample_names(), metavar="NAME",
                   help="upscale a photo scikit-image ships instead of IN "
                        f"({', '.join(sample_names())})")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (format from its extension, PNG by default), or a folder "
                        "when several inputs; missing folders are created")
    p.add_argument("--model", default=None,
                   help=f"preset name (`bicubic` too), a .keras file (a keras-sr train checkpoint too) or an "
                        f"exported SavedModel folder (default {DEFAULT_MODEL}; clips: "
                        f"{DEFAULT_VIDEO_MODEL})")
    p.add_argument("--weights", default=None, metavar="default|PATH|none",
                   help="for a preset: 'default' (the weights keras-sr ships; the default where there are "
                        "some), a .weights.h5 or .keras file, or 'none' (untrained: for testing only)")
    p.add_argument("--scale", type=int, default=None,
                   help=f"SR factor (default {DEFAULT_SCALE} with the default model)")
    add_tiling_options(p)
    p.add_argument("--border", default="symmetric", choices=("symmetric", "reflect", "none"),
                   help="mirror the LR image outward by the model's receptive field and crop after, so "
                        "the outer pixels are no worse than bicubic (default symmetric; none: off)")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")
    p.add_argument("--compare", action="store_true",
                   help="also write OUT_compare.png: bicubic | model, on the crop where they differ most")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="only shard I of N of the images (by file name, docs 'Scaling out'); outputs "
                        "already in OUT are skipped, so a re-run finishes an interrupted one")
    from keras_sr.cli.video_options import add_video_arguments

    add_video_arguments(p)  # clips: keras_sr.video (docs/video.md)


def check(args):
    """Every argument and every path the run will write, before TensorFlow or a model loads."""
    from keras_sr.cli import video_options

    args.video_run = video_options.wants_video(args)  # a clip or a folder of clips: keras_sr.video checks
    if not args.video_run:
        check_file_run(args)


def run(args):
    from keras_sr.cli.model_choice import choose
    from keras_sr.inference import load_predictor
    from keras_sr.inference.files import run_files

    if not hasattr(args, "video_run"):
        check(args)
    if args.video_run:
        from keras_sr.cli import video_options

        return video_options.run(args, DEFAULT_VIDEO_MODEL, DEFAULT_VIDEO_SCALE)
    choice = choose(args.model, args.scale, args.weights, default_model(args.scale), DEFAULT_SCALE)
    return run_files(args.jobs, lambda: load_predictor(choice.model, scale=choice.scale, weights=choice.weights),
                     batch=args.folder_run, shard=args.shard_pair, tile=args.tile, overlap=args.overlap,
                     border=args.border, self_ensemble=args.self_ensemble, max_memory=args.max_memory_bytes,
                     note=choice.note)
