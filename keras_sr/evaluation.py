"""Benchmark evaluation: PSNR / SSIM tables of an SR model on folders of HR images (SPECS §0.1).

    from keras_sr.evaluation import evaluate
    result = evaluate("bicubic", ["Set5", "Set14"], scale=4)
    result["datasets"][0]["psnr"]     # 28.43 on Set5 (EDSR paper: 28.42)

Protocol (EDSR / BasicSR benchmarks): each HR image (8-bit RGB; 16-bit rounded to 8) is
cropped to a multiple of the scale, the LR image is MATLAB ``imresize(hr, 1/s, 'bicubic')``
on uint8 (:func:`keras_sr.data.matlab_imresize`), the model's SR output is quantised to
8 bits and compared with HR on MATLAB's Y channel (or RGB), with ``shave`` (default: the
scale) border pixels removed; SSIM is MATLAB's ``ssim_index`` (Gaussian 11x11).

Y-channel models (SRCNN, RED-Net, SRDenseNet: ``model.input_shape[-1] == 1``) get the Y
of the LR image and their Y output is compared with the HR Y, both rounded to 8-bit
levels as the SRCNN MATLAB code does (``rgb2ycbcr`` of a uint8 image is uint8). With
``channel="rgb"`` their Y is joined with bicubic Cb, Cr first.

``bicubic`` upscales the uint8 LR with MATLAB bicubic (rounded per pass, as MATLAB).

Other degradations (``degradation="noise:30"``, ``"jpeg:10"`` at scale 1, ``"bicubic+jpeg:90"``;
:mod:`keras_sr.data.degradations`): the input is made from the modcropped 8-bit HR by the chain,
image ``i`` with seed ``seed + i``. A Y-channel model restores the rounded 8-bit Y (the grey
image of the denoising / deblocking papers) and is compared with it. The baseline of the same
table is the degraded input itself at scale 1 (MATLAB bicubic of it at scale > 1), and BM3D
(:mod:`keras_sr.baselines`) for fixed-sigma noise. Scale 1 shaves no border by default.
"""

import json
import os
import time
from pathlib import Path

import numpy as np

from keras_sr.inference import load_predictor
from keras_sr.upscaling import super_resolve
from keras_sr.utils import atomic


def dataset_images(data_dir):
    """``(name, files)`` of a benchmark folder: ``DIR/HR/*`` if it has an ``HR`` folder, else ``DIR/*``.

    The name is the folder's (``Set5`` for ``Set5/`` and for ``Set5/HR/``).
    """
    from keras_sr.data import list_image_files

    path = Path(data_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"dataset folder {data_dir} does not exist")
    if (path / "HR").is_dir():
        path = path / "HR"
    name = path.resolve().parent.name if path.name == "HR" else path.resolve().name
    return name, list_image_files(path)


def _to_uint8(img):
    if img.dtype == np.uint16:
        return np.floor(img.astype(np.float64) / 257.0 + 0.5).astype(np.uint8)
    return img


def _levels(x):
    """float [0, 1] -> uint8 (how an SR output is saved)."""
    return np.clip(np.floor(np.asarray(x, np.float64) * 255.0 + 0.5), 0, 255).astype(np.uint8)


def _join_y(sr_y, lr_rgb8, scale):
    """RGB of a Y-model output: SR Y with MATLAB-bicubic Cb, Cr of the LR image."""
    from keras_sr.data import matlab_imresize, rgb_to_ycbcr, ycbcr_to_rgb

    cbcr = matlab_imresize(rgb_to_ycbcr(lr_rgb8 / 255.0)[..., 1:], float(scale))
    return ycbcr_to_rgb(np.concatenate([np.asarray(sr_y, np.float64), cbcr], axis=-1))


def _metrics(sr, hr, scale, shave, channel):
    from keras_sr.data import psnr, ssim

    return (psnr(sr, hr, scale, shave, channel), ssim(sr, hr, scale, shave, channel))


