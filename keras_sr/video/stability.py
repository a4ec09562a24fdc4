"""Temporal stability against ground truth: does the SR clip change from frame to frame as much
as the HR clip does, and in the same way?

For an HR clip ``H_t`` (a pan or a static shot), the LR clip is its MATLAB bicubic downscale
frame by frame (the benchmark protocol, :func:`keras_sr.data.matlab_imresize`, rounded to
uint8 like a decoded clip); ``S_t`` is the model's output. Measured on the Y channel (MATLAB
BT.601, 0-255 levels) with the scale shaved off each border:

* ``change_sr`` / ``change_hr``: the mean absolute change between consecutive frames,
  ``mean |S_t - S_{t-1}|`` and ``mean |H_t - H_{t-1}|``. On a static clip ``change_hr`` is 0
  and anything above is flicker; on a pan they should match;
* ``flicker``: ``mean |(S_t - S_{t-1}) - (H_t - H_{t-1})|``, the temporal error: 0 when the SR
  clip changes exactly as the HR clip does (for a static clip it equals ``change_sr``);
* ``psnr``: mean per-frame PSNR (Y, scale shaved), for scale.
"""

import numpy as np


def _y(frames):
    from keras_sr.data import rgb_to_ycbcr

    return np.stack([rgb_to_ycbcr(np.asarray(f, np.float64) / 255.0)[..., 0] * 255.0 for f in frames])


def temporal_stability(sr, hr, scale):
    """dict ``change_sr``, ``change_hr``, ``flicker``, ``psnr`` for uint8 RGB clips (T, H, W, 3)."""
    from keras_sr.data import psnr_y

    sr, hr = np.asarray(sr), np.asarray(hr)
    if sr.shape != hr.shape or len(sr) < 2:
        raise ValueError(f"need two clips of the same shape with >= 2 frames, got {sr.shape} and {hr.shape}")
    b = int(scale)
    ys, yh = _y(sr)[:, b:-b or None, b:-b or None], _y(hr)[:, b:-b or None, b:-b or None]
    ds, dh = np.diff(ys, axis=0), np.diff(yh, axis=0)
    psnr = float(np.mean([psnr_y(s.astype(np.float32) / 255, h.astype(np.float32) / 255, scale=b)
                          for s, h in zip(sr, hr)]))
    return {"frames": int(len(sr)), "change_sr": float(np.abs(ds).mean()), "change_hr": float(np.abs(dh).mean()),
            "flicker": float(np.abs(ds - dh).mean()), "psnr": psnr}


def downscale_clip(hr, scale):
    """The LR clip: each HR frame (cropped to a multiple of ``scale``) MATLAB-bicubic downscaled,
    rounded to uint8. Returns (lr, cropped hr)."""
    from keras_sr.data import matlab_imresize

    hr = np.asarray(hr)
    h, w = hr.shape[1] - hr.shape[1] % scale, hr.shape[2] - hr.shape[2] % scale
    hr = hr[:, :h, :w]
    lr = [np.clip(np.round(matlab_imresize(f.astype(np.float64) / 255.0, 1.0 / scale) * 255), 0, 255)
          for f in hr]
    return np.stack(lr).astype(np.uint8), hr


def encode_round_trip(frames, crf, fps=24):
    """``frames`` through H.264 4:2:0 at ``crf`` and back (codec noise that changes frame to
    frame, as in a real LR clip); ``crf=None``: unchanged."""
    import tempfile

    from keras_sr.video.clips import write_clip

    if crf is None:
        return frames
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/lr.mp4"
        write_clip(path, frames, fps=fps, pix_fmt="yuv420p" if frames.shape[1] % 2 == frames.shape[2] % 2 == 0
                   else "yuv444p", crf=crf, audio=False)
        return read_clip(path)


def evaluate_clip(frame_model, hr, border="symmetric", batch=4, lr_crf=None):
    """:func:`temporal_stability` of ``frame_model`` (a :class:`~keras_sr.video.runtimes.FrameModel`)
    on the HR clip ``hr`` (T, H, W, 3) uint8, with bicubic's figures beside (``bicubic_*``).
    ``lr_crf``: pass the LR clip through H.264 at this CRF first (:func:`encode_round_trip`)."""
    from keras_sr.data import matlab_imresize
    from keras_sr.video.frames import upscale_frames

    s = frame_model.scale
    lr, hr = downscale_clip(hr, s)
    lr = encode_round_trip(lr, lr_crf)
    sr = np.concatenate([upscale_frames(frame_model, lr[i:i + batch], border) for i in range(0, len(lr), batch)])
    bic = np.stack([np.clip(np.floor(matlab_imresize(f.astype(np.float64) / 255.0, float(s)) * 255 + 0.5), 0, 255)
                    for f in lr]).astype(np.uint8)
    out = temporal_stability(sr, hr, s)
    out.update({f"bicubic_{k}": v for k, v in temporal_stability(bic, hr, s).items() if k != "frames"})
    return out


def read_clip(path, window=None, limit=None):
    """Decoded RGB frames (T, H, W, 3) uint8 of a clip (its own colour matrix and range)."""
    import av

    from keras_sr.video.colour import ColourInfo, to_rgb
    from keras_sr.video.probe import probe

    info = probe(path)
    frames = []
    with av.open(path) as c:
        v = c.streams.video[0]
        for f in c.decode(v):
            from fractions import Fraction

            t = Fraction(f.pts or 0) * Fraction(v.time_base)
            if window is not None and window.after(t):
                break
            if window is None or window.holds(t):
                frames.append(to_rgb(f, info.colour))
            if limit and len(frames) >= limit:
                break
    del ColourInfo
    return np.stack(frames)
