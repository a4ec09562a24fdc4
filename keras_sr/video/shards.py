"""Scale out one clip: ``N`` keyframe-aligned time segments, one per job, joined without
re-encoding.

Segment ``I`` of ``N`` covers the presentation times ``[k_I, k_{I+1})`` where ``k_0 = -inf``,
``k_N = +inf`` and ``k_I`` is the keyframe nearest to ``I/N`` of the clip's duration (every
job computes the same plan from the clip alone). Its frames are upscaled into
``OUT.shard-I-of-N.EXT`` beside the output, keeping the clip's own timestamps, with the audio
and subtitle packets of the same time span; encoded without B-frames so that decode times never
step back at a join. An existing segment file is complete (written atomically) and is skipped
on a re-run. A container may move a segment's timestamps by a constant (MP4 edit lists are in
1/1000 s); :func:`merge_shards` puts each stream of each segment back at the time its first packet
has in the clip (found from the clip's packets, no decoding), then remuxes the segments' packets, in order, into ``OUT`` (no
re-encoding) and removes them. A clip with fewer keyframes than ``N`` has empty segments: their
jobs do nothing.
"""

import os
from fractions import Fraction

from keras_sr.video.probe import VideoReadError, probe
from keras_sr.video.window import Window


def keyframe_times(path):
    """Sorted presentation times (seconds, exact) of the video keyframes (packets only, no decoding)."""
    import av

    times = []
    with av.open(os.fspath(path)) as c:
        v = c.streams.video[0]
        for packet in c.demux(v):
            if packet.is_keyframe and packet.pts is not None:
                times.append(Fraction(packet.pts) * Fraction(v.time_base))
    return sorted(set(times))


def plan_segments(path, count):
    """``count`` :class:`~keras_sr.video.window.Window` s (``None`` for an empty segment) whose union
    is the whole clip."""
    info = probe(path)
    keys = keyframe_times(path)
    if not keys:
        raise VideoReadError(path, "has no keyframes")
    first = keys[0]
    end = first + Fraction(info.duration).limit_denominator(10 ** 6) if info.duration else keys[-1]
    cuts = [None]
    for i in range(1, count):
        target = first + (end - first) * Fraction(i, count)
        nearest = min(keys, key=lambda k: (abs(k - target), k))
        cuts.append(nearest if nearest > first else None)
    cuts.append(None)
    windows = []
    for i in range(count):
        start, stop = cuts[i], cuts[i + 1]
        later = [c for c in cuts[i + 1:] if c is not None]
        if stop is None and later:  # a cut snapped to the start: this segment is empty
            windows.append(None)
            continue
        if start is not None and stop is not None and stop <= start:
            windows.append(None)
            continue
        if start is None and i > 0 and any(c is not None for c in cuts[1:i + 1]):
            windows.append(None)
            continue
        windows.append(Window(start, stop))
    return _dedupe(windows)


def _dedupe(windows):
    """Keep the first of windows with the same span (several cuts on one keyframe)."""
    seen, out = set(), []
    for w in windows:
        key = None if w is None else (w.start, w.end)
        out.append(None if key in seen else w)
        if key is not None:
            seen.add(key)
    return out


def segment_path(dst, index, count):
    """``clip_x2.mp4`` -> ``clip_x2.shard-0-of-4.mp4``."""
    root, ext = os.path.splitext(os.fspath(dst))
    return f"{root}.shard-{index}-of-{count}{ext}"


def _first_times(src, windows):
    """For each window: {output stream index: first presentation time (s) of its packets in the
    window} from the source clip (packets only): what each segment's streams must start at."""
    import av

    firsts = [{} for _ in windows]
    with av.open(os.fspath(src)) as c:
        order = [c.streams.video[0].index] + [s.index for s in c.streams if s.type in ("audio", "subtitle")]
        out_index = {src_index: j for j, src_index in enumerate(order)}
        for packet in c.demux():
            j = out_index.get(packet.stream.index)
            ts = packet.pts if packet.pts is not None else packet.dts
            if j is None or ts is None or not packet.size:
                continue
            t = Fraction(ts) * Fraction(packet.time_base)
            for i, w in enumerate(windows):
                if w is not None and w.holds(t):
                    firsts[i][j] = min(firsts[i].get(j, t), t)
    return firsts


