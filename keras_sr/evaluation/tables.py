"""Benchmark tables: PSNR / SSIM of an SR model on folders of HR images (SPECS §0.1).

    from keras_sr.evaluation import evaluate
    result = evaluate("bicubic", ["Set5", "Set14"], scale=4)
    result["datasets"][0]["psnr"]     # 28.43 on Set5 (EDSR paper: 28.42)

The protocol for each image (modcrop, MATLAB bicubic LR, 8-bit SR, Y channel, shave, the
degradations and their baselines) is :mod:`keras_sr.evaluation.protocol`.
"""

import json
import os
from pathlib import Path

import numpy as np

from keras_sr.evaluation.datasets import dataset_images
from keras_sr.evaluation.protocol import evaluate_image
from keras_sr.inference.loading import load_predictor
from keras_sr.utils import atomic


def evaluate(model, data_dirs, scale, weights=None, channel="y", shave=None, self_ensemble=False,
             tile=None, save_images=None, verbose=0, border=None, shard=None, degradation=None, seed=0,
             bm3d="auto", max_memory=None):
    """PSNR / SSIM of ``model`` on each folder of HR images (protocol: :mod:`keras_sr.evaluation.protocol`).

    Args:
        model: a ``keras.Model``, preset name (``"bicubic"`` too), ``.keras`` path or
            :class:`~keras_sr.inference.Predictor`.
        data_dirs: one folder or a list; each is a dataset (``DIR/HR/`` is used if present).
        scale: the SR factor.
        weights: for a preset name: not given for the weights keras-sr ships (a preset
            without any is refused), a ``.weights.h5`` / ``.keras`` file, or ``"none"`` for
            untrained (warns); see :func:`keras_sr.inference.load_predictor`.
        channel: ``"y"`` (the papers' tables) or ``"rgb"``.
        shave: border removed before the metrics; ``None`` means ``scale``.
        self_ensemble: the x8 geometric self-ensemble (EDSR+).
        tile: LR tile size (exact, see :mod:`keras_sr.inference.tiling`); ``None``: the whole image, or
            tiles for an image that would not fit ``max_memory`` bytes (default: half the
            available memory, :mod:`keras_sr.inference.memory`).
        save_images: folder for ``DATASET/NAME_xS_MODEL.png`` SR images and
            ``NAME_xS_compare.png`` pictures (bicubic | model | HR crops with PSNR).
        verbose: 1 shows a progress bar over images.
        border: ``None`` (default: the papers' protocol, the model sees the image as it
            is), ``"symmetric"``/``"reflect"`` (or ``True``: symmetric) to mirror the LR
            image by the model's receptive field and crop, as :func:`keras_sr.upscale`
            does (see :mod:`keras_sr.inference.borders`); it matters in the ``shave`` band.
        shard: ``(I, N)``: only the images of shard I of N (:mod:`keras_sr.utils.shards`);
            a dataset with none of them has NaN means.
        degradation: make the input with this chain (:mod:`keras_sr.data.degradations`)
            instead of MATLAB bicubic; ``seed``: image ``i`` uses ``seed + i``.
        bm3d: the BM3D baseline in the same run for fixed-sigma noise at scale 1:
            ``"auto"`` (when the ``bm3d`` package is installed), ``True`` (required) or ``False``.

    Returns:
        dict: ``model``, ``scale``, ``channel``, ``shave``, ``self_ensemble``, ``border`` and
        ``datasets``: a list of {``name``, ``path``, ``images``, ``psnr``, ``ssim``,
        ``seconds`` (model time), ``per_image``: [{``file``, ``psnr``, ``ssim``,
        ``seconds``, ``psnr_bicubic``}]}. PSNR and SSIM are means over the images.
        With ``degradation``: also ``degradation``, ``seed``, ``baseline`` (``"input"`` at
        scale 1, else ``"bicubic"``), per dataset ``psnr_bicubic``/``ssim_bicubic`` (the
        baseline's means) and ``psnr_bm3d``/``ssim_bm3d`` when BM3D ran (``bm3d`` in the
        result says whether it did, or why not). Each dataset also lists ``skipped``: [{``file``,
        ``reason``}] for files that could not be evaluated (unreadable, too small for the scale and
        shave, GIF); the means are over the others.
    """
    if channel not in ("y", "rgb"):
        raise ValueError(f"channel must be 'y' or 'rgb', got {channel!r}")
    if shave is not None and int(shave) < 0:
        raise ValueError(f"shave must be >= 0, got {shave}")
    scale = int(scale)
    run_bm3d = False
    if degradation is not None:
        from keras_sr.evaluation.baselines import bm3d_available, noise_sigma
        from keras_sr.data import parse_degradation

        degradation = parse_degradation(degradation).spec
        parse_degradation(degradation).check_scale(scale)
        fits = scale == 1 and noise_sigma(degradation) is not None
        if bm3d is True and not fits:
            raise ValueError(f"BM3D needs fixed-sigma noise at scale 1 ('noise:30'), not {degradation!r} x{scale}")
        if bm3d is True and not bm3d_available():
            raise ImportError("BM3D needs the bm3d package: pip install 'keras-sr[restoration]'")
        run_bm3d = fits and bm3d is not False and bm3d_available()
        bm3d_note = ("ran" if run_bm3d else "not applicable" if not fits else "off" if bm3d is False
                     else "not installed (pip install 'keras-sr[restoration]')")
        if shave is None and scale == 1:
            shave = 0
    if isinstance(data_dirs, (str, os.PathLike)):
        data_dirs = [data_dirs]
    datasets = [dataset_images(d) + (str(d),) for d in data_dirs]  # fail on a bad folder first
    from keras_sr.inference.borders import border_mode

    border = border_mode(border)  # a bad value fails before the model loads
    if shard is not None:
        from keras_sr.utils.shards import select

        datasets = [(name, select(files, shard), path) for name, files, path in datasets]
    predict = load_predictor(model, scale=scale, weights=weights)
    from keras_sr.data import read_image

    result = {"model": predict.name + ("+" if self_ensemble else ""), "scale": scale, "channel": channel,
              "shave": scale if shave is None else int(shave), "self_ensemble": bool(self_ensemble),
              "border": border or "none", "datasets": []}
    if degradation is not None:
        result.update(degradation=degradation, seed=int(seed), baseline="input" if scale == 1 else "bicubic",
                      bm3d=bm3d_note)
    from keras_sr.data import ImageReadError
    from keras_sr.inference.upscaling import choose_tile

    for name, files, path in datasets:
        skipped = [{"file": os.path.basename(f), "reason": "GIF is not evaluated (palette colours): convert it "
                    "to PNG"} for f in _gifs(path, shard)]
        bar = None
        if verbose:
            from keras_sr.utils.progress import progress_bar

            print(f"evaluating {name}: {len(files)} images")
            bar = progress_bar(len(files), unit_name="image")
        rows = []
        for i, file in enumerate(files):
            try:
                hr = read_image(file)
                lr_h, lr_w = hr.shape[0] // scale, hr.shape[1] // scale
                edge = 2 * (scale if shave is None else int(shave))
                if min(lr_h, lr_w) < 1 or min(hr.shape[:2]) // scale * scale <= edge:
                    raise ValueError(f"{hr.shape[1]}x{hr.shape[0]} is too small for x{scale} with a "
                                     f"{edge // 2} px shave")
            except (ImageReadError, ValueError) as e:
                text = str(e)
                skipped.append({"file": os.path.basename(file),
                                "reason": text[len(file) + 2:] if text.startswith(f"{file}: ") else text})
                continue
            chosen = tile if tile is not None else choose_tile(predict, lr_h, lr_w, max_memory,
                                                               self_ensemble=self_ensemble, floats=True)[0]
            row = evaluate_image(predict, hr, scale, channel, shave, self_ensemble, chosen, border,
                                 degradation=degradation, seed=int(seed) + i, bm3d=run_bm3d)
            if save_images is not None:
                _save_pictures(save_images, name, file, scale, predict.name, row)
            rows.append({"file": os.path.basename(file), **{k: v for k, v in row.items() if k != "images"}})
            if bar is not None:
                bar.update(i + 1)
        result["datasets"].append({
            "name": name, "path": path, "images": len(rows),
            "psnr": float(np.mean([r["psnr"] for r in rows])) if rows else float("nan"),
            "ssim": float(np.mean([r["ssim"] for r in rows])) if rows else float("nan"),
            "seconds": float(sum(r["seconds"] for r in rows)), "per_image": rows, "skipped": skipped})
        if degradation is not None:
            for key in ("psnr_bicubic", "ssim_bicubic") + (("psnr_bm3d", "ssim_bm3d") if run_bm3d else ()):
                result["datasets"][-1][key] = float(np.mean([r[key] for r in rows])) if rows else float("nan")
    return result


