"""``upscale_video``: decode a clip, upscale its frames in batches, encode, copy the sound.

    from keras_sr.video import upscale_video
    upscale_video("clip.mp4", "clip_x2.mp4")                 # RT4KSR x2, shipped weights
    upscale_video("clip.mp4", "clip_x2.mp4", model="rt4ksr_x2.tflite", crf=0, pix_fmt="yuv444p")

Decoding (a thread), the model (a thread), rounding + colour conversion (a thread) and encoding
(the caller's thread) overlap through bounded queues (:mod:`keras_sr.video.stages`). Audio and subtitle packets are copied as they are
(remuxed, not re-encoded). Kept: frame timestamps (so the frame rate, variable ones too), the
time base, the rotation (display matrix) and the colour tags (:mod:`keras_sr.video.colour`).
The output is written to a temporary file beside it and renamed into place at the end: a
failure or Ctrl-C leaves nothing. Every frame is upscaled as ``keras_sr.upscale`` upscales it as
an image with the same runtime (:mod:`keras_sr.video.frames`).
"""

import os
from fractions import Fraction

from keras_sr.utils.atomic import replaced_file
from keras_sr.video.colour import from_rgb, tag_codec, to_rgb
from keras_sr.video.frames import check_rgb, finish_frames, prepare_frames
from keras_sr.video.probe import VideoReadError, _reason, probe
from keras_sr.video.window import Window

DEFAULT_CODEC, DEFAULT_PIX_FMT, DEFAULT_CRF = "libx264", "yuv420p", 18
# x264/x265 speed presets. The default is "veryfast", not x264's "medium": on a 2-core CPU, medium
# spends 0.27 s per 4K frame against the model's 0.69 s (RT4KSR x2, LiteRT), so the encoder, not the
# model, set the pace; veryfast costs 0.13 s for the same CRF at about the same size (0.045 vs
# 0.046 MB per frame), superfast 0.05 s but +45 % bits (benchmarks/video_throughput.py --preset,
# docs/video.md). The encoder's quality is set by --crf, its speed/size trade-off by --preset.
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
                "placebo")
DEFAULT_PRESET = "veryfast"
# Frames per model call by LR frame size: about 2 Mpixel of LR per batch (8 frames of 640x360,
# 1 of 1920x1080), so activations stay well under 1 GB on CPU; --batch overrides.
BATCH_PIXELS, MAX_BATCH = 2_100_000, 8


