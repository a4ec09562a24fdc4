"""Colour and grey denoising on held-out photos against BM3D, measured in the same run (issue #25, Deliver 3).

    PYTHONPATH=. python benchmarks/colour_denoise.py [--val runs/restoration_data/val] [--every 2] [--crop 256]
        [--sigmas 5,15,25,50] [--json benchmarks/colour_denoise_results.json]

Held-out photos: ``benchmarks/restoration_split.py``'s validation images (never trained on), every
``--every``-th, the centre ``--crop`` px square (BM3D's time). Noise: ``noise:SIGMA`` per RGB channel
(clipped to 8 bits), seed ``5000 + i`` (training drew its noise with TensorFlow's stateless keys).

Colour (PSNR on RGB, no shave): the noisy input; ``keras-sr restore``'s earlier default (the sigma-30
``rednet10-denoise`` on Y, Cb/Cr kept); the same model in opponent colour adapted to the noise level
(:mod:`keras_sr.inference.noise_adapt`), estimated per image (``--noise-level auto``) and given the
true sigma; the blind ``rednet10-denoise-blind`` in opponent colour (:mod:`keras_sr.inference.colour_restore`)
as it is and with its noise range (``keras-sr restore``'s default);
colour BM3D (``bm3d.bm3d_rgb`` given the true sigma). Grey (PSNR on the 8-bit MATLAB Y image with noise
of sigma added to it): the same against ``bm3d.bm3d`` given the true sigma. Then the noise estimate's
error on the whole held-out photos (:func:`keras_sr.data.noise_level.estimate_image_noise_sigma`).
"""

import argparse
import datetime
import json
import os
import sys
import time

import numpy as np


def _u8(x):
    return np.clip(np.floor(np.asarray(x, np.float64) * 255.0 + 0.5), 0, 255).astype(np.uint8)


def crops(val, every, size):
    from keras_sr.data import list_image_files, read_image

    out = []
    for f in list_image_files(val)[::every]:
        img = read_image(f)
        h, w = img.shape[:2]
        if min(h, w) < size:
            continue
        t, l = (h - size) // 2, (w - size) // 2
        out.append((os.path.basename(f), img[t:t + size, l:l + size]))
    return out


def run(val, every, size, sigmas, blind, with_bm3d=True):
    import bm3d

    from keras_sr.data import psnr
    from keras_sr.data.degradations import degrade, y_levels
    from keras_sr.inference import load_predictor, upscale
    from keras_sr.inference.colour_restore import colour_restorer
    from keras_sr.inference.noise_adapt import NOISE_RANGE, noise_adapted

    photos = crops(val, every, size)
    luma = load_predictor("rednet10-denoise", scale=1)
    fixed = NOISE_RANGE["rednet10-denoise"]
    blind_range = NOISE_RANGE["rednet10-denoise-blind"]
    blind_model = load_predictor(blind, scale=1)
    result = {"photos": [n for n, _ in photos], "blind": blind, "colour": {}, "grey": {}, "seconds": {}}
    for sigma in sigmas:
        colour = {"rednet10-denoise on Y (Cb, Cr kept; the earlier default)": luma,
                  "rednet10-denoise, opponent colour, sigma estimated": noise_adapted(luma, fixed, "auto", True),
                  "rednet10-denoise, opponent colour, true sigma": noise_adapted(luma, fixed, sigma, True),
                  "blind, opponent colour, as it is": colour_restorer(blind_model),
                  "blind, opponent colour, sigma estimated (the default)": noise_adapted(blind_model, blind_range,
                                                                                         "auto", True)}
        grey = {"rednet10-denoise as it is": luma,
                "rednet10-denoise, sigma estimated": noise_adapted(luma, fixed, "auto", False),
                "rednet10-denoise, true sigma": noise_adapted(luma, fixed, sigma, False),
                "blind, as it is": blind_model,
                "blind, sigma estimated": noise_adapted(blind_model, blind_range, "auto", False)}
        cells, grey_cells, seconds = {}, {}, {}
        for i, (name, clean) in enumerate(photos):
            noisy = degrade(clean, f"noise:{sigma}", seed=5000 + i)
            outs = {"noisy input": noisy}
            outs.update({label: upscale(p, noisy, border="symmetric") for label, p in colour.items()})
            if with_bm3d:
                start = time.perf_counter()
                outs["CBM3D (bm3d_rgb, true sigma)"] = _u8(bm3d.bm3d_rgb(noisy / 255.0, sigma / 255.0))
                seconds.setdefault("CBM3D", []).append(time.perf_counter() - start)
            for label, out in outs.items():
                cells.setdefault(label, []).append(psnr(out, clean, shave=0, channel="rgb"))
            clean_y = y_levels(clean)
            noisy_y = degrade(clean_y, f"noise:{sigma}", seed=6000 + i)
            gouts = {"noisy input": noisy_y}
            gouts.update({label: upscale(p, noisy_y, border="symmetric") for label, p in grey.items()})
            if with_bm3d:
                gouts["BM3D (true sigma)"] = _u8(bm3d.bm3d(noisy_y[..., 0] / 255.0, sigma / 255.0))[..., None]
            for label, out in gouts.items():
                grey_cells.setdefault(label, []).append(psnr(out.reshape(clean_y.shape), clean_y, shave=0))
        result["colour"][sigma] = {k: float(np.mean(v)) for k, v in cells.items()}
        result["grey"][sigma] = {k: float(np.mean(v)) for k, v in grey_cells.items()}
        result["seconds"][sigma] = {k: float(np.median(v)) for k, v in seconds.items()}
        print(f"sigma {sigma}: colour {json.dumps({k: round(v, 2) for k, v in result['colour'][sigma].items()})}; "
              f"grey {json.dumps({k: round(v, 2) for k, v in result['grey'][sigma].items()})}", flush=True)
    return result


