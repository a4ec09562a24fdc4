"""``keras-sr restore``: denoise or deblock image files with a scale-1 restoration model
(the same run as ``upscale``: :func:`keras_sr.inference.files.run_files`)."""

from keras_sr.cli.options import add_tiling_options, check_file_run

DEFAULT_MODEL = "rednet10-denoise-blind"  # with the weights keras-sr ships (keras_sr.weights)


def add_parser(sub, parents):
    from keras_sr.evaluation.samples import sample_names

    p = sub.add_parser("restore", parents=parents, help="denoise / deblock image files (scale-1 models)",
                       description="Restore images with a scale-1 model (same size out): rednet10-denoise-blind "
                                   "(Gaussian noise, any sigma 0-55, estimated per photo), rednet10-denoise (sigma 30, "
                                   "adapted to each photo's level), rednet10-deblock (JPEG, trained at quality 10-40; "
                                   "run at each photo's quality and its chroma blocks removed), or "
                                   "your own run's .keras file. Grey, RGBA and 16-bit images are kept so; "
                                   "a grey model restores colour photos channel by channel in an opponent colour "
                                   "space (--chroma restore) or Y alone (--chroma keep). Without --model: "
                                   f"{DEFAULT_MODEL} with the weights keras-sr ships. Exit status: 0 done, 1 some "
                                   "files failed (listed at the end), 2 refused (nothing written).")
    p.add_argument("inputs", nargs="*", metavar="IN", help="image files or folders (folders: every image in it, "
                   "outputs already in OUT skipped)")
    p.add_argument("--sample", choices=sample_names(), metavar="NAME",
                   help=f"restore a photo scikit-image ships instead of IN ({', '.join(sample_names())})")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (format from its extension, PNG by default), or a folder "
                        "when several inputs; missing folders are created")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"restoration preset or a scale-1 .keras file (default {DEFAULT_MODEL})")
    p.add_argument("--weights", default=None,
                   help="'default' (the weights keras-sr ships; the default where there are some), a "
                        ".weights.h5 or .keras file, or 'none' (untrained: for testing only)")
    add_tiling_options(p, unit="")
    p.add_argument("--border", default="symmetric", choices=("symmetric", "reflect", "none"),
                   help="mirror the image by the model's receptive field and crop after (default symmetric)")
    p.add_argument("--strength", type=float, default=1.0, metavar="S",
                   help="keep this share of the model's change, in (0, 1] (default 1: all of it; 0.5: half). "
                        "On top of --noise-level: a lower strength keeps more grain and texture")
    p.add_argument("--noise-level", default=None, metavar="SIGMA",
                   help="for keras-sr's denoisers (rednet10-denoise: trained at sigma 30; rednet10-denoise-blind: "
                        "best at 5-40): the noise sigma of the photos (0-255 scale, per RGB channel), or 'auto' "
                        "(the default): estimated from each photo. Noise outside the model's range is scaled into it "
                        "(docs/restoration.md)")
    p.add_argument("--jpeg-quality", default=None, metavar="Q",
                   help="for keras-sr's deblocker (rednet10-deblock): the photos' JPEG quality (1-100), or 'auto' "
                        "(the default): estimated from each photo's block edges. Lightly compressed photos get "
                        "less of the model's change, blockier ones a wider chroma filter (docs/restoration.md)")
    p.add_argument("--chroma", default="restore", choices=("restore", "keep"),
                   help="colour photos with a grey model: 'restore' (default) runs it on each channel of an "
                        "opponent colour space, so colour noise goes too; 'keep' restores Y only and keeps Cb, Cr "
                        "as they are (the RED-Net paper's way). RGB models ignore it")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")
    p.add_argument("--compare", action="store_true",
                   help="also write OUT_compare.png: input | restored, on the crop where they differ most")


def check(args):
    """Every argument and every path the run will write, before TensorFlow or a model loads."""
    from keras_sr.inference.strength import check_strength

    check_strength(args.strength)
    if args.noise_level is not None:
        from keras_sr.inference.noise_adapt import NOISE_RANGE, check_noise_level, noise_range_of

        args.noise_level = check_noise_level(args.noise_level)
        if noise_range_of(args.model) is None:
            raise ValueError(f"--noise-level applies to keras-sr's denoisers ({', '.join(NOISE_RANGE)}); "
                             f"--model {args.model} is not one")
    if args.jpeg_quality is not None:
        from keras_sr.inference.jpeg_adapt import JPEG_ADAPTED, check_jpeg_quality, is_jpeg_adapted

        args.jpeg_quality = check_jpeg_quality(args.jpeg_quality)
        if not is_jpeg_adapted(args.model):
            raise ValueError(f"--jpeg-quality applies to keras-sr's deblocker ({', '.join(JPEG_ADAPTED)}); "
                             f"--model {args.model} is not one")
    check_file_run(args)


def run(args):
    from keras_sr.cli.model_choice import choose
    from keras_sr.presets import names_a_file
    from keras_sr.inference import load_predictor
    from keras_sr.inference.files import run_files

    if not hasattr(args, "jobs"):
        check(args)
    if args.model and not names_a_file(args.model):
        from keras_sr import models

        scales = models.supported_scales(args.model)  # unknown names: the registry's message
        if 1 not in scales:
            raise ValueError(f"--model {args.model} is an SR model (x{', x'.join(map(str, scales))}), not a "
                             "restoration one: use keras-sr upscale, or a scale-1 model such as rednet10-denoise")
    choice = choose(args.model, 1, args.weights)  # a model file that upscales fails its scale check on load

    def load():
        from keras_sr.inference.colour_restore import colour_restorer
        from keras_sr.inference.jpeg_adapt import is_jpeg_adapted, jpeg_adapted
        from keras_sr.inference.noise_adapt import noise_adapted, noise_range_of
        from keras_sr.inference.strength import with_strength

        predict = load_predictor(choice.model, scale=1, weights=choice.weights)
        colour = predict.channels == 1 and args.chroma == "restore"
        noise_range = noise_range_of(args.model) if predict.channels == 1 else None
        if noise_range is not None:
            predict = noise_adapted(predict, noise_range, args.noise_level or "auto", colour)
        elif predict.channels == 1 and is_jpeg_adapted(args.model):
            predict = jpeg_adapted(predict, args.jpeg_quality or "auto", colour)
        elif colour:
            predict = colour_restorer(predict)
        return with_strength(predict, args.strength)

    return run_files(args.jobs, load, batch=args.folder_run, tile=args.tile, overlap=args.overlap, border=args.border,
                     self_ensemble=args.self_ensemble, max_memory=args.max_memory_bytes, note=choice.note)
