"""Outer-band quality of every shipped weight vs MATLAB bicubic, without and with border padding.

For each shipped weight (``keras_sr.weights.shipped()``) and each image (Set5 from
``../shared/data/Set5/HR`` when present, and scikit-image's ``chelsea.png`` photo):
HR modcropped to the scale, LR = MATLAB bicubic ``imresize(hr, 1/s)`` on uint8, then the
8-bit RGB outputs of MATLAB bicubic and of ``keras_sr.upscale`` with ``border=None``
(before: the model sees the image as it is), ``"symmetric"`` and ``"reflect"`` (after).
PSNR (RGB, 8-bit levels) on the outer ``--bands`` pixels of the SR image only (8 and 2 px:
the pixels the benchmark shave removes and a user's photo shows). Set5 figures are the mean
over its 5 images.

    nice -n 19 env PYTHONPATH=. python benchmarks/border_band.py            # table on stdout
    PYTHONPATH=. python benchmarks/border_band.py --quick                   # one photo, x2 only

Measured 2026-11-26 for the README ("Measured": border band).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from keras_sr.utils.machine import cpu_flags

SET5 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "Set5", "HR")
MODES = (None, "symmetric", "reflect")


def band_mask(h, w, band):
    """(h, w) bool: True on the outer ``band`` pixels."""
    mask = np.ones((h, w), bool)
    mask[band:h - band, band:w - band] = False
    return mask


def band_psnr(sr, hr, band):
    """PSNR (dB) of two uint8 images on their outer ``band`` pixels, all channels."""
    mask = band_mask(*hr.shape[:2], band)
    diff = sr[mask].astype(np.float64) - hr[mask].astype(np.float64)
    return float(10 * np.log10(255.0 ** 2 / max(np.mean(diff ** 2), 1e-12)))


def images(quick):
    from keras_sr.data import list_image_files, read_image
    from keras_sr.evaluation.samples import photo_path

    out = []
    if os.path.isdir(SET5) and not quick:
        out.append(("Set5", [read_image(f) for f in list_image_files(SET5)]))
    elif not quick:
        print(f"# {SET5} absent: Set5 skipped", file=sys.stderr)
    out.append(("chelsea", [read_image(photo_path("chelsea.png"))]))
    return out




def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bands", default="8,2", help="band widths in SR pixels (default 8,2)")
    parser.add_argument("--quick", action="store_true", help="chelsea and the x2 weights only")
    parser.add_argument("--only", action="append", metavar="PRESET", help="these presets' weights only (repeat)")
    args = parser.parse_args(argv)

    from keras_sr import weights
    from keras_sr.data import matlab_imresize, modcrop
    from keras_sr.inference import load_predictor
    from keras_sr.inference import upscale
    from keras_sr.inference.receptive_field import model_receptive_field

    bands = [int(b) for b in args.bands.split(",")]
    t0 = time.time()
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores ({cpu_flags()}), "
          "PSNR (dB) RGB 8-bit on the outer band only")
    print("| Weights | Images | r (LR px) | band | bicubic | before (no padding) | symmetric | reflect |")
    print("|---|---|---|---|---|---|---|---|")
    sets = images(args.quick)
    for name, scale in weights.shipped():
        if args.only and name not in args.only:
            continue
        if args.quick and scale != 2:
            continue
        predict = load_predictor(name, scale=scale, weights="default")
        r = model_receptive_field(predict)
        for set_name, hrs in sets:
            rows = {(b, m): [] for b in bands for m in ("bicubic",) + MODES}
            for hr in hrs:
                hr = modcrop(hr, scale)
                lr = matlab_imresize(hr, 1.0 / scale)
                outs = {"bicubic": matlab_imresize(lr, float(scale))}
                outs.update({m: upscale(predict, lr, border=m) for m in MODES})
                for b in bands:
                    for m, out in outs.items():
                        rows[(b, m)].append(band_psnr(out, hr, b))
            for b in bands:
                cells = [f"{np.mean(rows[(b, m)]):.2f}" for m in ("bicubic",) + MODES]
                print(f"| {name} x{scale} | {set_name} | {r} | {b} px | " + " | ".join(cells) + " |", flush=True)
    print(f"# {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
