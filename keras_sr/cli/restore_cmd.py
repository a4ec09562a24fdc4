"""``keras-sr restore``: denoise or deblock image files with a scale-1 restoration model."""

DEFAULT_MODEL = "rednet10-denoise"  # with the weights keras-sr ships (keras_sr.weights)


def add_parser(sub, parents):
    from keras_sr.evaluation.samples import sample_names

    p = sub.add_parser("restore", parents=parents, help="denoise / deblock image files (scale-1 models)",
                       description="Restore images with a scale-1 model (same size out): rednet10-denoise "
                                   "(Gaussian noise, sigma 30), rednet10-deblock (JPEG quality 10-40), or "
                                   "your own run's .keras file. Grey, RGBA and 16-bit images are kept so; "
                                   "a Y-channel model restores Y and keeps Cb, Cr. Without --model: "
                                   f"{DEFAULT_MODEL} with the weights keras-sr ships.")
    p.add_argument("inputs", nargs="*", metavar="IN", help="image files")
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
    p.add_argument("--tile", type=int, default=None, help="tile size in pixels (default: whole image)")
    p.add_argument("--overlap", type=int, default=None,
                   help="context pixels around each tile (default: the model's receptive field)")
    p.add_argument("--border", default="symmetric", choices=("symmetric", "reflect", "none"),
                   help="mirror the image by the model's receptive field and crop after (default symmetric)")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")
    p.add_argument("--compare", action="store_true",
                   help="also write OUT_compare.png: input | restored, on the crop where they differ most")


def run(args):
    from keras_sr.cli import upscale_cmd
    from keras_sr.presets import names_a_file

    args.scale, args.shard = 1, None
    if args.model and not names_a_file(args.model):
        from keras_sr import models

        scales = models.supported_scales(args.model)  # unknown names: the registry's message
        if 1 not in scales:
            raise ValueError(f"--model {args.model} is an SR model (x{', x'.join(map(str, scales))}), not a "
                             "restoration one: use keras-sr upscale, or a scale-1 model such as rednet10-denoise")
    # upscale's run: the same weights rule (shipped / FILE / none), and a model file that
    # upscales is refused by its scale check before anything is written.
    return upscale_cmd.run(args)
