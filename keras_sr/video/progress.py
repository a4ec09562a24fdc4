"""Video progress: ``frame 120/300, 4.1 fps, ETA 0:00:44`` redrawn on a terminal, plain lines in
logs (every ``every`` seconds and at the end)."""

import sys
import time


def _clock(seconds):
    seconds = int(max(0, seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class VideoProgress:
    def __init__(self, total=None, stream=None, every=10.0, label=""):
        self.total, self.stream, self.every, self.label = total, stream or sys.stdout, every, label
        self.tty = bool(getattr(self.stream, "isatty", None) and self.stream.isatty())
        self.start = self.last = time.perf_counter()
        self.done = 0

    def line(self):
        elapsed = time.perf_counter() - self.start
        fps = self.done / elapsed if elapsed > 0 else 0.0
        text = f"{self.label}frame {self.done}" + (f"/{self.total}" if self.total else "") + f", {fps:.2f} fps"
        if self.total and fps > 0:
            text += f", ETA {_clock((self.total - self.done) / fps)}"
        return text

    def update(self, done):
        self.done = done
        now = time.perf_counter()
        if self.tty and now - self.last >= 0.2:
            print("\r" + self.line() + "\033[K", end="", file=self.stream, flush=True)
            self.last = now
        elif not self.tty and now - self.last >= self.every:
            print(self.line(), file=self.stream, flush=True)
            self.last = now

    def close(self):
        """The final line; returns the fps."""
        elapsed = time.perf_counter() - self.start
        text = f"{self.label}{self.done} frames in {elapsed:.1f} s, {self.done / max(elapsed, 1e-9):.2f} fps"
        print(("\r" + text + "\033[K") if self.tty else text, file=self.stream, flush=True)
        return self.done / max(elapsed, 1e-9)
