"""4K upscaling benchmark: EDSR-baseline x2 on a 1920x1080 LR image -> 3840x2160, tiled vs whole.

Peak memory is the process' peak resident set size (``resource.getrusage``), so run one
mode per process::

    PYTHONPATH=. python benchmarks/upscale_4k.py --mode tiled --tile 256
    PYTHONPATH=. python benchmarks/upscale_4k.py --mode whole

The model runs the weights keras-sr ships for it (memory and time do not depend on their
values; ``--weights FILE`` for others, ``--weights none`` for a preset without shipped ones). The LR image is a real photo (skimage's astronaut)
resized to 1920x1080. Prints one JSON line with the figures; the ones measured for the
README are in ``benchmarks/upscale_4k_results.jsonl`` (2 CPU cores shared with other
TensorFlow jobs; RT4KSR with the authors' x2 checkpoint converted by ``keras_sr.convert``).
"""

import argparse
import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def peak_rss_mib():
    # ru_maxrss is KiB on Linux, bytes on macOS
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("tiled", "whole"), default="tiled")
    parser.add_argument("--tile", type=int, default=256, help="LR tile core size (tiled mode)")
    parser.add_argument("--model", default="edsr-baseline")
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--weights", default=None)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--out", default=None, help="also write the SR image here")
    args = parser.parse_args(argv)

    import keras
    from skimage import data as skdata

    from keras_sr.data import matlab_imresize, write_image
    from keras_sr.inference import load_predictor
    from keras_sr.inference import upscale
    from keras_sr.inference.receptive_field import model_receptive_field

    keras.utils.set_random_seed(0)
    photo = skdata.astronaut()
    lr = matlab_imresize(photo, output_shape=(args.height, args.width))
    predict = load_predictor(args.model, scale=args.scale, weights=args.weights)
    rss_loaded = peak_rss_mib()
    t0 = time.perf_counter()
    overlap = model_receptive_field(predict) if args.mode == "tiled" else None
    t_rf = time.perf_counter() - t0
    t0 = time.perf_counter()
    sr = upscale(predict, lr, tile=args.tile if args.mode == "tiled" else None, overlap=overlap, verbose=1)
    seconds = time.perf_counter() - t0
    if args.out:
        write_image(args.out, sr)
    result = {
        "model": args.model, "scale": args.scale, "mode": args.mode,
        "tile": args.tile if args.mode == "tiled" else None, "overlap": overlap,
        "lr": [args.width, args.height], "sr": [int(sr.shape[1]), int(sr.shape[0])],
        "seconds": round(seconds, 1), "receptive_field_seconds": round(t_rf, 2),
        "peak_rss_mib": round(peak_rss_mib()), "rss_after_model_load_mib": round(rss_loaded),
        "cpus": os.cpu_count(), "weights": args.weights or "random",
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
