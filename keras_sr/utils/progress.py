"""Progress output that suits where stdout goes: Keras' bar on a terminal, plain lines in a log.

Keras' ``Progbar`` always redraws with ANSI colours, backspaces and carriage returns (it
treats every POSIX process as a live display), which turns a redirected log into noise.
"""

import sys
import time


def interactive():
    """True when stdout is a terminal."""
    return bool(getattr(sys.stdout, "isatty", None) and sys.stdout.isatty())


def fit_verbose(verbose=1):
    """``fit``'s ``verbose`` for a wanted ``verbose``: 1 (the bar) on a terminal, else 2 (one
    plain line per epoch); 0 and 2 stay as they are."""
    return 2 if verbose == 1 and not interactive() else verbose


class PlainProgress:
    """``Progbar``'s ``update(current)`` as plain lines: ``3/10 images, 4.1 s``."""

    def __init__(self, target, unit_name="step", stream=None):
        self.target, self.unit_name = int(target), unit_name
        self.stream = stream or sys.stdout
        self.start = time.perf_counter()

    def update(self, current, values=None, finalize=None):
        elapsed = time.perf_counter() - self.start
        print(f"{current}/{self.target} {self.unit_name}s, {elapsed:.1f} s", file=self.stream, flush=True)


def progress_bar(target, unit_name="step"):
    """A progress object with ``update(current)``: ``keras.utils.Progbar`` on a terminal,
    :class:`PlainProgress` otherwise."""
    if interactive():
        import keras

        return keras.utils.Progbar(target, unit_name=unit_name)
    return PlainProgress(target, unit_name)
