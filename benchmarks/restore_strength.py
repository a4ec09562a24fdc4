"""Which ``keras-sr restore --strength`` suits which noise level: rednet10-denoise (trained at sigma 30)
on held-out photos with lighter and heavier noise (issue #25: let the user steer the restoration).

    PYTHONPATH=. python benchmarks/restore_strength.py [--val runs/restoration_data/val] [--set5 ../shared/data/Set5/HR]

Held-out photos: the 29 images ``benchmarks/restoration_split.py`` keeps out of the shipped model's
training (every 10th of T91 + BSD200). Each is made grey (rounded 8-bit MATLAB Y, the model's input),
``noise:SIGMA`` is added with seed ``2000 + i`` (training drew its noise with TensorFlow's stateless
keys), the model runs once, and its output is blended with the noisy input at each strength
(:func:`keras_sr.inference.strength.with_strength`, rounded to 8 bits). PSNR on Y, no shave.
The best strength per sigma is chosen on the held-out photos; Set5 is only reported with it.
"""

import argparse
import datetime
import json
import os
import sys

import numpy as np

SIGMAS = (5, 10, 15, 20, 25, 30, 40, 50)
STRENGTHS = tuple(round(0.1 * k, 1) for k in range(1, 11))


def table(predict, files, sigmas=SIGMAS, strengths=STRENGTHS, seed=2000):
    """``{sigma: {strength: mean PSNR}}`` (and ``"input"``: the noisy input's) over ``files``."""
    from keras_sr.data import psnr, read_image
    from keras_sr.data.degradations import degrade, y_levels

    out = {}
    for sigma in sigmas:
        rows = []
        for i, f in enumerate(files):
            clean = y_levels(read_image(f))
            noisy = degrade(clean, f"noise:{sigma}", seed=seed + i)
            x = noisy.astype(np.float32) / 255.0
            restored = np.asarray(predict(x), np.float64)
            row = {"input": psnr(noisy, clean, shave=0)}
            for s in strengths:
                blended = x + s * (restored - x)
                row[s] = psnr(np.clip(np.round(blended * 255.0), 0, 255).astype(np.uint8), clean, shave=0)
            rows.append(row)
        out[sigma] = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
        best = max(strengths, key=lambda s: out[sigma][s])
        print(f"sigma {sigma}: input {out[sigma]['input']:.2f}, strength 1 {out[sigma][1.0]:.2f}, "
              f"best {best} {out[sigma][best]:.2f}", flush=True)
    return out


def main(argv=None):
    from keras_sr.utils.machine import cpu_flags

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--val", default="runs/restoration_data/val")
    p.add_argument("--set5", default=None)
    p.add_argument("--model", default="rednet10-denoise")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    from keras_sr.data import list_image_files
    from keras_sr.inference import load_predictor

    predict = load_predictor(args.model, scale=1)
    result = {"date": str(datetime.datetime.now(datetime.timezone.utc))[:16] + " UTC", "machine": f"flags {cpu_flags()}, load {os.getloadavg()[0]:.1f}",
              "model": args.model, "held_out": table(predict, list_image_files(args.val))}
    best = {sigma: max(STRENGTHS, key=lambda s: cells[s]) for sigma, cells in result["held_out"].items()}
    result["best"] = best
    if args.set5:
        result["set5"] = {sigma: table(predict, list_image_files(args.set5), (sigma,), (1.0, best[sigma]))[sigma]
                          for sigma in SIGMAS}
    print(f"\n{result['date']}, {result['machine']}\n")
    print("| sigma | noisy input | strength 1 | best strength (held-out) | PSNR with it | gain |"
          + (" Set5: strength 1 | Set5: best |" if args.set5 else ""))
    print("|---|---|---|---|---|---|" + ("---|---|" if args.set5 else ""))
    for sigma, cells in result["held_out"].items():
        s = best[sigma]
        line = (f"| {sigma} | {cells['input']:.2f} | {cells[1.0]:.2f} | {s} | {cells[s]:.2f} | "
                f"{cells[s] - cells[1.0]:+.2f} dB |")
        if args.set5:
            c = result["set5"][sigma]
            line += f" {c[1.0]:.2f} | {c[s]:.2f} |"
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
