"""The benchmark protocol on one HR image: PSNR / SSIM of an SR model and of its baseline (SPECS §0.1).

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
(:mod:`keras_sr.evaluation.baselines`) for fixed-sigma noise. Scale 1 shaves no border by default.
"""

import time

import numpy as np

from keras_sr.inference.tiling import super_resolve


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
        from keras_sr.evaluation.baselines import bm3d_denoise, noise_sigma

        sigma = noise_sigma(chain)
        if sigma is None or scale != 1:
            raise ValueError(f"BM3D needs fixed-sigma noise at scale 1 ('noise:30'), not {chain.spec!r} x{scale}")
        den = bm3d_denoise(lr, sigma)
        row["psnr_bm3d"], row["ssim_bm3d"] = _metrics(den, target, scale, shave, metric_channel)

    def rgb(img):
        return np.repeat(img, 3, axis=-1) if img.shape[-1] == 1 else img

    row["images"] = {"lr": rgb(lr), "bicubic": rgb(baseline), "sr": rgb(sr), "hr": rgb(target)}
    return row
