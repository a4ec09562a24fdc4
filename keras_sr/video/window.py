"""Which part of a clip a run covers: all of it, frames ``A:B`` (a preview) or a time segment
``[t0, t1)`` (a shard), in seconds as exact fractions."""

import dataclasses
from fractions import Fraction


@dataclasses.dataclass(frozen=True)
class Window:
    """Frames and packets with presentation time in ``[start, end)`` (``None``: unbounded);
    ``shift``: seconds subtracted from every output timestamp (a preview starts at 0)."""

    start: Fraction = None
    end: Fraction = None
    shift: Fraction = Fraction(0)

    def holds(self, t):
        return (self.start is None or t >= self.start) and (self.end is None or t < self.end)

    def after(self, t):
        return self.end is not None and t >= self.end

    @property
    def whole(self):
        return self.start is None and self.end is None


def parse_frames(text):
    """``"A:B"`` -> ``(A, B)`` (``B`` may be empty: to the end); ``ValueError`` naming ``--frames``."""
    try:
        a, b = str(text).split(":")
        a = int(a) if a.strip() else 0
        b = int(b) if b.strip() else None
    except ValueError:
        raise ValueError(f"--frames expects A:B (frames A to B-1, e.g. 0:48), got {text!r}") from None
    if a < 0 or (b is not None and b <= a):
        raise ValueError(f"--frames {text}: need 0 <= A < B")
    return a, b


def frames_window(frames, info):
    """The :class:`Window` of frames ``(A, B)`` of a clip (:class:`~keras_sr.video.probe.VideoInfo`):
    half a frame before frame A to half a frame before frame B, so that rounded timestamps fall
    on the right side; the output starts at 0."""
    a, b = frames
    if info.frames and a >= info.frames:
        raise ValueError(f"--frames {a}:{b if b is not None else ''}: {info.path} has {info.frames} frames")
    start = info.start_time + (Fraction(a) - Fraction(1, 2)) / info.rate if a else None
    end = info.start_time + (Fraction(b) - Fraction(1, 2)) / info.rate if b is not None else None
    return Window(start, end, start if start is not None else Fraction(0))
