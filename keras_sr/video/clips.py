"""Generated clips: a moving pattern or a pan across a photo, with a sine-wave sound track.

Tests, the throughput benchmark and the stability figure make their clips here (PyAV only).
"""

import numpy as np


def pan_frames(image, size, frames, step=(0, 1)):
    """``frames`` crops ``size = (h, w)`` of ``image`` moving ``step = (dy, dx)`` pixels a frame
    (``(0, 0)``: a static clip). (N, h, w, 3) uint8."""
    h, w = size
    dy, dx = step
    H, W = image.shape[:2]
    need_h, need_w = h + abs(dy) * (frames - 1), w + abs(dx) * (frames - 1)
    if need_h > H or need_w > W:
        raise ValueError(f"a {frames}-frame pan of {w}x{h} by {dx},{dy} px needs {need_w}x{need_h}; "
                         f"the image is {W}x{H}")
    out = []
    for k in range(frames):
        y = k * dy if dy >= 0 else (frames - 1 - k) * -dy
        x = k * dx if dx >= 0 else (frames - 1 - k) * -dx
        out.append(image[y:y + h, x:x + w, :3])
    return np.stack(out).astype(np.uint8)


def moving_pattern(height, width, frames):
    """A moving coloured pattern (diagonal stripes and a square), (N, H, W, 3) uint8."""
    yy, xx = np.mgrid[:height, :width]
    out = []
    for k in range(frames):
        r = 128 + 100 * np.sin((xx + 2 * k) / 3.0)
        g = 128 + 100 * np.cos((yy - k) / 4.0)
        b = np.where(((xx - 3 * k) % width < width // 3) & (yy > height // 4) & (yy < 3 * height // 4), 230, 30)
        out.append(np.stack([r, g, b], -1))
    return np.clip(np.stack(out), 0, 255).astype(np.uint8)


def write_clip(path, frames, fps=12, codec="libx264", pix_fmt="yuv444p", crf=0, audio=True, gop=None,
               sample_rate=22050, rotation=0, container_options=None):
    """Encode (N, H, W, 3) uint8 ``frames`` to ``path`` (+ a 440 Hz AAC sine track when ``audio``)."""
    import av

    from keras_sr.video.colour import ColourInfo, from_rgb, tag_codec

    frames = np.asarray(frames)
    n, h, w, _ = frames.shape
    colour = ColourInfo(1, 1, 1, 1, h)  # BT.709 limited, tagged
    with av.open(str(path), "w", options=container_options or {}) as out:
        v = out.add_stream(codec, rate=fps)
        v.width, v.height, v.pix_fmt = w, h, pix_fmt
        tag_codec(v.codec_context, colour)
        options = {"crf": str(crf)} if crf is not None else {}
        if gop:
            options.update({"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"})
        v.codec_context.options = options
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio:
            a = out.add_stream("aac", rate=sample_rate)
            a.layout = "mono"
        for k, rgb in enumerate(frames):
            vf = from_rgb(rgb, pix_fmt, colour)
            vf.pts = k
            for p in v.encode(vf):
                out.mux(p)
        for p in v.encode(None):
            out.mux(p)
        if a is not None:
            total = int(sample_rate * n / fps)
            t = np.arange(total) / sample_rate
            wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for i in range(0, total, 1024):
                chunk = wave[i:i + 1024]
                af = av.AudioFrame.from_ndarray(chunk[None], format="fltp", layout="mono")
                af.sample_rate, af.pts = sample_rate, i
                for p in a.encode(af):
                    out.mux(p)
            for p in a.encode(None):
                out.mux(p)
    return path
