"""``keras-sr upscale``: super-resolve image files (see :mod:`keras_sr.inference.upscaling`)."""


DEFAULT_MODEL, DEFAULT_SCALE = "rt4ksr", 2  # with the weights keras-sr ships (keras_sr.weights)


def add_parser(sub, parents):
    from keras_sr.evaluation.samples import sample_names

    p = sub.add_parser("upscale", parents=parents, help="upscale image files with a model",
                       description="Upscale images with a model, whole or in tiles (seamless when "
                                   "the overlap covers the model's receptive field, the default). "
                                   "Grey, RGBA and 16-bit images are kept so. Without --model: "
                                   f"{DEFAULT_MODEL} x{DEFAULT_SCALE} with the weights keras-sr ships.")
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
                        f"exported SavedModel folder (default {DEFAULT_MODEL})")
    p.add_argument("--weights", default=None, metavar="default|PATH|none",
                   help="for a preset: 'default' (the weights keras-sr ships; the default where there are "
                        "some), a .weights.h5 or .keras file, or 'none' (untrained: for testing only)")
    p.add_argument("--scale", type=int, default=None,
                   help=f"SR factor (default {DEFAULT_SCALE} with the default model)")
    p.add_argument("--tile", type=int, default=None, help="LR tile size in pixels (default: whole image)")
    p.add_argument("--overlap", type=int, default=None,
                   help="LR context pixels around each tile (default: the model's receptive field)")
    p.add_argument("--border", default="symmetric", choices=("symmetric", "reflect", "none"),
                   help="mirror the LR image outward by the model's receptive field and crop after, so "
                        "the outer pixels are no worse than bicubic (default symmetric; none: off)")
    p.add_argument("--self-ensemble", action="store_true", help="average the 8 flips/rotations (x8 time)")
    p.add_argument("--compare", action="store_true",
                   help="also write OUT_compare.png: bicubic | model, on the crop where they differ most")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="only shard I of N of the images (by file name, README 'Scaling out'); outputs "
                        "already in OUT are skipped, so a re-run finishes an interrupted one")
    from keras_sr.cli.video_options import add_video_arguments

    add_video_arguments(p)  # clips: keras_sr.video (docs/video.md)


def plan_outputs(inputs, output):
    """[(input, output path)]; refuses to overwrite an input or to write two inputs to one file."""
    import os

    from keras_sr.inference.image_files import output_path

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

    from keras_sr.cli import shard, video_options

    if video_options.wants_video(args):  # a clip or a folder of clips
        return video_options.run(args, DEFAULT_MODEL, DEFAULT_SCALE)
    if shard.is_batch(args):  # a folder or --shard: images read one by one, finished ones skipped
        return shard.run_upscale(args)

    from keras_sr.data import write_image
    from keras_sr.inference import load_predictor, upscale
    from keras_sr.inference.image_files import read_for_upscale
    from keras_sr.utils.progress import progress_bar

    if args.sample and args.inputs:
        raise ValueError("give image files or --sample, not both")
    from keras_sr.evaluation.samples import sample_path

    inputs = [sample_path(args.sample)] if args.sample else args.inputs
    if not inputs:
        raise ValueError("no input: give image files (IN ...) or --sample NAME")
    from keras_sr.cli.model_choice import choose

    choice = choose(args.model, args.scale, args.weights, DEFAULT_MODEL, DEFAULT_SCALE)
    plan = plan_outputs(inputs, args.output)
    images = [read_for_upscale(src) for src, _ in plan]  # every input readable before any work
    predict = load_predictor(choice.model, scale=choice.scale, weights=choice.weights)
    for _, dst in plan:
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    bar = progress_bar(len(plan), unit_name="image") if len(plan) > 1 else None
    for i, ((src, dst), image) in enumerate(zip(plan, images)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                sr = upscale(predict, image, tile=args.tile, overlap=args.overlap,
                             self_ensemble=args.self_ensemble, allow_small_overlap=True, border=args.border,
                             verbose=1 if bar is None else 0)
            except Exception as exc:  # noqa: BLE001  (TensorFlow's OOM is ResourceExhaustedError)
                if not _out_of_memory(exc):
                    raise
                h, w = image.shape[:2]
                raise MemoryError(f"out of memory upscaling {src} ({w}x{h} -> {w * predict.scale}x"
                                  f"{h * predict.scale} with {predict.name} x{predict.scale}"
                                  f"{', tiles of ' + str(args.tile) if args.tile else ''}): "
                                  f"use --tile {max(32, (args.tile or 512) // 2)} (smaller tiles, same output)") from exc
        for w in caught:
            print(f"keras-sr: warning: {w.message}")
        write_image(dst, sr)
        if bar is not None:
            bar.update(i + 1)
        print(f"wrote {dst} ({sr.shape[1]}x{sr.shape[0]}{', 16-bit' if sr.dtype.itemsize == 2 else ''}, "
              f"{predict.name} x{predict.scale}{', ' + choice.note if choice.untrained else ''})")
        if args.compare:
            first = "input" if predict.scale == 1 else "bicubic"
            print(f"wrote {write_compare(dst, image, sr, predict)} ({first} | {predict.name})")


def _out_of_memory(exc):
    """True for an allocation failure: ``MemoryError`` or TensorFlow's ``ResourceExhaustedError`` (OOM)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError" or "OOM when" in str(exc)


def compare_path(dst):
    """``photo_x2.png`` -> ``photo_x2_compare.png`` (always PNG)."""
    import os

    root, _ = os.path.splitext(dst)
    return root + "_compare.png"


def _rgb8(image):
    """uint8 RGB view of an upscale input/output (grey repeated, alpha dropped, 16 bits reduced)."""
    import numpy as np

    a = np.asarray(image)
    if a.ndim == 2:
        a = a[..., None]
    a = a[..., :1] if a.shape[-1] in (1, 2) else a[..., :3]  # grey (+alpha) or RGB(+alpha)
    a = np.repeat(a, 3, axis=-1) if a.shape[-1] == 1 else a
    if a.dtype == np.uint16:
        a = np.round(a / 257.0)
    return a.astype(np.uint8)


def write_compare(dst, image, sr, predict, size=192, zoom=2):
    """Bicubic | SR crops (``size`` px where the two differ most, enlarged ``zoom`` x) beside
    ``dst``; returns the path."""
    from keras_sr.data import matlab_imresize
    from keras_sr.evaluation.visualize import detail_crop, write_comparison

    lr = _rgb8(image)
    bicubic = _rgb8(matlab_imresize(lr, float(predict.scale)))  # MATLAB imresize, uint8 in and out
    out = _rgb8(sr)
    top, left, h, w = detail_crop(out, bicubic, size)
    tiles = [a[top:top + h, left:left + w].repeat(zoom, 0).repeat(zoom, 1) for a in (bicubic, out)]
    path = compare_path(dst)
    first = "input" if predict.scale == 1 else "bicubic"  # x1 (keras-sr restore): the image as given
    write_comparison(path, tiles, [first, f"keras-sr {predict.name} x{predict.scale}"])
    return path
