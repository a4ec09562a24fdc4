"""Which model `keras-sr upscale photo.jpg` runs by default: every shipped RGB x2 candidate on held-out
photos with realistic inputs (JPEG, noise, blur), its loss on clean inputs, and its time (issue #25,
Deliver 5).

    PYTHONPATH=. python benchmarks/default_upscaler.py --model rt4ksr=rt4ksr \\
        --model edsr-baseline=edsr-baseline --model edsr-baseline-real=edsr-baseline-real \\
        --data ../shared/data/train/T91 --data ../shared/data/train/BSD200 --set5 ../shared/data/Set5/HR \\
        --json benchmarks/default_upscaler_results.json

Held-out photos: ``hold_out(T91 + BSD200, 0.07, seed 0)``, the 20 whole images the real-photo runs
never trained on (the clean models trained on all 291: the split favours them). Input of image i:
numpy seed ``1000 + i`` (training drew with TensorFlow's stateless keys). The default is the model
with the best mean PSNR-Y (shave 2) over the REALISTIC specs on the held-out photos; ``bicubic``
(clean) and Set5 are reported, not used to choose. Time: one 640x427 input (the size of the Quick
start's JPEG, scikit-image's rocket), median of 3 after a warm-up, on this CPU.
"""

import argparse
import datetime
import json
import os
import statistics
import time

import numpy as np

REALISTIC = ("bicubic+jpeg:90", "bicubic+noise:5+jpeg:70", "blur:1.0+bicubic+noise:3+jpeg:80")
SPECS = REALISTIC + ("bicubic",)


def seconds_per_image(predictor, shape=(427, 640, 3), repeats=3):
    """Median wall seconds of ``keras_sr.inference.upscale`` on one ``shape`` uint8 image."""
    from keras_sr.inference import upscale

    image = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    upscale(predictor, image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        upscale(predictor, image)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    from real_world_rt4ksr import table
    from keras_sr.data import hold_out, list_image_files
    from keras_sr.inference import load_predictor
    from keras_sr.utils.machine import cpu_flags

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", required=True, metavar="NAME=PRESET_OR_FILE")
    p.add_argument("--data", action="append", required=True)
    p.add_argument("--set5", default=None)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    models = dict(m.split("=", 1) for m in args.model)
    _, held = hold_out(args.data, 0.07, 0)
    images = {f"held-out ({len(held)})": held}
    if args.set5:
        images["Set5"] = list_image_files(args.set5)
    result = {"date": str(datetime.datetime.now(datetime.timezone.utc))[:16] + " UTC",
              "machine": f"2 cores, flags {cpu_flags()}", "load": os.getloadavg(), "models": models,
              "table": table(models, images, SPECS, niqe_spec=None, scale=2)}
    result["seconds_640x427"] = {name: seconds_per_image(load_predictor(path, scale=2)) for name, path in models.items()}
    result["load_after"] = os.getloadavg()
    held_cells = result["table"][f"held-out ({len(held)})"]
    realistic = {name: float(np.mean([held_cells[s][name]["psnr"] for s in REALISTIC])) for name in models}
    result["realistic_mean"] = realistic
    result["default"] = max(realistic, key=realistic.get)
    print(f"\n{result['date']}, {result['machine']}, load {result['load'][0]:.1f} -> {result['load_after'][0]:.1f}\n")
    names = list(models)
    print("| images | input | bicubic | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    for set_name, cells in result["table"].items():
        for spec, cell in cells.items():
            print(f"| {set_name} | `{spec}` | {cell['bicubic']['psnr']:.2f} | "
                  + " | ".join(f"{cell[n]['psnr']:.2f}" for n in names) + " |")
    print("| held-out | mean of the realistic inputs | | " + " | ".join(f"**{realistic[n]:.2f}**" for n in names) + " |")
    print("| | seconds for a 640x427 photo | | " + " | ".join(f"{result['seconds_640x427'][n]:.2f}" for n in names) + " |")
    print(f"\ndefault by the realistic mean: {result['default']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
