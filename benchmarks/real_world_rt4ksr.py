"""RT4KSR x2 clean vs video-trained on held-out photos and Set5, for the rt4ksr-video card.

Held-out photos: the run's split (``hold_out(T91 + BSD200, 0.07, seed 0)``, 20 whole images the
video run never trained on; the clean RT4KSR x2 trained on all 291, so the split favours it).
Inputs: ``bicubic`` (the clean benchmark LR), ``bicubic+jpeg:90`` (NTIRE 2023 real-time 4K SR) and
``video`` (the training distribution), image i with numpy seed ``SEED + i`` (training used
TensorFlow's stateless keys). PSNR / SSIM on Y, shave 2 (the package's protocol).

    python benchmarks/real_world_rt4ksr.py --model clean=rt4ksr --model video=RUN/checkpoints/best.keras \\
        --data ../shared/data/train/T91 --data ../shared/data/train/BSD200 --set5 ../shared/data/Set5/HR \\
        --json results.json --crops keras_sr/weights/rt4ksr-video_x2_crops.png
"""

import argparse
import datetime
import json
import os
import platform

import numpy as np

SPECS = ("bicubic", "bicubic+jpeg:90", "video")


def table(models, images, specs=SPECS, seed=1000, niqe_spec="bicubic+jpeg:90", scale=2):
    """``{set: {spec: {model or "bicubic": mean PSNR / SSIM (and NIQE of the outputs for
    ``niqe_spec``)}}}`` for ``images`` ``{set: [paths]}`` at ``scale``."""
    from keras_sr.evaluation.niqe import niqe
    from keras_sr.data import read_image
    from keras_sr.evaluation import evaluate_degraded_image
    from keras_sr.inference.loading import load_predictor

    predictors = {name: load_predictor(path, scale=scale) for name, path in models.items()}
    out = {}
    for set_name, files in images.items():
        hrs = [read_image(f) for f in files]
        out[set_name] = {}
        for spec in specs:
            cell = {}
            for name, predict in predictors.items():
                rows = [evaluate_degraded_image(predict, hr, scale, spec, seed=seed + i) for i, hr in enumerate(hrs)]
                cell[name] = {"psnr": float(np.mean([r["psnr"] for r in rows])),
                              "ssim": float(np.mean([r["ssim"] for r in rows]))}
                cell["bicubic"] = {"psnr": float(np.mean([r["psnr_bicubic"] for r in rows])),
                                   "ssim": float(np.mean([r["ssim_bicubic"] for r in rows]))}
                big = [r for r in rows if min(r["images"]["sr"].shape[:2]) >= 96]  # NIQE's 96 px patches
                if spec == niqe_spec and big:
                    cell[name]["niqe"] = float(np.mean([niqe(r["images"]["sr"]) for r in big]))
                    cell["bicubic"]["niqe"] = float(np.mean([niqe(r["images"]["bicubic"]) for r in big]))
                    cell["niqe_images"] = len(big)
            out[set_name][spec] = cell
            print(set_name, spec, {k: round(v["psnr"], 3) for k, v in cell.items() if isinstance(v, dict)}, flush=True)
    return out


