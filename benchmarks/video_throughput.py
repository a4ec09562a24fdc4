"""Video throughput: RT4KSR x2 end to end (decode -> model -> encode, keras_sr.video) against the
model alone, at 640x360 -> 1280x720 and 1920x1080 -> 3840x2160.

    nice -n 10 env PYTHONPATH=. python benchmarks/video_throughput.py --sizes 360p --frames 24
    nice -n 10 env PYTHONPATH=. python benchmarks/video_throughput.py --sizes 1080p --frames 4
    PYTHONPATH=. python benchmarks/video_throughput.py --device gpu     # Keras on JAX, jit, fp16/bf16

The LR clip is a pan across a real photo (skimage's astronaut, resized) encoded with H.264 CRF 18
4:2:0 (PyAV, in a temp folder). Runtimes: ``keras`` (the shipped weights, eager calls on the
current backend), ``litert`` (the same model exported to fp32 .tflite, RT4KSR's lean graph, all
CPU threads). ``--device gpu`` sets ``KERAS_BACKEND=jax`` and runs the batched call under
``jax.jit`` in float32, then float16 and bfloat16, keeping a low precision only where its PSNR on
the photo stays within 0.05 dB of float32. Model-only fps: the model call on pre-padded float
batches of the same frames (no decode, colour conversion, rounding or encode). End to end: the
whole ``upscale_video`` (model loaded before the clock starts). Prints one JSON line per
(size, runtime) and the CPU flags, load and date.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SIZES = {"360p": (640, 360), "1080p": (1920, 1080)}


def lr_clip(folder, width, height, frames):
    import numpy as np
    from PIL import Image
    from skimage import data

    from keras_sr.video.clips import pan_frames, write_clip

    step = 4
    photo = np.asarray(Image.fromarray(data.astronaut()).resize((width + step * frames, height + step * frames),
                                                                 Image.BICUBIC))
    path = os.path.join(folder, f"lr_{width}x{height}.mp4")
    write_clip(path, pan_frames(photo, (height, width), frames, (step // 2, step)), fps=30, pix_fmt="yuv420p",
               crf=18, audio=True)
    return path


def load(runtime, folder, jit=False, dtype=None):
    from keras_sr.video.runtimes import load_frame_model

    if runtime == "keras":
        return load_frame_model("rt4ksr", scale=2, jit=jit, dtype=dtype)
    path = os.path.join(folder, "rt4ksr_x2_fp32.tflite")
    if not os.path.exists(path):
        from keras_sr.export import tflite
        from keras_sr.export.pipeline import float_graph
        from keras_sr.inference import load_model

        model, _ = load_model("rt4ksr", scale=2)
        with open(path, "wb") as f:
            f.write(tflite.convert(float_graph(model), "fp32"))
    return load_frame_model(path, scale=2)


def model_only_fps(fm, clip, batch, repeats=1):
    import numpy as np

    from keras_sr.video.frames import frame_padding
    from keras_sr.video.stability import read_clip

    frames = read_clip(clip)
    h, w = frames.shape[1:3]
    ((t, b), (l, r)), mode = frame_padding(fm, h, w, "symmetric")
    x = np.pad(frames.astype(np.float32) / 255, ((0, 0), (t, b), (l, r), (0, 0)), mode=mode)
    fm.run_batch(x[:batch])  # warm-up (jit, allocation)
    start = time.perf_counter()
    for _ in range(repeats):
        for i in range(0, len(x), batch):
            fm.run_batch(x[i:i + batch])
    return repeats * len(x) / (time.perf_counter() - start)


def end_to_end_fps(fm, clip, batch, folder, preset=None):
    from keras_sr.video import upscale_video

    out = os.path.join(folder, "out.mp4")
    result = upscale_video(clip, out, frame_model=fm, batch=batch, preset=preset, progress=False)
    os.unlink(out)
    return result["fps"], result["frames"]


def psnr_of(fm):
    """PSNR (Y, MATLAB protocol) of ``fm`` on skimage's astronaut downscaled x2."""
    import numpy as np
    from skimage import data

    from keras_sr.data import matlab_imresize, psnr_y
    from keras_sr.video.frames import upscale_frames

    hr = data.astronaut()
    lr = np.clip(np.round(matlab_imresize(hr / 255.0, 0.5) * 255), 0, 255).astype(np.uint8)
    sr = upscale_frames(fm, lr[None])[0]
    return psnr_y(sr / 255.0, hr / 255.0, scale=2)


