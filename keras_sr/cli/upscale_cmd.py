"""``keras-sr upscale``: super-resolve image files (see :mod:`keras_sr.upscaling`)."""


def add_parser(sub, parents):
    p = sub.add_parser("upscale", parents=parents, help="upscale image files with a model",
                       description="Upscale images with a model, whole or in tiles (seamless when "
                                   "the overlap covers the model's receptive field, the default). "
                                   "Grey, RGBA and 16-bit images are kept so.")
    p.add_argument("inputs", nargs="+", metavar="IN", help="image files")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file (format from its extension, PNG by default), or a folder "
                        "when several inputs")
    p.add_argument("--model", required=True, help="preset name (`bicubic` too) or a .keras file")
    p.add_argument("--weights", default=None, help=".weights.h5 or .keras file for the preset")
    p.add_argument("--scale", required=True, type=int, help="SR factor")
    p.add_argument("--tile", type=int, default=None, help="LR tile size in pixels (default: whole image)")
    p.add_argument("--overlap", type=int, default=None,
                   help="LR context pixels around each tile (default: the model's receptive field)")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")


def plan_outputs(inputs, output):
    """[(input, output path)]; refuses to overwrite an input or to write two inputs to one file."""
    import os

    from keras_sr.upscaling import output_path

    several = len(inputs) > 1
    if several and os.path.exists(output) and not os.path.isdir(output):
        raise ValueError(f"-o {output} must be a folder when upscaling {len(inputs)} images")
    if several:
        os.makedirs(output, exist_ok=True)
    plan = [(src, output_path(src, output, several)) for src in inputs]
    sources = {os.path.realpath(src) for src in inputs}
    seen = {}
    for src, dst in plan:
        if os.path.realpath(dst) in sources:
            raise ValueError(f"output {dst} would overwrite the input {src}; choose another -o")
        if os.path.realpath(dst) in seen:
            raise ValueError(f"inputs {seen[os.path.realpath(dst)]} and {src} would both be written "
                             f"to {dst}")
        seen[os.path.realpath(dst)] = src
    return plan


def run(args):
    import os
    import warnings

    import keras

    from keras_sr.data import write_image
    from keras_sr.inference import load_predictor
    from keras_sr.upscaling import read_for_upscale, upscale

    plan = plan_outputs(args.inputs, args.output)
    for _, dst in plan:
        folder = os.path.dirname(os.path.abspath(dst))
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"output folder {folder} does not exist")
    images = [read_for_upscale(src) for src, _ in plan]  # every input readable before any work
    predict = load_predictor(args.model, scale=args.scale, weights=args.weights)
    bar = keras.utils.Progbar(len(plan), unit_name="image") if len(plan) > 1 else None
    for i, ((src, dst), image) in enumerate(zip(plan, images)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sr = upscale(predict, image, tile=args.tile, overlap=args.overlap,
                         self_ensemble=args.self_ensemble, allow_small_overlap=True,
                         verbose=1 if bar is None else 0)
        for w in caught:
            print(f"keras-sr: warning: {w.message}")
        write_image(dst, sr)
        if bar is not None:
            bar.update(i + 1)
        print(f"wrote {dst} ({sr.shape[1]}x{sr.shape[0]}{', 16-bit' if sr.dtype.itemsize == 2 else ''})")