def estimator_error(val, sigmas=(0, 2, 5, 10, 15, 25, 35, 50)):
    """``{sigma: {"colour": (mean abs error, max), "grey": (...)}}`` of the noise estimate on the whole held-out
    photos (colour: ``noise:SIGMA`` per RGB channel, estimated on the chroma channels; grey: on their Y image)."""
    from keras_sr.data import list_image_files, read_image
    from keras_sr.data.degradations import degrade, y_levels
    from keras_sr.data.noise_level import estimate_image_noise_sigma

    out = {}
    for sigma in sigmas:
        colour, grey = [], []
        for i, f in enumerate(list_image_files(val)):
            clean = read_image(f)
            colour.append(estimate_image_noise_sigma(degrade(clean, f"noise:{sigma}", seed=8000 + i)))
            grey.append(estimate_image_noise_sigma(degrade(y_levels(clean), f"noise:{sigma}", seed=8100 + i)))
        out[sigma] = {k: {"mean": float(np.mean(v)), "mean_abs_error": float(np.mean(np.abs(np.subtract(v, sigma)))),
                          "max_abs_error": float(np.max(np.abs(np.subtract(v, sigma))))}
                      for k, v in (("colour", colour), ("grey", grey))}
        print(f"estimate at sigma {sigma}: " + ", ".join(
            f"{k} mean {v['mean']:.2f} (abs error {v['mean_abs_error']:.2f}, max {v['max_abs_error']:.2f})"
            for k, v in out[sigma].items()), flush=True)
    return out


def table(result, kind):
    sigmas = list(result[kind])
    labels = list(result[kind][sigmas[0]])
    lines = ["| " + ("RGB" if kind == "colour" else "grey (Y)") + " | " + " | ".join(f"sigma {s}" for s in sigmas)
             + " |", "|---|" + "---|" * len(sigmas)]
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(f"{result[kind][s][label]:.2f}" for s in sigmas) + " |")
    return "\n".join(lines)


def main(argv=None):
    from keras_sr.utils.machine import cpu_flags

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--val", default="runs/restoration_data/val")
    p.add_argument("--every", type=int, default=2)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--sigmas", default="5,15,25,50")
    p.add_argument("--blind", default="rednet10-denoise-blind",
                   help="the blind grey denoiser: the preset (its shipped weights) or a .keras file")
    p.add_argument("--no-bm3d", action="store_true")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    start = time.time()
    result = run(args.val, args.every, args.crop, [int(s) for s in args.sigmas.split(",")],
                 args.blind, not args.no_bm3d)
    result["estimate"] = estimator_error(args.val)
    result.update(date=str(datetime.datetime.now(datetime.timezone.utc))[:16] + " UTC",
                  machine=f"flags {cpu_flags()}, load {os.getloadavg()[0]:.1f}", minutes=(time.time() - start) / 60)
    print(f"\n{result['date']}, {result['machine']}, {len(result['photos'])} held-out crops of {args.crop} px\n")
    print(table(result, "colour") + "\n\n" + table(result, "grey") + "\n")
    print("| noise sigma | " + " | ".join(str(s) for s in result["estimate"]) + " |")
    print("|---|" + "---|" * len(result["estimate"]))
    for kind in ("colour", "grey"):
        print(f"| estimate, {kind}: mean (mean abs error) | " + " | ".join(
            f"{c[kind]['mean']:.1f} ({c[kind]['mean_abs_error']:.1f})" for c in result["estimate"].values()) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
