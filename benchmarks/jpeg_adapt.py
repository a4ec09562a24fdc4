"""JPEG deblocking of colour photos at each photo's quality (issue #25, Deliver 3): choose the table on
training crops, measure on held-out photos.

    PYTHONPATH=. python benchmarks/jpeg_adapt.py --calibrate [--data runs/restoration_data/train] [--every 11]
    PYTHONPATH=. python benchmarks/jpeg_adapt.py [--val runs/restoration_data/val] [--every 1]
        [--qualities 10,15,20,30,40,50,60,70,80,90,95] [--json benchmarks/jpeg_adapt_results.json]
        [--figure docs/images/jpeg_deblock.png]

Photos: ``benchmarks/restoration_split.py``'s folders; the centre 256 px square of every ``--every``-th.
JPEG: PIL at quality q with its default 4:2:0 chroma, seed ``7000 + i`` (calibration) or ``9000 + i``
(held-out; the degradation is deterministic, the seed names the draw). PSNR on RGB, no shave.

``--calibrate`` (training crops): per quality, the median chroma / luma blockiness
(:mod:`keras_sr.data.jpeg_level`) and the best opponent-channel strength x chroma guided-filter radius
and the best strength on Y alone for ``rednet10-deblock``: the tables of
:data:`keras_sr.data.jpeg_level.QUALITY_BY_BLOCKINESS` and
:data:`keras_sr.inference.jpeg_adapt.DEBLOCK_BY_QUALITY`; then, with those tables, the gain of "auto" at the
estimated quality + a margin (:data:`keras_sr.inference.jpeg_adapt.AUTO_MARGIN`).

Held-out: the JPEG input; ``rednet10-deblock`` on Y (Cb, Cr kept; the RED-Net paper's way); in the
opponent channels as it is (``keras-sr restore``'s way before this); adapted with the quality given
and estimated (``--jpeg-quality Q|auto``, the default now); and the estimate's error.
"""

import argparse
import datetime
import json
import os
import platform

import numpy as np

STRENGTHS = (0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1.0)
RADII = (0, 1, 2, 3, 4, 6, 8)


def crops(folder, every, size=256):
    from keras_sr.data import list_image_files, read_image

    out = []
    for f in list_image_files(folder)[::every]:
        img = read_image(f)
        h, w = img.shape[:2]
        if min(h, w) < size or img.ndim != 3:
            continue
        t, l = (h - size) // 2, (w - size) // 2
        out.append(img[t:t + size, l:l + size, :3])
    return out


def _guided_chroma(rgb, radius):
    from keras_sr.data.color import rgb_to_ycbcr, ycbcr_to_rgb
    from keras_sr.data.guided_filter import guided_filter
    from keras_sr.inference.jpeg_adapt import GUIDE_EPS

    if radius == 0:
        return rgb
    ycc = rgb_to_ycbcr(rgb)
    for c in (1, 2):
        ycc[..., c] = guided_filter(ycc[..., 0], ycc[..., c], radius, GUIDE_EPS)
    return ycbcr_to_rgb(ycc)


