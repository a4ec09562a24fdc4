"""Mean per-channel colour offset of SR outputs against HR (grey levels, 0-255), per model form.

    PYTHONPATH=. python benchmarks/colour_offset.py --images /tmp/split/holdout [--count 8]
        [--models rt4ksr:2,rt4ksr:4] [--forms shipped,training,authors,bicubic] [--shared ../shared]

LR = MATLAB ``imresize(hr, 1/s)`` on uint8 (the evaluation protocol), SR quantized to uint8
like ``keras-sr eval``; the offset is ``mean(SR - HR)`` per RGB channel over all pixels of
all images (border of ``scale`` px shaved). Forms, to locate a deficit:

* ``shipped``: the shipped weights (RT4KSR: deploy form);
* ``training``: RT4KSR's shipped training form (``rt4ksr_xS.training.keras``): is the
  re-parameterization the cause?
* ``authors``: the authors' RT4KSR checkpoint (``../shared/weights/RT4KSR``) through the same
  graph: is it the architecture / graph (PixelUnshuffle order, no mean shift)?
* a ``.weights.h5`` path: that file in the shipped form (e.g. ``colour_bias_fix.py``'s output);
* ``bicubic``: MATLAB bicubic of the LR: is it the LR making?
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def bicubic_predictor(scale):
    from keras_sr.data import matlab_imresize

    return lambda lr: matlab_imresize(lr, float(scale)) / 255.0


def build(preset, scale, form, shared=SHARED):
    import keras

    import keras_sr
    from keras_sr import models
    from keras_sr.weights import WEIGHTS_DIR

    if form == "shipped":
        return keras_sr.from_preset(preset, scale=scale)
    form = form.replace("{scale}", str(scale))
    if form.endswith(".weights.h5"):  # a weights file of the shipped form (e.g. colour_bias_fix.py's)
        from keras_sr import weights

        return keras_sr.from_preset(preset, scale=scale, weights=form, **weights.entry(preset, scale)["build"])
    if form == "training":
        return keras.saving.load_model(WEIGHTS_DIR / f"{preset}_x{scale}.training.keras", compile=False)
    if form == "authors":
        if preset != "rt4ksr":
            raise ValueError(f"no authors' checkpoint for {preset}")
        from keras_sr.convert import load_rt4ksr_torch

        return load_rt4ksr_torch(Path(shared) / "weights" / "RT4KSR" / f"rt4ksr_x{scale}.pth", scale=scale)
    raise ValueError(form)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--images", required=True, help="HR folder (held-out photos)")
    p.add_argument("--count", type=int, default=8, help="first N images in sorted order")
    p.add_argument("--models", default="rt4ksr:2", help="preset:scale,...")
    p.add_argument("--forms", default="shipped,training,authors,bicubic")
    p.add_argument("--json", help="append one JSON line per row here")
    p.add_argument("--shared", default=str(SHARED), help="the shared data folder (authors' weights)")
    args = p.parse_args(argv)
    import keras_sr  # noqa: F401
    from keras_sr.evaluation.colour import colour_offsets, model_predictor
    from keras_sr.data import list_image_files, read_image

    files = sorted(list_image_files(args.images))[:args.count]
    images = [np.asarray(read_image(f))[..., :3] for f in files]
    print(f"{len(images)} images from {args.images}")
    for spec in args.models.split(","):
        preset, scale = spec.split(":")
        scale = int(scale)
        for form in args.forms.split(","):
            if form != "bicubic" and build(preset, scale, "shipped", args.shared).inputs[0].shape[-1] != 3:
                print(f"{preset} x{scale}: not an RGB model, skipped")
                break
            try:
                predict = (bicubic_predictor(scale) if form == "bicubic"
                           else model_predictor(build(preset, scale, form, args.shared)))
            except (FileNotFoundError, OSError, ValueError) as err:
                print(f"{preset} x{scale} {form}: skipped ({err})")
                continue
            per = colour_offsets(predict, images, scale)
            mean = per.mean(axis=0)
            if np.isnan(mean).any():
                continue
            row = {"model": preset, "scale": scale, "form": form, "offset_rgb": [round(float(v), 3) for v in mean],
                   "red_negative_on": f"{int((per[:, 0] < 0).sum())}/{len(per)}", "images": len(per)}
            print(json.dumps(row), flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    sys.exit(main())
