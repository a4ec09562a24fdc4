"""Whole-run progress of a training run: steps done / total, elapsed time, ETA.

Keras' bars are per epoch; a 300-epoch run needs the run's own clock. On a terminal
:class:`RunProgress` draws one updating line (and Keras' per-epoch bar is left out:
two redrawn lines would fight); in a log (stdout not a terminal) it prints a plain line every
``every`` seconds and at the end of each epoch, beside Keras' one line per epoch.
"""

import sys
import time

import keras

PLAIN_EVERY = 30.0  # seconds between plain progress lines in a log


def duration(seconds):
    """``42 s``, ``3 min 05 s``, ``2 h 07 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class RunProgress(keras.callbacks.Callback):
    """Progress of the whole run.

    Args:
        total_steps: updates of the whole run (all epochs, earlier sessions included).
        initial_step: updates already done (a resumed run).
        live: draw an updating line (a terminal) instead of plain lines.
        every: seconds between plain lines.
        stream: where to write (default stdout).
    """

    def __init__(self, total_steps, initial_step=0, live=False, every=PLAIN_EVERY, stream=None):
        super().__init__()
        self.total, self.initial = int(total_steps), int(initial_step)
        self.live, self.every = bool(live), float(every)
        self.stream = stream
        self.epochs = None

    def set_params(self, params):
        super().set_params(params)
        self.epochs = (params or {}).get("epochs")

    def _out(self):
        return self.stream or sys.stdout

    def on_train_begin(self, logs=None):
        self.start = self.last = time.perf_counter()
        self.done = self.initial
        self.epoch = 0
        self.width = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def line(self, logs=None):
        """``epoch 3/10, 2450/10000 steps (24 %), loss 0.0123, 1 min 12 s elapsed, ETA 3 min 40 s``."""
        elapsed = time.perf_counter() - self.start
        ran = self.done - self.initial
        parts = []
        if self.epochs:
            parts.append(f"epoch {self.epoch + 1}/{self.epochs}")
        parts.append(f"{self.done}/{self.total} steps ({100 * self.done / max(self.total, 1):.0f} %)")
        if logs and logs.get("loss") is not None:
            parts.append(f"loss {float(logs['loss']):.4g}")
        parts.append(f"{duration(elapsed)} elapsed")
        if ran > 0 and self.done < self.total:
            parts.append(f"ETA {duration((self.total - self.done) * elapsed / ran)}")
        elif self.done >= self.total:
            parts.append("done")
        return ", ".join(parts)

    def _draw(self, text, end=""):
        out = self._out()
        out.write("\r" + text.ljust(self.width) + end)
        out.flush()
        self.width = 0 if end else len(text)

    def _plain(self, text):
        print(f"progress: {text}", file=self._out(), flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        now = time.perf_counter()
        if self.live and now - self.last >= 0.2:
            self._draw(self.line(logs))
            self.last = now
        elif not self.live and now - self.last >= self.every:
            self._plain(self.line(logs))
            self.last = now

    def on_epoch_end(self, epoch, logs=None):
        text = self.line(logs)
        if logs and logs.get("val_psnr") is not None:
            text += f", val_psnr {float(logs['val_psnr']):.2f} dB"
        if self.live:
            self._draw(text, end="\n")  # each epoch leaves one line on the terminal
        else:
            self._plain(text)
        self.last = time.perf_counter()