def calibrate(photos, qualities):
    from keras_sr.data import psnr
    from keras_sr.data.degradations import degrade, y_levels
    from keras_sr.data.jpeg_level import chroma_blockiness, luma_blockiness
    from keras_sr.inference import load_predictor
    from keras_sr.inference.colour_restore import colour_restorer

    grey = load_predictor("rednet10-deblock", scale=1)
    opponent = colour_restorer(grey)
    rows = []
    for q in qualities:
        rgb_scores, y_scores, cb, lb = {}, {}, [], []
        for i, hr in enumerate(photos):
            x = degrade(hr, f"jpeg:{q}", seed=7000 + i) / 255.0
            cb.append(chroma_blockiness(x))
            y_hr = y_levels(hr)
            y_x = degrade(y_hr, f"jpeg:{q}", seed=7000 + i) / 255.0
            lb.append(luma_blockiness(y_x))
            restored = np.asarray(opponent(x), np.float64)
            for s in STRENGTHS:
                blended = x + s * (restored - x)
                for r in RADII:
                    out = np.clip(_guided_chroma(blended, r), 0, 1)
                    rgb_scores.setdefault((s, r), []).append(psnr(out, hr / 255.0))
            y_out = np.asarray(grey(y_x), np.float64)
            for s in STRENGTHS:
                y_scores.setdefault(s, []).append(psnr(np.clip(y_x + s * (y_out - y_x), 0, 1), y_hr / 255.0))
        s_rgb, r_rgb = max(rgb_scores, key=lambda k: np.mean(rgb_scores[k]))
        s_y = max(y_scores, key=lambda k: np.mean(y_scores[k]))
        row = dict(quality=q, chroma_blockiness=float(np.median(cb)), luma_blockiness=float(np.median(lb)),
                   strength=s_rgb, radius=r_rgb, y_strength=s_y,
                   jpeg=float(np.mean(rgb_scores[(0.0, 0)])), opponent=float(np.mean(rgb_scores[(1.0, 0)])),
                   best=float(np.mean(rgb_scores[(s_rgb, r_rgb)])))
        rows.append(row)
        print(f"q{q}: blockiness chroma {row['chroma_blockiness']:.2f} luma {row['luma_blockiness']:.3f}; RGB jpeg "
              f"{row['jpeg']:.2f} opponent {row['opponent']:.2f} best strength {s_rgb} radius {r_rgb} {row['best']:.2f}; "
              f"Y best strength {s_y}", flush=True)
    return rows


def margins(photos, qualities, choices=(0, 3, 5, 8, 10)):
    """Mean RGB PSNR gain over the JPEG input of the adapted deblocker at the estimated quality + each margin
    (with the package's tables): :data:`keras_sr.inference.jpeg_adapt.AUTO_MARGIN`."""
    from keras_sr.data import psnr
    from keras_sr.data.degradations import degrade
    from keras_sr.data.jpeg_level import estimate_jpeg_quality
    from keras_sr.inference import load_predictor
    from keras_sr.inference.colour_restore import colour_restorer
    from keras_sr.inference.jpeg_adapt import settings_for

    opponent = colour_restorer(load_predictor("rednet10-deblock", scale=1))
    gains = {}
    for q in qualities:
        for i, hr in enumerate(photos):
            x = degrade(hr, f"jpeg:{q}", seed=7000 + i) / 255.0
            restored, estimate = np.asarray(opponent(x), np.float64), estimate_jpeg_quality(x)
            for m in choices:
                s, r, _ = settings_for(estimate + m)
                out = np.clip(_guided_chroma(x + s * (restored - x), r), 0, 1)
                gains.setdefault((q, m), []).append(psnr(out, hr / 255.0) - psnr(x, hr / 255.0))
    table = {m: [float(np.mean(gains[(q, m)])) for q in qualities] for m in choices}
    for m, row in table.items():
        print(f"margin {m}: gain by quality " + " ".join(f"{q}:{g:+.2f}" for q, g in zip(qualities, row))
              + f"; mean {np.mean(row):+.3f}, worst {min(row):+.3f}", flush=True)
    return {str(m): row for m, row in table.items()}


def evaluate(photos, qualities):
    from keras_sr.data import psnr
    from keras_sr.data.color import rgb_to_ycbcr, ycbcr_to_rgb
    from keras_sr.data.degradations import degrade
    from keras_sr.data.jpeg_level import estimate_jpeg_quality
    from keras_sr.inference import load_predictor
    from keras_sr.inference.colour_restore import colour_restorer
    from keras_sr.inference.jpeg_adapt import jpeg_adapted

    grey = load_predictor("rednet10-deblock", scale=1)
    opponent = colour_restorer(grey)
    auto = jpeg_adapted(grey, "auto")
    rows = []
    for q in qualities:
        given = jpeg_adapted(grey, q)
        scores, estimates = {}, []
        for i, hr in enumerate(photos):
            x = degrade(hr, f"jpeg:{q}", seed=9000 + i) / 255.0
            h = hr / 255.0
            ycc = rgb_to_ycbcr(x)
            ycc[..., :1] = grey(ycc[..., :1].astype(np.float32))
            outs = {"jpeg": x, "y_only": ycbcr_to_rgb(ycc), "opponent": opponent(x),
                    "adapted_given": given.for_image(x)(x), "adapted_auto": auto.for_image(x)(x)}
            for name, out in outs.items():
                scores.setdefault(name, []).append(psnr(np.clip(np.asarray(out, np.float64), 0, 1), h))
            estimates.append(estimate_jpeg_quality(x))
        row = {name: float(np.mean(v)) for name, v in scores.items()}
        row.update(quality=q, estimate_mean=float(np.mean(estimates)),
                   estimate_abs_error=float(np.mean(np.abs(np.array(estimates) - q))))
        rows.append(row)
        print(f"| {q} | {row['jpeg']:.2f} | {row['y_only']:.2f} | {row['opponent']:.2f} | {row['adapted_given']:.2f} "
              f"| **{row['adapted_auto']:.2f}** ({row['adapted_auto'] - row['jpeg']:+.2f}) | {row['estimate_mean']:.0f} "
              f"({row['estimate_abs_error']:.0f}) |", flush=True)
    return rows