def upscale_segment(src, dst, shard, log=print, **options):
    """Upscale segment ``shard = (I, N)`` of ``src`` into :func:`segment_path`; a finished one is
    skipped. Returns the :func:`~keras_sr.video.upscale_video` result, or ``{"skipped": reason}``."""
    from keras_sr.video.upscale import upscale_video

    index, count = shard
    window = plan_segments(src, count)[index]
    part = segment_path(dst, index, count)
    if window is None:
        return {"skipped": f"segment {index} of {count} is empty (the clip has fewer keyframes)", "output": part}
    if os.path.exists(part):
        return {"skipped": f"{part} is already written", "output": part}
    return upscale_video(src, part, window=window, no_b_frames=True, log=log, **options)


def merge_shards(src, dst, count, remove=True):
    """Join the ``count`` segments of ``dst`` (see :func:`segment_path`) into ``dst`` without
    re-encoding (atomic write); ``ValueError`` naming the missing ones. Returns the parts used."""
    import contextlib
    import tempfile

    import av

    from keras_sr.video.upscale import _format_for

    if os.path.realpath(dst) == os.path.realpath(src):
        raise ValueError(f"output {dst} would overwrite the input {src}; choose another -o")
    windows = plan_segments(src, count)
    parts = [segment_path(dst, i, count) for i, w in enumerate(windows) if w is not None]
    missing = [str(i) for i, w in enumerate(windows) if w is not None and not os.path.exists(segment_path(dst, i, count))]
    if missing:
        raise ValueError(f"cannot merge {dst}: shard(s) {', '.join(missing)} of {count} not written yet "
                         f"({segment_path(dst, int(missing[0]), count)} missing)")
    folder = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(dst), dir=folder)
    os.close(fd)
    try:
        with av.open(parts[0]) as first, av.open(tmp, "w", format=_format_for(dst)) as out:
            layout = [(s.type, s.codec_context.name, getattr(s.codec_context, "width", None),
                       getattr(s.codec_context, "height", None)) for s in first.streams]
            streams = [out.add_stream_from_template(s) for s in first.streams]
            firsts = [f for f, w in zip(_first_times(src, windows), windows) if w is not None]
            for part, want in zip(parts, firsts):
                with av.open(part) as c:
                    this = [(s.type, s.codec_context.name, getattr(s.codec_context, "width", None),
                             getattr(s.codec_context, "height", None)) for s in c.streams]
                    if this != layout:
                        raise ValueError(f"{part} does not match {parts[0]} ({this} vs {layout}): "
                                         "segments of different runs?")
                    shift = _shifts(part, want)
                    for packet in c.demux():
                        if packet.size:
                            j = packet.stream.index
                            if packet.pts is not None:
                                packet.pts += shift.get(j, 0)
                            if packet.dts is not None:
                                packet.dts += shift.get(j, 0)
                            packet.stream = streams[j]
                            out.mux(packet)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if remove:
        for part in parts:
            os.unlink(part)
    return parts


def _shifts(part, want):
    """{stream index: ticks to add} putting each stream of ``part`` at the times ``want`` says."""
    import av

    lowest = {}
    with av.open(part) as c:
        tbs = {s.index: Fraction(s.time_base) for s in c.streams}
        for packet in c.demux():
            ts = packet.pts if packet.pts is not None else packet.dts
            if packet.size and ts is not None:
                lowest[packet.stream.index] = min(lowest.get(packet.stream.index, ts), ts)
    return {j: int(round(want[j] / tbs[j])) - low for j, low in lowest.items() if j in want}
