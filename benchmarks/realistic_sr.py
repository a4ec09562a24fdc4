"""SR on realistic LR: Set5 with ``bicubic+jpeg:Q`` / ``bicubic+noise:S`` LR next to the plain bicubic LR.

    PYTHONPATH=. nice -n 19 python benchmarks/realistic_sr.py [--set5 ../shared/data/Set5/HR]
        [--degradations bicubic,bicubic+jpeg:90,bicubic+noise:5] [--json OUT]

Models, all at x2: the RT4KSR authors' released x2 weights (``../shared/weights/RT4KSR/rt4ksr_x2.pth``
through ``keras_sr.convert.load_rt4ksr_torch``, deploy form; needs ``torch``), keras-sr's shipped
``rt4ksr`` x2 weights, and MATLAB bicubic. The NTIRE 2023 RT4KSR benchmark's LR is bicubic +
JPEG quality 90. Protocol: :func:`keras_sr.evaluate` (Y, shave 2; LR made from the modcropped
HR by the chain, image i with seed i; plain ``bicubic`` is the standard MATLAB protocol).
"""

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set5", default=str(SHARED / "data" / "Set5" / "HR"))
    p.add_argument("--authors", default=str(SHARED / "weights" / "RT4KSR" / "rt4ksr_x2.pth"))
    p.add_argument("--degradations", default="bicubic,bicubic+jpeg:90,bicubic+noise:5")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)

    import keras_sr
    from keras_sr import models, presets

    contenders = []
    if Path(args.authors).is_file():
        from keras_sr.convert import load_rt4ksr_torch
        from keras_sr.models.rt4ksr import reparameterize

        contenders.append(("RT4KSR x2, authors' weights", reparameterize(load_rt4ksr_torch(args.authors, scale=2))))
    else:
        print(f"{args.authors} not found: the authors' row is left out")
    contenders.append(("RT4KSR x2, keras-sr shipped weights", presets.from_preset("rt4ksr", scale=2, weights="default")))
    contenders.append(("bicubic", "bicubic"))
    rows, started = [], time.time()
    specs = args.degradations.split(",")
    for label, model in contenders:
        row = {"model": label}
        for spec in specs:
            d = keras_sr.evaluate(model, args.set5, 2, degradation=None if spec == "bicubic" else spec)
            row[spec] = (round(d["datasets"][0]["psnr"], 2), round(d["datasets"][0]["ssim"], 4))
        rows.append(row)
        print(label, {k: v for k, v in row.items() if k != "model"}, flush=True)
    from keras_sr.utils.machine import cpu_flags

    flags = cpu_flags()
    print(f"\nSet5 x2, Y, shave 2; measured {datetime.date.today()} on {os.cpu_count()} CPU cores ({flags}; "
          f"{platform.machine()}), {time.time() - started:.0f} s\n")
    print("| Model | " + " | ".join(f"`{s}` LR" for s in specs) + " |")
    print("|---|" + "---|" * len(specs))
    for row in rows:
        print(f"| {row['model']} | " + " | ".join(f"{row[s][0]:.2f} / {row[s][1]:.4f}" for s in specs) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps({"date": str(datetime.date.today()), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