def evaluate_image(predict, hr, scale, channel="y", shave=None, self_ensemble=False, tile=None, border=None,
                   degradation=None, seed=0, bm3d=False):
    """Metrics of one HR image (uint8 RGB): a dict with psnr, ssim, seconds (model time),
    psnr_bicubic (the same protocol for MATLAB bicubic) and the images.

    ``images`` holds uint8 RGB ``lr``, ``bicubic``, ``sr``, ``hr`` (for pictures).
    ``border``: see :func:`evaluate`. With ``degradation`` see :func:`evaluate_degraded_image`.
    """
    from keras_sr.data import matlab_imresize, modcrop, psnr, rgb_to_y

    if degradation is not None:
        return evaluate_degraded_image(predict, hr, scale, degradation, channel, shave, self_ensemble, tile,
                                       seed, bm3d, border)

    hr = modcrop(_to_uint8(np.asarray(hr)), scale)
    lr = matlab_imresize(hr, 1.0 / scale)
    bicubic = matlab_imresize(lr, float(scale))
    t0 = time.perf_counter()
    if predict.model is None and predict.name == "bicubic" and not self_ensemble:
        sr = matlab_imresize(lr, float(scale))  # uint8 MATLAB path of the published bicubic rows
    elif predict.channels == 3:
        sr = super_resolve(predict, lr / 255.0, tile=tile, self_ensemble=self_ensemble, border=border)
    else:
        sr = super_resolve(predict, rgb_to_y(lr / 255.0), tile=tile, self_ensemble=self_ensemble,
                           border=border)
    seconds = time.perf_counter() - t0
    if predict.channels == 1:
        sr_rgb = _levels(_join_y(sr, lr, scale))
        if channel == "y":
            hr_y = _levels(rgb_to_y(hr / 255.0))
            p, s = _metrics(_levels(sr), hr_y, scale, shave, "rgb")  # one channel: Y levels
            p_bic = psnr(_levels(rgb_to_y(bicubic / 255.0)), hr_y, scale, shave, "rgb")
        else:
            p, s = _metrics(sr_rgb, hr, scale, shave, "rgb")
            p_bic = psnr(bicubic, hr, scale, shave, "rgb")
    else:
        sr_rgb = _levels(sr) if sr.dtype != np.uint8 else sr
        p, s = _metrics(sr_rgb, hr, scale, shave, channel)
        p_bic = psnr(bicubic, hr, scale, shave, channel)
    return {"psnr": p, "ssim": s, "seconds": seconds, "psnr_bicubic": p_bic,
            "images": {"lr": lr, "bicubic": bicubic, "sr": sr_rgb, "hr": hr}}


def evaluate_degraded_image(predict, hr, scale, degradation, channel="y", shave=None, self_ensemble=False,
                            tile=None, seed=0, bm3d=False, border=None):
    """Metrics of one HR image (uint8 RGB) whose input is made by ``degradation``.

    Returns:
        dict: ``psnr``, ``ssim``, ``seconds`` (model time), ``psnr_bicubic`` / ``ssim_bicubic``
        (the baseline: the degraded input at scale 1, its MATLAB bicubic at scale > 1),
        ``psnr_bm3d`` / ``ssim_bm3d`` when ``bm3d`` (fixed-sigma noise at scale 1), and
        ``images`` (uint8 RGB ``lr``, ``bicubic`` (the baseline), ``sr``, ``hr``; grey as RGB
        for a Y model).
    """
    from keras_sr.data import matlab_imresize, modcrop, parse_degradation, y_levels

    chain = parse_degradation(degradation)
    scale = chain.check_scale(scale)
    shave = (0 if scale == 1 else scale) if shave is None else shave
    hr = modcrop(_to_uint8(np.asarray(hr)), scale)
    grey = predict.channels == 1
    target = y_levels(hr) if grey else hr
    lr = chain.apply(target, scale, seed=seed)
    baseline = lr if scale == 1 else matlab_imresize(lr, float(scale))
    t0 = time.perf_counter()
    if predict.model is None and predict.name == "bicubic" and not self_ensemble:
        sr = baseline
    else:
        sr = _levels(super_resolve(predict, lr / 255.0, tile=tile, self_ensemble=self_ensemble, border=border))
    seconds = time.perf_counter() - t0
    metric_channel = "rgb" if grey else channel  # one channel: compared as Y levels
    p, s = _metrics(sr, target, scale, shave, metric_channel)
    p_in, s_in = _metrics(baseline, target, scale, shave, metric_channel)
    row = {"psnr": p, "ssim": s, "seconds": seconds, "psnr_bicubic": p_in, "ssim_bicubic": s_in}
    if bm3d:
        from keras_sr.baselines import bm3d_denoise, noise_sigma

        sigma = noise_sigma(chain)
        if sigma is None or scale != 1:
            raise ValueError(f"BM3D needs fixed-sigma noise at scale 1 ('noise:30'), not {chain.spec!r} x{scale}")
        den = bm3d_denoise(lr, sigma)
        row["psnr_bm3d"], row["ssim_bm3d"] = _metrics(den, target, scale, shave, metric_channel)

    def rgb(img):
        return np.repeat(img, 3, axis=-1) if img.shape[-1] == 1 else img

    row["images"] = {"lr": rgb(lr), "bicubic": rgb(baseline), "sr": rgb(sr), "hr": rgb(target)}
    return row


