"""``keras-sr export``: SavedModel / TFLite fp32, fp16, dynamic-int8, int8 / ONNX with checks and metadata."""

from keras_sr.cli.options import parse_key_values


def add_arguments(p):
    """The export flags (shared with ``export/export.py``)."""
    src = p.add_mutually_exclusive_group()
    p.add_argument("--model", required=True, metavar="NAME",
                   help="preset name (keras-sr models); with --keras, the name used for the files")
    src.add_argument("--weights", metavar="default|PATH|none",
                     help="'default' (the weights keras-sr ships for the preset; the default where there "
                          "are some), a .weights.h5 or .keras file (e.g. a keras-sr train checkpoint), or "
                          "'none' (untrained: for testing only)")
    src.add_argument("--keras", metavar="FILE",
                     help="a saved .keras model (e.g. a keras-sr train checkpoint; an MDSR one exports the "
                          "--scale output) to export instead of a preset build")
    p.add_argument("--scale", type=int, help="upscaling factor (required when the preset has several)")
    p.add_argument("--formats", default="savedmodel,fp32,fp16",
                   help="comma-separated: savedmodel, fp32, fp16, dynamic-int8, int8 (TFLite), onnx "
                        "(ONNX opset 17, H and W free; needs keras-sr[onnx]), or all "
                        "(default: savedmodel,fp32,fp16)")
    p.add_argument("--input-size", metavar="WxH",
                   help="LR input size of the fixed-shape export (default 1280x720 at x1, 640x360 at x2, 426x240 at x3, "
                        "320x180 at x4)")
    p.add_argument("--dynamic", action="store_true",
                   help="leave H and W free (CPU use with resize_tensor_input); not for the GPU delegate")
    p.add_argument("--calibration", metavar="DIR",
                   help="images for int8 calibration (default: photos bundled with scikit-image)")
    p.add_argument("--calibration-count", type=int, default=8, metavar="N",
                   help="calibration images used (default 8)")
    p.add_argument("--calibration-size", metavar="WxH",
                   help="int8: calibrate on tiles of this size and carry the activation ranges over to the "
                        "export graph (default: the input size, or smaller when calibrating at the input "
                        "size would need more than half the memory: RAM or container limit)")
    p.add_argument("--int8-io", choices=("float32", "uint8"), default="float32",
                   help="int8 model input/output type (default float32)")
    p.add_argument("--int8-method", choices=("selective", "full"), default="selective",
                   help="int8: selective (default: layer norms and the ops TensorFlow's quantization "
                        "debugger finds too sensitive stay in float, builtin ops) or full (every op int8)")
    p.add_argument("--channel-multiple", type=int, metavar="N",
                   help="RT4KSR fp32/fp16: round the lean graph's 24 feature channels up to a multiple "
                        "of N with zero weights (32: 11 %% less time in LiteRT on AVX-512 x86 CPUs; "
                        "extra work on ARM and mobile GPUs, so off by default)")
    p.add_argument("--parity-images", type=int, default=2, metavar="N",
                   help="photos for the LiteRT-vs-Keras parity check (default 2)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                   help="builder option override, e.g. --set num_blocks=4 (repeatable)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")


def add_parser(sub, parents):
    p = sub.add_parser("export", parents=parents, help="export a model to SavedModel / TFLite / ONNX",
                       description="Export a model to SavedModel, TFLite (builtin ops only) and ONNX, "
                                   "check each TFLite file against Keras in LiteRT on real photos (fp32 "
                                   "must match within 1e-3) and against the GPU delegate's rules, the "
                                   "ONNX file in ONNX Runtime (within 1e-4), and write a metadata JSON "
                                   "beside each file.")
    add_arguments(p)


def load_model(args):
    """``(model, choice)``: the model the flags name (a preset build with the weights
    :func:`keras_sr.cli.model_choice.choose` picks, or a .keras file) and that choice
    (``None`` for a file)."""
    from keras_sr import models
    from keras_sr.cli.model_choice import choose
    from keras_sr.inference import load_model as load
    from keras_sr.presets import names_a_file

    source = args.keras or (args.model if names_a_file(args.model) else None)
    if source:
        if args.overrides:
            raise ValueError("--set applies to preset builds, not to --keras files")
        return load(source, args.scale)[0], None
    preset = models.get_preset(args.model)
    if not preset["scales"]:
        raise ValueError(f"model {args.model!r} is not a super-resolution model (it has no scale)")
    choice = choose(args.model, args.scale, args.weights)
    model, _ = load(choice.model, choice.scale, choice.weights, **parse_key_values(args.overrides))
    return model, choice


def file_stem(args):
    """The name export files start with: the preset, or a model file's name without extension."""
    import os

    from keras_sr.presets import names_a_file

    if names_a_file(args.model):
        return os.path.basename(os.path.normpath(args.model)).split(".")[0]
    return args.model


def run(args):
    from keras_sr.export import export_model, parse_formats, parse_size

    formats = parse_formats(args.formats)
    size = parse_size(args.input_size) if args.input_size else None
    calibration_size = (parse_size(args.calibration_size, "--calibration-size")
                        if args.calibration_size else None)
    model, choice = load_model(args)
    if choice is not None and choice.untrained:
        print(f"keras-sr: warning: exporting {args.model} {choice.note}: the files do not super-resolve")
    from keras_sr.utils.atomic import naming_disk_full

    with naming_disk_full(args.out):  # files keras-sr writes name themselves; anything else names --out
        results = _export(args, export_model, model, formats, size, calibration_size)
    print(f"wrote {len(results)} export(s) to {args.out}")


def _log(line):
    """export's report lines; its warnings with the prefix every keras-sr warning has."""
    print(f"keras-sr: {line}" if line.startswith("warning: ") else line, flush=True)


def _export(args, export_model, model, formats, size, calibration_size):
    return export_model(model, args.out, formats, scale=args.scale, input_size=size,
                        dynamic=args.dynamic, name=file_stem(args), calibration=args.calibration,
                        calibration_count=args.calibration_count,
                        calibration_size=calibration_size, int8_io=args.int8_io,
                        int8_method=args.int8_method,
                        parity_images=args.parity_images, channel_multiple=args.channel_multiple,
                        overwrite=args.overwrite, log=_log)