def machine():
    from keras_sr.utils.machine import cpu_flags

    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu_flags": cpu_flags(),
            "cores": os.cpu_count(), "load": os.getloadavg()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--sizes", default="360p,1080p")
    parser.add_argument("--frames", type=int, default=None, help="frames per clip (default 24; 1080p 4 on CPU)")
    parser.add_argument("--runtimes", default="litert,keras")
    parser.add_argument("--batch", type=int, default=None, help="frames per model call (default: auto)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved model-only / end-to-end pairs")
    parser.add_argument("--preset", default=None, help="x264 preset of the end-to-end run (default: the package's)")
    parser.add_argument("--json", default=None, help="append the JSON lines here")
    args = parser.parse_args(argv)
    if args.device == "gpu":
        os.environ["KERAS_BACKEND"] = "jax"
    from keras_sr.video.upscale import DEFAULT_PRESET, auto_batch

    info = machine()
    if args.device == "gpu":
        import jax

        info["devices"] = [str(d) for d in jax.devices()]
        if not any(d.platform == "gpu" for d in jax.devices()):
            print("no GPU visible to JAX: --device gpu needs one (a lent machine); running on CPU anyway",
                  file=sys.stderr)
    print(json.dumps(info), flush=True)
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            w, h = SIZES[size]
            n = args.frames or (4 if size == "1080p" and args.device == "cpu" else 24)
            clip = lr_clip(folder, w, h, n)
            batch = args.batch or auto_batch(w, h)
            if args.device == "gpu":
                variants = [("keras-jax-jit", "keras", True, d) for d in ("float32", "float16", "bfloat16")]
            else:
                variants = [(r, r, False, None) for r in args.runtimes.split(",")]
            reference = None
            for label, runtime, jit, dtype in variants:
                fm = load(runtime, folder, jit=jit, dtype=dtype)
                line = {"size": f"{w}x{h}->{2 * w}x{2 * h}", "runtime": label, "backend": fm.runtime,
                        "dtype": dtype or "float32", "frames": n, "batch": batch}
                if jit:
                    p = psnr_of(fm)
                    reference = p if reference is None else reference
                    line["psnr_drop_db"] = round(reference - p, 4)
                    if reference - p > 0.05:
                        line["note"] = "PSNR drop > 0.05 dB: not used"
                # Interleaved, the order rotated, the median of per-repeat ratios: a shared machine's
                # load changes between runs, a ratio taken within one repeat does not see most of it.
                model_runs, e2e_runs = [], []
                for r in range(args.repeats):
                    for kind in (("model", "e2e") if r % 2 == 0 else ("e2e", "model")):
                        if kind == "model":
                            model_runs.append(model_only_fps(fm, clip, batch))
                        else:
                            e2e_runs.append(end_to_end_fps(fm, clip, batch, folder, args.preset)[0])
                ratios = [e / m for e, m in zip(e2e_runs, model_runs)]
                line.update({"preset": args.preset or DEFAULT_PRESET, "repeats": args.repeats,
                             "model_fps": round(statistics.median(model_runs), 3),
                             "end_to_end_fps": round(statistics.median(e2e_runs), 3),
                             "ratio": round(statistics.median(ratios), 3),
                             "ratios": [round(x, 3) for x in ratios], "load_after": os.getloadavg()[0], **info})
                print(json.dumps(line), flush=True)
                lines.append(line)
    if args.json:
        with open(args.json, "a") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