def auto_batch(width, height):
    return max(1, min(MAX_BATCH, BATCH_PIXELS // (width * height)))


def check_output(src, dst, codec, pix_fmt, width, height, scale, preset=None):
    """One-line ``ValueError`` before any work: output = input, a codec FFmpeg lacks, odd sizes
    for 4:2:0 / 4:2:2, a ``preset`` that is not an x264/x265 one or given for another encoder."""
    import av

    if os.path.realpath(dst) == os.path.realpath(src):
        raise ValueError(f"output {dst} would overwrite the input {src}; choose another -o")
    try:
        av.codec.Codec(codec, "w")
    except Exception:  # noqa: BLE001
        raise ValueError(f"--codec {codec}: no such encoder in this FFmpeg (e.g. libx264, libx265, "
                         "libvpx-vp9, mpeg4)") from None
    try:
        fmt = av.VideoFormat(pix_fmt)
    except Exception:  # noqa: BLE001
        raise ValueError(f"--pix-fmt {pix_fmt}: unknown pixel format (e.g. yuv420p, yuv444p)") from None
    w, h = width * scale, height * scale
    sub_w = 2 if pix_fmt.startswith(("yuv420", "yuvj420", "nv12", "yuv422", "yuvj422")) else 1
    sub_h = 2 if pix_fmt.startswith(("yuv420", "yuvj420", "nv12")) else 1
    if w % sub_w or h % sub_h:
        raise ValueError(f"{src}: the output would be {w}x{h}, odd for --pix-fmt {pix_fmt} (chroma halves "
                         "the size); use --pix-fmt yuv444p")
    del fmt
    if preset is not None and preset not in X264_PRESETS:
        raise ValueError(f"--preset {preset}: not an x264/x265 preset ({', '.join(X264_PRESETS)})")
    if preset is not None and codec not in ("libx264", "libx265"):
        raise ValueError(f"--preset applies to libx264 and libx265, not --codec {codec}")


def upscale_video(src, dst, model="rt4ksr", scale=2, weights=None, *, frame_model=None, codec=DEFAULT_CODEC,
                  crf=None, bitrate=None, pix_fmt=DEFAULT_PIX_FMT, preset=None, window=None, batch=None,
                  border="symmetric",
                  no_b_frames=False, progress=True, log=print, queue_size=2):
    """Upscale the clip ``src`` into ``dst`` (container from its extension).

    Args:
        model, scale, weights: what :func:`keras_sr.video.runtimes.load_frame_model` takes (a preset,
            a ``.keras``, a ``.tflite`` or ``.onnx`` file); or pass a loaded ``frame_model``.
        codec, crf, bitrate, pix_fmt: the encoder (``crf`` default 18 for x264/x265 when no
            ``bitrate``; ``crf=0`` with x264 is lossless).
        preset: the x264/x265 speed preset (default :data:`DEFAULT_PRESET`; other encoders: refused).
        window: a :class:`~keras_sr.video.window.Window` (frames ``A:B`` or a shard's segment).
        batch: frames per model call (default :func:`auto_batch`).
        border: as ``keras-sr upscale --border``.
        no_b_frames: encode without B-frames (shard segments: joinable without re-encoding).

    Returns:
        dict: ``frames`` read and written, ``seconds``, ``fps``, output size, ``model``, ``runtime``.

    Raises:
        VideoReadError: not a video, no frames, a truncated or undecodable clip (nothing written).
        ValueError: output = input, bad codec / pixel format / sizes.
    """
    import time

    import av

    info = probe(src)
    window = window or Window()
    if frame_model is None:
        from keras_sr.video.runtimes import load_frame_model

        check_output(src, dst, codec, pix_fmt, info.width, info.height, scale or 1, preset)
        frame_model = load_frame_model(model, scale=scale, weights=weights)
    s = frame_model.scale
    check_rgb(frame_model)  # before decoding: the reader would call a later failure a decode error
    check_output(src, dst, codec, pix_fmt, info.width, info.height, s, preset)
    batch = int(batch or auto_batch(info.width, info.height))
    if batch < 1:
        raise ValueError(f"--batch must be >= 1, got {batch}")
    start = time.perf_counter()
    with replaced_file(dst) as tmp, av.open(src) as inp, av.open(tmp, "w", format=_format_for(dst)) as out:
        counts = _transcode(inp, out, info, frame_model, window, batch, border,
                            dict(codec=codec, crf=crf, bitrate=bitrate, pix_fmt=pix_fmt, preset=preset,
                                 no_b_frames=no_b_frames), progress, log)
    seconds = time.perf_counter() - start
    return {"input": src, "output": dst, "frames": counts["written"], "seconds": seconds,
            "fps": counts["written"] / max(seconds, 1e-9), "width": info.width * s, "height": info.height * s,
            "model": frame_model.name, "scale": s, "runtime": frame_model.runtime, "batch": batch,
            "copied_packets": counts["packets"]}


def _format_for(dst):
    """FFmpeg's muxer for ``dst``'s extension (the temporary name keeps it, but say it outright)."""
    import av

    ext = os.path.splitext(dst)[1].lower().lstrip(".")
    names = {"mp4": "mp4", "m4v": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm", "avi": "avi",
             "ts": "mpegts", "mts": "mpegts", "m2ts": "mpegts", "flv": "flv", "mpg": "mpeg", "mpeg": "mpeg", "nut": "nut"}
    if ext not in names:
        raise ValueError(f"-o {dst}: unknown video container .{ext} (use .mp4, .mkv, .mov, .webm, ...)")
    del av
    return names[ext]


def _video_stream(out, info, s, enc):
    import av

    stream = out.add_stream(enc["codec"], rate=info.rate)
    stream.width, stream.height = info.width * s, info.height * s
    stream.pix_fmt = enc["pix_fmt"]
    stream.time_base = info.time_base
    cc = stream.codec_context
    cc.time_base = info.time_base
    tag_codec(cc, info.colour)
    options = {}
    if enc["bitrate"]:
        cc.bit_rate = int(enc["bitrate"])
    elif enc["codec"] in ("libx264", "libx265", "libvpx-vp9", "libaom-av1", "libsvtav1") or enc["crf"] is not None:
        options["crf"] = str(DEFAULT_CRF if enc["crf"] is None else enc["crf"])
        if enc["codec"] == "libvpx-vp9":
            cc.bit_rate = 0
    if enc["codec"] in ("libx264", "libx265"):
        options["preset"] = enc["preset"] or DEFAULT_PRESET
    if enc["no_b_frames"]:
        cc.max_b_frames = 0
    cc.options = options
    if info.rotation:
        stream.set_display_rotation(info.rotation)
    del av
    return stream


def _copied_streams(inp, out, log):
    """{input stream index: output stream} for audio and subtitle streams the container can hold."""
    mapping = {}
    for stream in inp.streams:
        if stream.type not in ("audio", "subtitle"):
            continue
        try:
            mapping[stream.index] = out.add_stream_from_template(stream)
        except Exception as e:  # noqa: BLE001
            log(f"keras-sr: warning: {stream.type} stream {stream.index} ({stream.codec_context.name}) cannot "
                f"go into {out.format.name} and is left out ({_reason(e)})")
    return mapping


def _transcode(inp, out, info, frame_model, window, batch, border, enc, progress, log):
    from keras_sr.video.progress import VideoProgress

    vin = inp.streams.video[0]
    vin.thread_type = "AUTO"
    vout = _video_stream(out, info, frame_model.scale, enc)
    copied = _copied_streams(inp, out, log)
    if window.start is not None:  # a GOP and a second early: every packet of the window is read
        target = window.start - 1
        inp.seek(max(0, int(target / vin.time_base)), stream=vin, backward=True, any_frame=False)
    counts = {"read": 0, "written": 0, "packets": 0}
    expected = info.frames if window.whole and info.frames else None  # the container's count
    audio = {i for i in copied if inp.streams[i].type == "audio"}

    def shifted(ts, tb):
        return None if ts is None else ts - int(round(window.shift / Fraction(tb)))

    def produce(put):
        frames, metas, packets = [], [], []
        video_done = False
        try:
            for packet in inp.demux():
                idx = packet.stream.index
                if idx == vin.index:
                    if video_done:
                        continue
                    for frame in packet.decode():
                        t = Fraction(frame.pts if frame.pts is not None else 0) * vin.time_base
                        if window.after(t):
                            video_done = True
                            break
                        if not window.holds(t):
                            continue
                        counts["read"] += 1
                        frames.append(to_rgb(frame, info.colour))
                        metas.append((frame.pts, frame.duration))
                        if len(frames) == batch:
                            if not put(prepared(frames, metas, packets)):
                                return
                            frames, metas, packets = [], [], []
                elif idx in copied and packet.size:
                    ts = packet.pts if packet.pts is not None else packet.dts
                    if ts is None or window.holds(Fraction(ts) * packet.time_base):
                        packets.append(packet)
                    elif window.after(Fraction(ts) * packet.time_base):
                        audio.discard(idx)  # this stream is past the window
                if video_done and not audio:  # a segment of a long clip stops reading at its end
                    break
        except Exception as e:  # noqa: BLE001  (FFmpeg errors of a damaged file)
            if isinstance(e, VideoReadError):
                raise
            raise VideoReadError(info.path, f"cannot decode frame {counts['read']} ({_reason(e)}): "
                                            "a truncated or damaged file?") from e
        if frames or packets:
            put(prepared(frames, metas, packets))

    # Four threads: decode + RGB + padding (reader), the model alone, rounding + YUV conversion,
    # encode + mux (the caller). The model's thread does nothing else, so the model's own threads
    # have the cores whenever the other stages wait.
    def prepared(frames, metas, packets):
        import numpy as np

        return (prepare_frames(frame_model, np.stack(frames), border) if frames else None), metas, packets

    def run_model(item):
        batch_in, metas, packets = item
        return (None if batch_in is None else (frame_model.run_batch(batch_in[0]), batch_in[1])), metas, packets

    def finish(item):
        batch_out, metas, packets = item
        sr = finish_frames(*batch_out) if batch_out is not None else []
        return [from_rgb(rgb, enc["pix_fmt"], info.colour) for rgb in sr], metas, packets

    bar = VideoProgress(expected, every=10.0) if progress else None
    for yuv, metas, packets in _stages(produce, [run_model, finish]):
        for vf, (pts, duration) in zip(yuv, metas):
            vf.pts, vf.time_base = shifted(pts, vin.time_base), vin.time_base
            if duration:
                vf.duration = duration
            for p in vout.encode(vf):
                out.mux(p)
            counts["written"] += 1
            if bar is not None:
                bar.update(counts["written"])
        for packet in packets:
            packet.pts = shifted(packet.pts, packet.time_base)
            packet.dts = shifted(packet.dts, packet.time_base)
            packet.stream = copied[packet.stream.index]
            out.mux(packet)
            counts["packets"] += 1
    if counts["read"] == 0:
        raise VideoReadError(info.path, "no frames in the chosen range" if not window.whole else "has no frames")
    if expected is not None and counts["read"] != expected:
        raise VideoReadError(info.path, f"{counts['read']} of the {expected} frames its header lists could be "
                                        "decoded: a truncated or damaged file?")
    for p in vout.encode(None):
        out.mux(p)
    if counts["written"] != counts["read"]:
        raise RuntimeError(f"{counts['read']} frames read but {counts['written']} written")
    if bar is not None:
        bar.close()
    return counts


def _stages(produce, transforms):
    from keras_sr.video.stages import Stages

    return Stages(produce, transforms)
