"""``keras-sr eval --video HR_CLIP``: PSNR and temporal stability of a model on HR clips
(:mod:`keras_sr.video.stability`); ``eval_cmd`` hands over when ``--video`` is given."""


def add_video_eval_arguments(p):
    p.add_argument("--video", nargs="+", default=None, metavar="CLIP",
                   help="HR clips instead of --data: MATLAB bicubic LR frame by frame, then PSNR and "
                        "flicker (frame-to-frame change of SR against HR; docs/video.md)")
    p.add_argument("--frames", default=None, metavar="A:B", help="with --video: only frames A to B-1")


def run(args):
    import json

    from keras_sr.cli.model_choice import Choice, choose
    from keras_sr.video.probe import probe
    from keras_sr.video.stability import evaluate_clip, read_clip
    from keras_sr.video.window import frames_window, parse_frames

    infos = [probe(c) for c in args.video]  # every clip readable before the model loads
    frames = parse_frames(args.frames) if args.frames else None
    if args.model.lower().endswith((".tflite", ".onnx")):
        choice = Choice(args.model, args.scale)
    else:
        choice = choose(args.model, args.scale, args.weights)
    from keras_sr.video.runtimes import load_frame_model

    fm = load_frame_model(choice.model, scale=choice.scale, weights=choice.weights)
    rows = []
    for clip, info in zip(args.video, infos):
        hr = read_clip(clip, frames_window(frames, info) if frames else None)
        r = evaluate_clip(fm, hr, border=args.border or "symmetric")
        rows.append({"clip": clip, **r})
    print(f"{fm.name} x{fm.scale} on {fm.runtime}: Y channel, shave {fm.scale}; change = mean |F_t - F_t-1|, "
          "flicker = mean |dSR - dHR| (0-255 levels)")
    header = ("clip", "frames", "PSNR", "change SR", "change HR", "flicker", "bicubic PSNR", "bicubic flicker")
    lines = [header] + [(r["clip"], str(r["frames"]), f"{r['psnr']:.2f}", f"{r['change_sr']:.3f}",
                         f"{r['change_hr']:.3f}", f"{r['flicker']:.3f}", f"{r['bicubic_psnr']:.2f}",
                         f"{r['bicubic_flicker']:.3f}") for r in rows]
    widths = [max(len(l[i]) for l in lines) for i in range(len(header))]
    for l in lines:
        print("  ".join(c.ljust(w) for c, w in zip(l, widths)))
    if args.json:
        from keras_sr.utils.atomic import write_text

        write_text(args.json, json.dumps({"model": fm.name, "scale": fm.scale, "clips": rows}, indent=2) + "\n",
                   overwrite=True)
        print(f"wrote {args.json}")
