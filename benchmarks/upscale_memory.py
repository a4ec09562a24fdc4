"""Peak memory and time of ``keras-sr upscale`` on a large photo with no flags (tiles chosen by memory).

    nice -n 10 python benchmarks/upscale_memory.py                  # 3000x2000, edsr-baseline x4
    python benchmarks/upscale_memory.py --size 2000x1500 --max-memory 2G

The photo is scikit-image's astronaut resized (MATLAB bicubic) to the size asked, plus a little
noise, saved as PNG. The command runs in a fresh process; its peak RSS is that child's
``ru_maxrss`` (what ``/usr/bin/time -v`` reports). Prints one JSON line. Figures in
docs/robustness.md (2026-12-07).
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="3000x2000", help="WxH of the LR photo (default 3000x2000)")
    parser.add_argument("--model", default="edsr-baseline")
    parser.add_argument("--scale", default="4")
    parser.add_argument("--max-memory", default=None, help="passed to keras-sr upscale (default: none)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "photo.png"), os.path.join(tmp, "photo_x.png")
        make_photo(src, width, height)
        command = [sys.executable, "-m", "keras_sr.cli", "upscale", src, "-o", dst, "--model", args.model,
                   "--scale", args.scale] + (["--max-memory", args.max_memory] if args.max_memory else [])
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
        chosen = next((line for line in result.stdout.splitlines() if line.startswith("upscaling")), "")
        flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
        print(json.dumps({
            "size": f"{width}x{height}", "model": args.model, "scale": int(args.scale),
            "max_memory": args.max_memory, "exit": result.returncode, "seconds": round(seconds, 1),
            "peak_rss_gib": round(peak / 2**30, 2), "plan": chosen, "error": result.stderr.strip()[-300:],
            "cpu": ("avx512" if "avx512f" in flags else "avx2" if "avx2" in flags else "other"),
            "cores": os.cpu_count(), "load": os.getloadavg()[0], "machine": platform.machine(),
            "date": time.strftime("%Y-%m-%d")}), flush=True)
        return result.returncode


if __name__ == "__main__":
    sys.exit(main())