def evaluate(model, data_dirs, scale, weights=None, channel="y", shave=None, self_ensemble=False,
             tile=None, save_images=None, verbose=0, border=None, shard=None, degradation=None, seed=0,
             bm3d="auto"):
    """PSNR / SSIM of ``model`` on each folder of HR images (module docstring for the protocol).

    Args:
        model: a ``keras.Model``, preset name (``"bicubic"`` too), ``.keras`` path or
            :class:`~keras_sr.inference.Predictor`.
        data_dirs: one folder or a list; each is a dataset (``DIR/HR/`` is used if present).
        scale: the SR factor.
        weights: weights file for a preset name.
        channel: ``"y"`` (the papers' tables) or ``"rgb"``.
        shave: border removed before the metrics; ``None`` means ``scale``.
        self_ensemble: the x8 geometric self-ensemble (EDSR+).
        tile: optional LR tile size for large images (exact, see :mod:`keras_sr.upscaling`).
        save_images: folder for ``DATASET/NAME_xS_MODEL.png`` SR images and
            ``NAME_xS_compare.png`` pictures (bicubic | model | HR crops with PSNR).
        verbose: 1 shows a progress bar over images.
        border: ``None`` (default: the papers' protocol, the model sees the image as it
            is), ``"symmetric"``/``"reflect"`` (or ``True``: symmetric) to mirror the LR
            image by the model's receptive field and crop, as :func:`keras_sr.upscale`
            does (see :mod:`keras_sr.upscaling`); it matters in the ``shave`` band.
        shard: ``(I, N)``: only the images of shard I of N (:mod:`keras_sr.cli.shard`);
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
        result says whether it did, or why not).
    """
    if channel not in ("y", "rgb"):
        raise ValueError(f"channel must be 'y' or 'rgb', got {channel!r}")
    if shave is not None and int(shave) < 0:
        raise ValueError(f"shave must be >= 0, got {shave}")
    scale = int(scale)
    run_bm3d = False
    if degradation is not None:
        from keras_sr.baselines import bm3d_available, noise_sigma
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
    from keras_sr.upscaling import border_mode

    border = border_mode(border)  # a bad value fails before the model loads
    if shard is not None:
        from keras_sr.cli.shard import select

        datasets = [(name, select(files, shard), path) for name, files, path in datasets]
    predict = load_predictor(model, scale=scale, weights=weights)
    from keras_sr.data import read_image

    result = {"model": predict.name + ("+" if self_ensemble else ""), "scale": scale, "channel": channel,
              "shave": scale if shave is None else int(shave), "self_ensemble": bool(self_ensemble),
              "border": border or "none", "datasets": []}
    if degradation is not None:
        result.update(degradation=degradation, seed=int(seed), baseline="input" if scale == 1 else "bicubic",
                      bm3d=bm3d_note)
    for name, files, path in datasets:
        images = [read_image(f) for f in files]  # every file decodes, or fails by name, up front
        bar = None
        if verbose:
            from keras_sr.utils.progress import progress_bar

            print(f"evaluating {name}: {len(files)} images")
            bar = progress_bar(len(files), unit_name="image")
        rows = []
        for i, (file, hr) in enumerate(zip(files, images)):
            row = evaluate_image(predict, hr, scale, channel, shave, self_ensemble, tile, border,
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
            "seconds": float(sum(r["seconds"] for r in rows)), "per_image": rows})
        if degradation is not None:
            for key in ("psnr_bicubic", "ssim_bicubic") + (("psnr_bm3d", "ssim_bm3d") if run_bm3d else ()):
                result["datasets"][-1][key] = float(np.mean([r[key] for r in rows]))
    return result


def _save_pictures(folder, dataset, file, scale, model_name, row):
    from keras_sr.data import write_image
    from keras_sr.visualize import write_sr_comparison

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
