"""Is a path a video, and what is in it: checked before any model is loaded (one-line errors)."""

import dataclasses
import os
from fractions import Fraction

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".mts", ".m2ts", ".mpg", ".mpeg",
                    ".flv", ".wmv", ".ogv", ".y4m", ".3gp")
# Containers FFmpeg reads images through: such a file is an image, not a clip.
_IMAGE_DEMUXERS = ("image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "tiff_pipe", "gif", "apng")


class VideoReadError(ValueError):
    """A file that cannot be read as a clip; the message names it."""

    def __init__(self, path, reason):
        super().__init__(f"{path}: {reason}")


def is_video_path(path):
    """True for a file with a video extension, or another non-image file FFmpeg reads as a clip."""
    from keras_sr.data.io import IMAGE_EXTENSIONS

    p = os.fspath(path).lower()
    if p.endswith(VIDEO_EXTENSIONS):
        return True
    if p.endswith(IMAGE_EXTENSIONS) or not os.path.isfile(path):
        return False
    import av

    try:
        with av.open(os.fspath(path)) as c:
            return bool(c.streams.video) and c.format.name not in _IMAGE_DEMUXERS
    except Exception:  # noqa: BLE001  (not readable by FFmpeg: not a video)
        return False


@dataclasses.dataclass
class VideoInfo:
    """What :func:`probe` finds: the first video stream's size, rate, time base, frame count
    (from the container; ``None`` when it does not say), rotation and colour."""

    path: str
    width: int
    height: int
    rate: Fraction
    time_base: Fraction
    frames: int
    duration: float
    rotation: int
    colour: object
    codec: str
    other_streams: list
    start_time: Fraction = Fraction(0)

    def describe(self):
        count = f"{self.frames} frames" if self.frames else "frames not counted"
        return (f"{self.width}x{self.height} {self.codec} {float(self.rate):.3g} fps, {count}, "
                f"{self.colour.describe()}{f', rotated {self.rotation} deg' if self.rotation else ''}")


def probe(path):
    """:class:`VideoInfo` of ``path``, after decoding its first frame; ``VideoReadError`` for a
    missing file, a file FFmpeg cannot read, no video stream or no frame."""
    import av

    from keras_sr.video.colour import ColourInfo

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise VideoReadError(path, "file not found")
    try:
        container = av.open(path)
    except Exception as e:  # noqa: BLE001
        raise VideoReadError(path, f"not a video FFmpeg can read ({_reason(e)})") from e
    with container:
        if not container.streams.video or container.format.name in _IMAGE_DEMUXERS:
            raise VideoReadError(path, "has no video stream with frames")
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream), None)
        except Exception as e:  # noqa: BLE001
            raise VideoReadError(path, f"cannot decode its video ({_reason(e)})") from e
        if first is None:
            raise VideoReadError(path, "has no video frames")
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        if not rate:
            raise VideoReadError(path, "has no frame rate")
        duration = float(stream.duration * stream.time_base) if stream.duration else (
            container.duration / 1e6 if container.duration else 0.0)
        others = [s.type for s in container.streams if s.index != stream.index]
        return VideoInfo(path, first.width, first.height, Fraction(rate), Fraction(stream.time_base),
                         int(stream.frames or 0), duration, int(round(first.rotation or 0)),
                         ColourInfo.of_frame(first), stream.codec_context.name, others,
                         Fraction(first.pts or 0) * Fraction(stream.time_base))


def _reason(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.replace("[Errno 1094995529] ", "")
