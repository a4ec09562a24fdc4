"""RED-Net vs BM3D vs the noisy input at sigma 10 / 30 / 50 / 70 (the RED-Net paper's Table 2 levels).

    PYTHONPATH=. nice -n 19 python benchmarks/denoise_table.py [--model rednet10-denoise] [--weights default]
        [--set5 ../shared/data/Set5/HR] [--crop 128] [--sigmas 10,30,50,70] [--json OUT.json]

Images: Set5 (when ../shared is there) and photos scikit-image ships (camera, astronaut, coffee,
chelsea; none is in T91/BSD200), all on the rounded 8-bit MATLAB Y (grey, as the paper), each
a centre crop of ``--crop`` px (BM3D takes ~15 s per 256 px image on the shared 2-core CPU;
``--crop 0`` keeps whole images). Noise: ``keras_sr.data.degrade(y, "noise:S", seed=i)``
(Gaussian, clipped and rounded to 8 bits); BM3D gets the true sigma. PSNR on all pixels
(shave 0). The model is applied as it is at every sigma: keras-sr's shipped denoiser was
trained at sigma 30 only, so the other columns show how it does outside its training level
(the paper trains one RED-Net per level).
"""

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path

from keras_sr.utils.machine import cpu_flags

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PHOTOS = ("camera", "astronaut", "coffee", "chelsea")




def centre(img, crop):
    if not crop:
        return img
    h, w = img.shape[:2]
    top, left = max(0, (h - crop) // 2), max(0, (w - crop) // 2)
    return img[top:top + crop, left:left + crop]


def image_sets(set5, crop):
    """{set name: [(name, uint8 Y (H, W, 1))]}."""
    import numpy as np
    from skimage import data as skdata

    from keras_sr.data import list_image_files, read_image, y_levels

    sets = {}
    if set5 and Path(set5).is_dir():
        sets["Set5"] = [(Path(f).stem, centre(y_levels(read_image(f)), crop)) for f in list_image_files(set5)]
    photos = []
    for name in PHOTOS:
        img = getattr(skdata, name)()
        y = img[..., None].astype(np.uint8) if img.ndim == 2 else y_levels(img)
        photos.append((name, centre(y, crop)))
    sets["skimage photos"] = photos
    return sets


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rednet10-denoise", help="preset or a scale-1 Y .keras file")
    p.add_argument("--weights", default="default", help="'default' (shipped) or a file, for a preset")
    p.add_argument("--set5", default=str(SHARED / "Set5" / "HR"))
    p.add_argument("--crop", type=int, default=128, help="centre crop side in px (0 = whole images)")
    p.add_argument("--sigmas", default="10,30,50,70")
    p.add_argument("--json", default=None)
    p.add_argument("--baselines-from", default=None, metavar="JSON",
                   help="take the noisy and BM3D columns from an earlier --json of the same images, crop and "
                        "seeds (they do not depend on the model): only the model is run")
    args = p.parse_args(argv)

    import numpy as np

    from keras_sr.evaluation.baselines import bm3d_denoise
    from keras_sr.data import degrade, psnr
    from keras_sr.inference import load_predictor

    model_path = args.model.endswith(".keras") or os.sep in args.model
    predict = load_predictor(args.model, scale=1, weights=None if model_path else args.weights)
    if predict.channels != 1 or predict.scale != 1:
        raise SystemExit(f"{args.model}: need a scale-1 Y-channel model")
    sigmas = [float(s) for s in args.sigmas.split(",")]
    sets = image_sets(args.set5, args.crop)
    earlier = {}
    if args.baselines_from:
        saved = json.loads(Path(args.baselines_from).read_text())
        if saved["crop"] != args.crop:
            raise SystemExit(f"--baselines-from {args.baselines_from} has crop {saved['crop']}, not {args.crop}")
        earlier = {(r["set"], r["sigma"], r["images"]): r for r in saved["rows"]}
    rows, started = [], time.time()
    for set_name, images in sets.items():
        for sigma in sigmas:
            per = {"noisy": [], "bm3d": [], "model": []}
            known = earlier.get((set_name, sigma, len(images)))
            for i, (_, clean) in enumerate(images):
                noisy = degrade(clean, f"noise:{sigma:g}", seed=i)
                out = np.asarray(predict(noisy.astype("float32") / 255.0))
                per["model"].append(psnr(out, clean, 1, 0))
                if known is None:
                    per["noisy"].append(psnr(noisy, clean, 1, 0))
                    per["bm3d"].append(psnr(bm3d_denoise(noisy, sigma), clean, 1, 0))
            row = {"set": set_name, "sigma": sigma, "images": len(images),
                   **{k: float(np.mean(v)) for k, v in per.items() if v}}
            if known is not None:
                row.update(noisy=known["noisy"], bm3d=known["bm3d"])
            rows.append(row)
            print(f"{set_name:15s} sigma {sigma:4g}: noisy {row['noisy']:.2f}  BM3D {row['bm3d']:.2f}  "
                  f"{predict.name} {row['model']:.2f} dB", flush=True)
    today = datetime.date.today().isoformat()
    print(f"\nMeasured {today} on {platform.node() or 'this machine'}: {os.cpu_count()} CPU cores "
          f"(flags: {cpu_flags()}), {time.time() - started:.0f} s; Y channel, crops {args.crop or 'whole'} px, "
          f"shave 0, seed i for image i.\n")
    print(f"| images | sigma | noisy | BM3D | {predict.name} |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['set']} ({r['images']}) | {r['sigma']:g} | {r['noisy']:.2f} | {r['bm3d']:.2f} | {r['model']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"date": today, "crop": args.crop, "model": predict.name,
                                               "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