def _gifs(folder, shard):
    """GIF files in a dataset folder (listed so that they are named, not silently left out)."""
    from keras_sr.utils.shards import in_shard

    folder = Path(folder)
    folder = folder / "HR" if (folder / "HR").is_dir() else folder
    return sorted(str(p) for p in folder.iterdir() if p.suffix.lower() == ".gif" and p.is_file()
                  and in_shard(p.name, shard)) if folder.is_dir() else []


def format_table(result, per_image=False):
    """The text table of an :func:`keras_sr.evaluation.evaluate` result."""
    rows = []
    skipped = []
    for d in result["datasets"]:
        skipped += [f"  {d['name']}/{r['file']}: {r['reason']}" for r in d.get("skipped", ())]
        rows.append((d["name"], str(d["images"]), _figure(d["psnr"], 2), _figure(d["ssim"], 4),
                     f"{d['seconds']:.1f}"))
        if "degradation" in result:  # the baselines of the same run
            label = "degraded input" if result["baseline"] == "input" else "bicubic of degraded LR"
            rows.append((f"  {label}", "", f"{d['psnr_bicubic']:.2f}", f"{d['ssim_bicubic']:.4f}", ""))
            if "psnr_bm3d" in d:
                rows.append(("  BM3D", "", f"{d['psnr_bm3d']:.2f}", f"{d['ssim_bm3d']:.4f}", ""))
        if per_image:
            for r in d["per_image"]:
                rows.append(("  " + r["file"], "", f"{r['psnr']:.2f}", f"{r['ssim']:.4f}", f"{r['seconds']:.2f}"))
    header = ("dataset", "images", "PSNR (dB)", "SSIM", "seconds")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    lines = [f"{result['model']} x{result['scale']}, {result['channel'].upper()} channel, "
             f"shave {result['shave']}"
             + (f", border {result['border']}" if result.get("border", "none") != "none" else "")
             + (f" ({result['note']})" if result.get("note") else "")]
    if "degradation" in result:
        lines[0] += f", input degraded by {result['degradation']} (seed {result['seed']}), BM3D {result['bm3d']}"
    def fmt(row):  # names left-aligned, figures right-aligned
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    lines.append(fmt(header))
    lines.extend(fmt(r) for r in rows)
    if skipped:
        lines.append(f"skipped {len(skipped)} file(s):")
        lines.extend(skipped)
    return "\n".join(lines)


def _figure(value, digits):
    return "-" if value is None or value != value else f"{value:.{digits}f}"  # NaN: no image


def _save_pictures(folder, dataset, file, scale, model_name, row):
    from keras_sr.data import write_image
    from keras_sr.evaluation.visualize import write_sr_comparison

    out = Path(folder) / dataset
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(file).stem
    imgs = row["images"]
    write_image(out / f"{stem}_x{scale}_{model_name}.png", imgs["sr"])
    write_sr_comparison(out / f"{stem}_x{scale}_compare.png", imgs["bicubic"], imgs["sr"], imgs["hr"],
                        psnr_bicubic=row["psnr_bicubic"], psnr_sr=row["psnr"], model_name=model_name)


def write_json(path, obj):
    """Write ``obj`` as JSON atomically (temporary file in the same folder, then ``os.replace``)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: folder {path.parent} does not exist")
    atomic.write_text(path, json.dumps(obj, indent=2) + "\n", overwrite=True)
    return str(path)
