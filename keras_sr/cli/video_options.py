"""``keras-sr upscale`` for clips: the video options and the thin run over
:mod:`keras_sr.video` (``upscale_cmd`` hands over when an input is a clip)."""

import os


def add_video_arguments(p):
    """The video options of ``keras-sr upscale`` (``--shard``, ``--model``, ``--border`` are the
    image options, reused)."""
    g = p.add_argument_group("video (an input that is a clip: .mp4, .mkv, .mov, .webm, ...; docs/video.md)")
    g.add_argument("--codec", default="libx264", help="video encoder (default libx264 = H.264)")
    g.add_argument("--crf", type=int, default=None,
                   help="constant quality (x264/x265/vp9; default 18; 0 with x264 is lossless)")
    g.add_argument("--preset", default=None,
                   help="x264/x265 speed preset (default veryfast: the encoder keeps up with the model on a "
                        "CPU; slow/medium give smaller files at the same --crf)")
    g.add_argument("--bitrate", default=None, metavar="BPS", help="target bit rate instead of --crf, e.g. 8M")
    g.add_argument("--pix-fmt", default="yuv420p", help="output pixel format (default yuv420p; yuv444p keeps "
                                                         "full colour resolution)")
    g.add_argument("--frames", default=None, metavar="A:B", help="only frames A to B-1 (a quick preview)")
    g.add_argument("--batch", type=int, default=None,
                   help="frames per model call (default: about 2 Mpixel of LR frames, at most 8)")
    g.add_argument("--merge-shards", type=int, default=None, metavar="N",
                   help="join the N segments that `--shard I/N` runs wrote into OUT (no re-encoding)")


def _bitrate(text):
    if text is None:
        return None
    units = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}
    try:
        return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)
    except (ValueError, IndexError):
        raise ValueError(f"--bitrate expects bits per second (8000000, 8M, 800k), got {text!r}") from None


def _video_files(folder):
    from keras_sr.video.probe import VIDEO_EXTENSIONS

    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(VIDEO_EXTENSIONS))


def wants_video(args):
    """True when an input is a clip or a folder of clips (then ``run`` below does the work)."""
    from keras_sr.video.probe import is_video_path

    if getattr(args, "merge_shards", None):
        return True
    return any(is_video_path(i) or (os.path.isdir(i) and _video_files(i)) for i in (args.inputs or ()))


def plan(args):
    """[(clip, output)] and whether the outputs go into a folder."""
    from keras_sr.video.probe import is_video_path

    clips = []
    for item in args.inputs:
        if os.path.isdir(item):
            clips.extend(_video_files(item))
        elif is_video_path(item) or not os.path.exists(item):
            clips.append(item)
        else:
            raise ValueError(f"{item} is not a clip: upscale images and clips in separate runs")
    folder = len(clips) > 1 or os.path.isdir(args.output) or any(os.path.isdir(i) for i in args.inputs)
    if folder:
        os.makedirs(args.output, exist_ok=True)
    pairs = [(c, os.path.join(args.output, os.path.basename(c)) if folder else args.output) for c in clips]
    return pairs, folder


def run(args, default_model, default_scale):
    from keras_sr.video import probe, upscale_video
    from keras_sr.video.upscale import check_output
    from keras_sr.video.window import frames_window, parse_frames

    for flag, on in (("--sample", args.sample), ("--tile", args.tile), ("--self-ensemble", args.self_ensemble),
                     ("--compare", args.compare)):
        if on:
            raise ValueError(f"{flag} applies to images, not to clips")
    pairs, folder = plan(args)
    if not pairs:
        raise ValueError("no input: give clips (IN ...)")
    shard = None
    if args.shard:
        from keras_sr.utils.shards import parse_shard  # the image shards' I/N syntax

        shard = parse_shard(args.shard)
    if args.merge_shards is not None:
        return _merge(args, pairs, folder)
    frames = parse_frames(args.frames) if args.frames else None
    if frames and shard:
        raise ValueError("--frames and --shard do not go together")
    if folder and shard:  # a folder of clips: whole files per shard
        from keras_sr.utils.shards import in_shard

        pairs = [(c, o) for c, o in pairs if in_shard(c, shard)]
        shard = None
    infos = [probe(src) for src, _ in pairs]  # every clip readable before the model loads
    choice = _choose(args, default_model, default_scale)
    for (src, dst), info in zip(pairs, infos):
        check_output(src, dst, args.codec, args.pix_fmt, info.width, info.height, choice.scale or 1, args.preset)
    from keras_sr.video.runtimes import load_frame_model

    frame_model = load_frame_model(choice.model, scale=choice.scale, weights=choice.weights)
    options = dict(frame_model=frame_model, codec=args.codec, crf=args.crf, bitrate=_bitrate(args.bitrate),
                   pix_fmt=args.pix_fmt, preset=args.preset, batch=args.batch, border=args.border)
    for (src, dst), info in zip(pairs, infos):
        if folder and os.path.exists(dst):
            print(f"skipped {dst} (already written)")
            continue
        print(f"{src}: {info.describe()}")
        if shard:
            from keras_sr.video.shards import upscale_segment

            result = upscale_segment(src, dst, shard, **options)
            if "skipped" in result:
                print(f"skipped: {result['skipped']}")
                continue
        else:
            window = frames_window(frames, info) if frames else None
            result = upscale_video(src, dst, window=window, **options)
        print(f"wrote {result['output']} ({result['width']}x{result['height']}, {result['frames']} frames, "
              f"{result['fps']:.2f} fps, {result['model']} x{result['scale']} on {result['runtime']}"
              f"{', ' + choice.note if choice.untrained else ''})")


def _choose(args, default_model, default_scale):
    from keras_sr.cli.model_choice import Choice, choose

    if args.model and args.model.lower().endswith((".tflite", ".onnx")):
        if args.weights is not None:
            raise ValueError(f"--weights applies to a preset, not to the exported model {args.model}")
        if not os.path.isfile(args.model):
            raise FileNotFoundError(f"model file {args.model} not found")
        return Choice(args.model, args.scale)
    return choose(args.model, args.scale, args.weights, default_model, default_scale)


def _merge(args, pairs, folder):
    from keras_sr.video.shards import merge_shards

    if folder:
        raise ValueError("--merge-shards joins the segments of one clip; a folder's shards are whole files")
    (src, dst), = pairs
    parts = merge_shards(src, dst, args.merge_shards)
    print(f"wrote {dst} ({len(parts)} segments joined, no re-encoding)")