def figure(photos, path, qualities=(15, 90), zoom=2):
    """Rows: the 2 most colourful crops at each quality; columns: JPEG | opponent, as it is | adapted
    (``restore``'s default) | original; the centre 96 px of each crop, ``zoom``× nearest-neighbour."""
    from PIL import Image

    from keras_sr.data.degradations import degrade
    from keras_sr.inference import load_predictor, upscale
    from keras_sr.inference.colour_restore import colour_restorer
    from keras_sr.inference.jpeg_adapt import jpeg_adapted

    grey = load_predictor("rednet10-deblock", scale=1)
    auto, plain = jpeg_adapted(grey, "auto"), colour_restorer(grey)
    colourful = np.argsort([np.std(p.astype(float) - p.mean(-1, keepdims=True)) for p in photos])[-2:]
    rows, c = [], slice(80, 176)
    for q in qualities:
        for i in colourful:
            x = degrade(photos[i], f"jpeg:{q}", seed=9000 + int(i)) / 255.0
            tiles = [x, np.clip(plain(x), 0, 1), np.clip(upscale(auto, x), 0, 1), photos[i] / 255.0]
            rows.append(np.concatenate([np.kron(t[c, c], np.ones((zoom, zoom, 1))) for t in tiles], axis=1))
    Image.fromarray((np.concatenate(rows, 0) * 255 + 0.5).astype(np.uint8)).save(path)
    print(f"wrote {path}: rows quality {', '.join(map(str, qualities))} (2 crops each); columns JPEG | opponent, "
          "as it is | adapted | original")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--data", default="runs/restoration_data/train")
    parser.add_argument("--val", default="runs/restoration_data/val")
    parser.add_argument("--every", type=int, default=None)
    parser.add_argument("--qualities", default=None)
    parser.add_argument("--json")
    parser.add_argument("--figure", metavar="PNG", help="held-out: also write the comparison picture")
    args = parser.parse_args(argv)
    flags = sorted({f for line in open("/proc/cpuinfo") if line.startswith("flags")
                    for f in line.split() if f in ("avx2", "avx512f", "avx512_vnni", "amx_tile")})
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
              "machine": f"{platform.machine()} {os.cpu_count()} cores {' '.join(flags)}",
              "load": os.getloadavg()[0]}
    if args.calibrate:
        photos = crops(args.data, args.every or 11)
        qualities = [int(q) for q in (args.qualities or "10,20,30,40,50,60,70,80,90,95").split(",")]
        print(f"{len(photos)} training crops of {args.data}; load {result['load']:.1f}")
        result.update(kind="calibration", folder=args.data, count=len(photos), rows=calibrate(photos, qualities),
                      margins=margins(photos, qualities))
    else:
        photos = crops(args.val, args.every or 1)
        qualities = [int(q) for q in (args.qualities or "10,15,20,30,40,50,60,70,80,90,95").split(",")]
        print(f"{len(photos)} held-out crops of {args.val}; load {result['load']:.1f}")
        print("| JPEG quality | JPEG input | rednet10-deblock on Y | opponent, as it is | adapted, quality given "
              "| adapted, estimated (default) | estimated quality (mean abs error) |")
        print("|---|---|---|---|---|---|---|")
        result.update(kind="held-out", folder=args.val, count=len(photos), rows=evaluate(photos, qualities))
        if args.figure:
            figure(photos, args.figure)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
