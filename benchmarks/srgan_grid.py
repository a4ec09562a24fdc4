"""SRGAN ×4's pixel-phase grid, colour and texture against SRResNet and HR on held-out photos (issue #28).

    PYTHONPATH=. python benchmarks/srgan_grid.py --images runs/split/holdout [--count 29]
        [--candidate NAME=FILE ...] [--json benchmarks/srgan_grid_results.json]

``--images``: the held-out split of the training photos (``benchmarks/holdout_split.py``, the
split ``--val-split 0.1`` seed 0 trains without), the first ``--count`` whole images (modcrop 4).
Per model (shipped SRResNet and SRGAN; each ``--candidate`` is an SRGAN generator: a
``.weights.h5`` of the shipped form or a run's ``.keras``):

* grid: :func:`keras_sr.evaluation.grid.phase_grid` on the flattest 30 % of each HR crop, SR
  against HR (mean over crops; target ≤ 2× HR's);
* flat-input grid: the grid of the output for a uniform mid-grey LR (the generator's own
  pattern, with no image content to hide or cause it);
* colour offset R/G/B against HR (grey levels; target within ±0.3);
* PSNR-Y and texture ratio (:func:`keras_sr.data.texture_ratio`; 1 = HR's fine detail; SRGAN
  must stay nearer 1 than SRResNet).
"""

import argparse
import datetime
import json
import os
import platform
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SCALE = 4


def load(spec):
    import keras

    import keras_sr

    if spec in ("srresnet", "srgan"):
        return keras_sr.from_preset(spec, scale=SCALE)
    if spec.endswith(".keras"):
        model = keras.saving.load_model(spec, compile=False)
        return getattr(model, "generator", model)
    return keras_sr.from_preset("srgan", scale=SCALE, weights=spec)


def measure(model, crops):
    import numpy as np

    from keras_sr.data import matlab_imresize, psnr_y, texture_ratio
    from keras_sr.evaluation.colour import colour_offsets, model_predictor
    from keras_sr.evaluation.grid import grid_against_hr, phase_grid

    predict = model_predictor(model)
    sr_grid, hr_grid, psnrs, textures = [], [], [], []
    for hr in crops:
        sr = predict(matlab_imresize(hr, 1.0 / SCALE))
        a, b = grid_against_hr(sr, hr / 255.0, SCALE)
        sr_grid.append(a)
        hr_grid.append(b)
        psnrs.append(psnr_y(sr, hr / 255.0, SCALE))
        textures.append(texture_ratio(sr, hr / 255.0, SCALE))
    flat = predict(np.full((24, 24, 3), 118, np.uint8))[SCALE * 4:-SCALE * 4, SCALE * 4:-SCALE * 4]
    return {
        "grid_levels": float(np.mean(sr_grid)), "hr_grid_levels": float(np.mean(hr_grid)),
        "grid_ratio": float(np.mean(sr_grid) / np.mean(hr_grid)),
        "flat_input_grid_levels": phase_grid(flat, SCALE),
        "colour_offset_rgb": [round(float(v), 3) for v in colour_offsets(predict, crops, SCALE).mean(axis=0)],
        "psnr_y": float(np.mean(psnrs)), "texture_ratio": float(np.mean(textures)),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", required=True)
    parser.add_argument("--count", type=int, default=29)
    parser.add_argument("--candidate", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("--json")
    args = parser.parse_args(argv)

    from keras_sr.data import list_image_files, modcrop
    from keras_sr.export.images import load_rgb

    files = list_image_files(args.images)[: args.count]
    crops = [modcrop(load_rgb(f), SCALE) for f in files]
    models = {"srresnet": "srresnet", "srgan": "srgan"}
    models.update(dict(c.split("=", 1) for c in args.candidate))
    flags = sorted({f for line in open("/proc/cpuinfo") if line.startswith("flags")
                    for f in line.split() if f in ("avx2", "avx512f", "avx512_vnni", "amx_tile")})
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
              "machine": f"{platform.processor() or platform.machine()} {os.cpu_count()} cores {' '.join(flags)}",
              "load": os.getloadavg()[0], "images": args.images, "count": len(crops), "models": {}}
    print(f"{len(crops)} held-out images of {args.images}; load {result['load']:.1f}")
    print("| model | grid (levels, flat regions) | / HR's | flat-input grid | colour R/G/B | PSNR-Y | texture |")
    print("|---|---|---|---|---|---|---|")
    for name, spec in models.items():
        m = measure(load(spec), crops)
        result["models"][name] = dict(m, source=spec)
        print(f"| {name} | {m['grid_levels']:.2f} (HR {m['hr_grid_levels']:.2f}) | {m['grid_ratio']:.2f}x | "
              f"{m['flat_input_grid_levels']:.2f} | {' / '.join(f'{v:+.2f}' for v in m['colour_offset_rgb'])} | "
              f"{m['psnr_y']:.2f} dB | {m['texture_ratio']:.3f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