def crops(models, hr_file, spec="bicubic+jpeg:90", box=(60, 60, 96), seed=1000, scale=2, zoom=3):
    """uint8 mosaic: degraded input (nearest x``scale``) | bicubic | one column per model | HR, one
    crop enlarged ``zoom`` times."""
    from keras_sr.data import read_image
    from keras_sr.evaluation import evaluate_degraded_image
    from keras_sr.inference.loading import load_predictor

    y, x, size = box
    hr = read_image(hr_file)
    tiles, first = [], None
    for name, path in models.items():
        row = evaluate_degraded_image(load_predictor(path, scale=scale), hr, scale, spec, seed=seed)
        if first is None:
            first = row["images"]
            lr = np.repeat(np.repeat(first["lr"], scale, 0), scale, 1)
            tiles += [lr[y:y + size, x:x + size], first["bicubic"][y:y + size, x:x + size]]
        tiles.append(row["images"]["sr"][y:y + size, x:x + size])
    tiles.append(first["hr"][y:y + size, x:x + size])
    big = [np.repeat(np.repeat(t, zoom, 0), zoom, 1) for t in tiles]
    return np.concatenate([np.pad(t, ((2, 2), (2, 2), (0, 0)), constant_values=255) for t in big], 1)


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        name = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name"))
        flags = "AVX-512" if "avx512f" in text else ("AVX2" if "avx2" in text else "no AVX2")
        return f"{name}, {flags}"
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def card_notes(result, crops_file=None, clean="clean", tuned="video"):
    """Markdown for the card: the table per image set and input, the issue #25 targets."""
    lines = [f"## Clean vs video-trained RT4KSR x2 (Y, shave 2; measured {result['date']}, "
             f"{result['machine']}, load {result['load'][0]:.0f} on the shared 2-core dev machine)", "",
             "| images | input | bicubic | clean rt4ksr | rt4ksr-video | video - clean |",
             "|---|---|---|---|---|---|"]
    for set_name, cells in result["table"].items():
        for spec, cell in cells.items():
            gap = cell[tuned]["psnr"] - cell[clean]["psnr"]
            lines.append(f"| {set_name} | `{spec}` | {cell['bicubic']['psnr']:.2f} | {cell[clean]['psnr']:.2f} | "
                         f"{cell[tuned]['psnr']:.2f} | {gap:+.2f} dB |")
    held = next(iter(result["table"].values()))
    jpeg = held["bicubic+jpeg:90"][tuned]["psnr"] - held["bicubic+jpeg:90"][clean]["psnr"]
    plain = held["bicubic"][tuned]["psnr"] - held["bicubic"][clean]["psnr"]
    lines += ["", "Targets (issue #25, on the held-out photos): "
              f"`bicubic+jpeg:90` ≥ +1.0 dB over the clean model: {jpeg:+.2f} dB, "
              f"{'met' if jpeg >= 1.0 else 'NOT met'}; clean `bicubic` inputs lose ≤ 0.3 dB: {plain:+.2f} dB, "
              f"{'met' if plain >= -0.3 else 'NOT met'}."]
    niqe_cell = held.get("bicubic+jpeg:90", {})
    if "niqe" in niqe_cell.get(tuned, {}):
        lines += ["", f"NIQE of the outputs on `bicubic+jpeg:90` held-out inputs ({niqe_cell['niqe_images']} images of "
                  "at least 96 px; keras-sr's pristine model, lower "
                  f"is better): bicubic {niqe_cell['bicubic']['niqe']:.2f}, clean {niqe_cell[clean]['niqe']:.2f}, "
                  f"video {niqe_cell[tuned]['niqe']:.2f}."]
    if crops_file:
        lines += ["", f"![JPEG-90 LR | bicubic | clean | video | HR]({crops_file})", "",
                  "*A held-out photo, `bicubic+jpeg:90` input (seed 1000): LR (nearest x2) | bicubic | clean "
                  "rt4ksr | rt4ksr-video | HR, enlarged x3.*"]
    return "\n".join(lines) + "\n"


def run(description, specs, card, scale=2, niqe_spec="bicubic+jpeg:90", crop_options=lambda path, scale: {},
        argv=None, scale_option=False):
    """The command line of this script and of ``real_world_edsr.py``: measure ``--model`` NAME=PATH models on
    the held-out split (and ``--set5``) for ``specs`` at ``scale`` (``scale_option``: a ``--scale`` option,
    default ``scale``); write ``--json``, ``--crops`` (the first held-out photo, ``crops(..., **crop_options(path,
    scale))``) and ``--notes`` (``card(result, crops file name)``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--model", action="append", required=True, metavar="NAME=PATH")
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--set5", default=None)
    parser.add_argument("--val-split", type=float, default=0.07)
    parser.add_argument("--json", default=None)
    parser.add_argument("--crops", default=None)
    parser.add_argument("--notes", default=None, help="write the card's Markdown here")
    parser.add_argument("--specs", default=",".join(specs), help="comma-separated input degradations")
    if scale_option:
        parser.add_argument("--scale", type=int, default=scale)
    args = parser.parse_args(argv)
    scale = getattr(args, "scale", scale)
    from keras_sr.data import hold_out, list_image_files

    models = dict(m.split("=", 1) for m in args.model)
    _, held = hold_out(args.data, args.val_split, 0)
    images = {f"held-out ({len(held)})": held}
    if args.set5:
        images["Set5"] = list_image_files(args.set5)
    result = {"date": str(datetime.date.today()), "machine": _cpu(), "load": os.getloadavg(), "models": models,
              "scale": scale,
              "table": table(models, images, args.specs.split(","), niqe_spec=niqe_spec, scale=scale)}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.crops:
        from PIL import Image

        Image.fromarray(crops(models, held[0], **crop_options(held[0], scale))).save(args.crops)
        print(f"wrote {args.crops} (columns: degraded LR | bicubic | {' | '.join(models)} | HR; {held[0]})")
    if args.notes:
        with open(args.notes, "w") as f:
            f.write(card(result, os.path.basename(args.crops) if args.crops else None))
        print(f"wrote {args.notes}")


def main():
    run(__doc__.splitlines()[0], SPECS, card_notes)


if __name__ == "__main__":
    main()
