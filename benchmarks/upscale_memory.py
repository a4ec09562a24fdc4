"""Peak memory and time of ``keras-sr upscale`` on a large photo with no flags (tiles chosen by memory).

    nice -n 10 python benchmarks/upscale_memory.py                  # 3000x2000, edsr-baseline x4
    python benchmarks/upscale_memory.py --size 2000x1500 --max-memory 2G
    nice -n 5 python benchmarks/upscale_memory.py --photo mosaic_3000x2000.png    # a PNG of yours
    nice -n 5 python benchmarks/upscale_memory.py --size 6000x4000 --real-tiles 4  # memory only, minutes

``--real-tiles K``: for a photo too large to run in the time at hand, the same command runs the
model on the first and the last K tiles only (the last ones while the output buffer is full, so
the model's working set and the whole fixed share are resident together) and nearest-neighbour
upscaling on the others; then it writes the PNG. Its peak RSS is the real run's (same plan, same
buffers, same writer, same model working set); its time is not.

The photo is scikit-image's astronaut resized (PIL bicubic) to the size asked, plus a little
noise, saved as PNG (or ``--photo``: a PNG you give; its size is then the photo's). The command
runs in a fresh process; its peak RSS is that child's ``ru_maxrss`` (what ``/usr/bin/time -v``
reports). Prints one JSON line. Figures in docs/robustness.md (2026-12-07).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np


def make_photo(path, width, height):
    from PIL import Image
    from skimage import data

    base = Image.fromarray(data.astronaut()).resize((width, height), Image.BICUBIC)
    noise = np.random.default_rng(0).normal(0, 3, (height, width, 3))
    Image.fromarray(np.clip(np.asarray(base) + noise, 0, 255).astype(np.uint8)).save(path)


STAND_IN = r"""
import sys
import numpy as np
from keras_sr import inference
from keras_sr.cli import main
from keras_sr.inference.borders import border_padding
from keras_sr.inference.tiling import _spans

K = int(sys.argv[1])
real_upscale = inference.upscale


def upscale(predict, image, tile=None, overlap=None, **kw):
    h, w = image.shape[:2]
    (t, b), (l, r) = border_padding(predict, h, w)
    from keras_sr.inference.receptive_field import model_receptive_field
    ov = model_receptive_field(predict) if overlap is None else overlap
    total = len(_spans(h + t + b, tile, ov)) * len(_spans(w + l + r, tile, ov)) if tile else 1
    model_fn, calls = predict.fn, [0]

    def fn(x):
        calls[0] += 1
        if calls[0] <= K or calls[0] > total - K:
            return model_fn(x)
        return np.repeat(np.repeat(x, predict.scale, 0), predict.scale, 1)

    predict.fn = fn
    try:
        return real_upscale(predict, image, tile=tile, overlap=overlap, **kw)
    finally:
        predict.fn = model_fn
        print(f"model on {min(total, 2 * K)} of {total} tiles (nearest-neighbour stand-in on the others)")


inference.upscale = upscale
sys.exit(main(sys.argv[2:]))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="3000x2000", help="WxH of the LR photo (default 3000x2000)")
    parser.add_argument("--model", default="edsr-baseline")
    parser.add_argument("--scale", default="4")
    parser.add_argument("--max-memory", default=None, help="passed to keras-sr upscale (default: none)")
    parser.add_argument("--photo", default=None, help="a PNG to upscale instead of the astronaut")
    parser.add_argument("--real-tiles", type=int, default=None,
                        help="memory only: the model on the first and last K tiles, a stand-in on the others")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "photo.png"), os.path.join(tmp, "photo_x.png")
        if args.photo:
            from PIL import Image

            src = args.photo
            with Image.open(src) as img:
                width, height = img.size
        else:
            make_photo(src, width, height)
        command = ["upscale", src, "-o", dst, "--model", args.model,
                   "--scale", args.scale] + (["--max-memory", args.max_memory] if args.max_memory else [])
        command = ([sys.executable, "-c", STAND_IN, str(args.real_tiles)] if args.real_tiles
                   else [sys.executable, "-m", "keras_sr.cli"]) + command
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss * 1024  # KiB on Linux
        chosen = next((line for line in result.stdout.splitlines() if line.startswith("upscaling")), "")
        stand_in = next((line for line in result.stdout.splitlines() if line.startswith("model on")), None)
        flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
        print(json.dumps({
            "size": f"{width}x{height}", "photo": os.path.basename(args.photo) if args.photo else "astronaut",
            "model": args.model, "scale": int(args.scale),
            "max_memory": args.max_memory, "exit": result.returncode, "seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_gib": round(peak / 2**30, 2), "plan": chosen, "real_tiles": stand_in,
            "error": result.stderr.strip()[-300:],
            "cpu": ("avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "other"),
            "cores": os.cpu_count(), "load_before": load_before, "load": os.getloadavg()[0],
            "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%d")}), flush=True)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
