"""Callbacks of a training run: whole-image validation PSNR with a best checkpoint,
comparison pictures, and the standard Keras ones (backup, TensorBoard, NaN guard, CSV).

Validation is the benchmark protocol, not patches: every validation image whole, LR by
MATLAB bicubic (:func:`keras_sr.data.evaluation_dataset`), SR clipped and rounded to 8
bits, PSNR on MATLAB Y with ``scale`` px shaved (:func:`keras_sr.data.psnr_y`; a Y-channel
model is compared on its Y output directly).
"""

import contextlib
import json
import os
import warnings
from pathlib import Path

import keras
import numpy as np

from keras_sr.data import psnr_y  # a 1-channel image counts as Y
from keras_sr.utils import atomic



class ValidationImages:
    """Whole validation images (LR, HR, name) for ×``scale`` in ``channels``, loaded once."""

    def __init__(self, source, scale, channels="rgb", degradation=None):
        from keras_sr.data.sources import evaluation_pairs, evaluation_records

        self.scale = int(scale)
        self.shave = 0 if self.scale == 1 else self.scale  # restoration (x1): every pixel counts
        self.channels = channels
        if channels not in ("rgb", "y"):
            raise ValueError(f"`channels` must be 'rgb' or 'y', got {channels!r}")
        records, chain = evaluation_records(source, self.scale, degradation=degradation)
        self.names = [Path(r[0]).stem for r in records]
        # numpy (no TensorFlow needed): the pairs of keras_sr.data.evaluation_dataset
        self.pairs = [(lr[0], hr[0]) for lr, hr in evaluation_pairs(records, chain, self.scale, channels)]
        self._bicubic = None

    def __len__(self):
        return len(self.pairs)

    def predict(self, model):
        """SR images of ``model`` (one image at a time: sizes differ). Sizes a model cannot take
        (RT4KSR pixel-unshuffles by 2; Set5 at x3 has odd LR sizes) are edge-padded and the
        SR cropped, as in :mod:`keras_sr.evaluation`."""
        run = self._predictor(model)
        return [run(lr) for lr, _ in self.pairs]

    def predict_one(self, model, i):
        """The SR image of ``model`` for image ``i`` (edge-padded as :meth:`predict`)."""
        return self._predictor(model)(self.pairs[i][0])

    def _predictor(self, model):
        from keras_sr.inference import Predictor, input_multiple

        channels = self.pairs[0][0].shape[-1]
        return Predictor(lambda lr: np.asarray(model(lr[None], training=False))[0], model.name, self.scale,
                         channels, input_multiple(model))

    def psnr(self, model):
        """Mean benchmark PSNR of ``model`` over the images."""
        return float(np.mean([psnr_y(sr, hr, self.scale, self.shave)
                              for sr, (_, hr) in zip(self.predict(model), self.pairs)]))

    def bicubic(self):
        """MATLAB bicubic upscalings of the LR images (computed once); at x1 the LR images."""
        if self._bicubic is None and self.scale == 1:  # restoration: the baseline is the degraded input
            self._bicubic = [lr for lr, _ in self.pairs]
        if self._bicubic is None:
            from keras_sr import models

            up = models.build("bicubic", scale=self.scale, channels=self.pairs[0][0].shape[-1])
            self._bicubic = self.predict(up)
        return self._bicubic

    def bicubic_psnr(self):
        return float(np.mean([psnr_y(sr, hr, self.scale, self.shave)
                              for sr, (_, hr) in zip(self.bicubic(), self.pairs)]))


class BestPSNRCheckpoint(keras.callbacks.Callback):
    """Measures ``val_psnr`` on whole validation images each ``every`` epochs and saves the
    SR model as ``filepath`` (``.keras``) when it improves. With an EMA optimizer
    (``use_ema=True``) both use the averaged weights (:func:`averaged_weights`).

    Put it first in the callback list: it adds ``val_psnr`` to the epoch logs, which the
    callbacks after it (TensorBoard, CSV, History) then record. The best value is kept in
    ``filepath + ".json"`` so that a resumed run only saves a better model.

    Args:
        images: :class:`ValidationImages`.
        sr_model: the SR network to evaluate (the generator of a GAN, the ×s view of
            MDSR); ``None`` = the model being trained.
        filepath: where the best model goes.
    """

    def __init__(self, images, filepath, sr_model=None, every=1, verbose=1):
        super().__init__()
        self.images, self.filepath, self.sr_model = images, str(filepath), sr_model
        self.every, self.verbose = int(every), verbose
        self.state_path = self.filepath + ".json"
        self.best = -np.inf
        if os.path.isfile(self.state_path):
            with open(self.state_path) as f:
                self.best = json.load(f)["val_psnr"]

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        model = self.sr_model or self.model
        with averaged_weights(model, getattr(self.model, "optimizer", None)):  # the EMA when there is one
            value = self.images.psnr(model)
            if logs is not None:
                logs["val_psnr"] = value
            if value > self.best:
                if self.verbose:
                    print(f"\nepoch {epoch + 1}: val_psnr {value:.3f} dB (best so far), saving {self.filepath}")
                self.best = value
                save_model(model, self.filepath)
            atomic.write_text(self.state_path, json.dumps({"val_psnr": value, "epoch": epoch + 1}),
                              overwrite=True)


@contextlib.contextmanager
def averaged_weights(model, optimizer):
    """Within the block, ``model``'s trainable variables hold ``optimizer``'s moving averages
    (``use_ema=True``); the training values are put back on exit. Keras itself swaps the
    averages in only at the end of ``fit`` (``finalize_variable_values``), so without this a
    per-epoch validation would judge the raw weights. Yields whether a swap happened (no EMA,
    or an optimizer not built yet: nothing changes)."""
    averages = getattr(optimizer, "_model_variables_moving_average", None) if optimizer is not None else None
    if not getattr(optimizer, "use_ema", False) or not averages:
        yield False
        return
    saved = []
    for var in model.trainable_variables:
        try:
            average = averages[optimizer._get_variable_index(var)]
        except (KeyError, IndexError):  # not one of this optimizer's variables
            continue
        if average is not None:
            saved.append((var, np.array(keras.ops.convert_to_numpy(var))))
            var.assign(average)
    try:
        yield bool(saved)
    finally:
        for var, value in saved:
            var.assign(value)


class ComparisonPictures(keras.callbacks.Callback):
    """Writes ``[LR (nearest), bicubic, SR, HR]`` pictures of the first ``count`` validation
    images after each epoch to ``folder/epoch{NNNN}_{name}.png`` (captions with PSNR).

    ``crop``: HR-pixel side of a centre crop (pictures stay small); ``None`` = whole image.
    """

    def __init__(self, images, folder, sr_model=None, count=2, crop=192):
        super().__init__()
        self.images, self.folder, self.sr_model = images, Path(folder), sr_model
        self.count, self.crop = int(count), crop

    def on_epoch_end(self, epoch, logs=None):
        from keras_sr.evaluation import visualize

        self.folder.mkdir(parents=True, exist_ok=True)
        model = self.sr_model or self.model
        s = self.images.scale
        for i in range(min(self.count, len(self.images))):
            lr, hr = self.images.pairs[i]
            with averaged_weights(model, getattr(self.model, "optimizer", None)):
                sr = self.images.predict_one(model, i)  # odd LR sizes padded for models that need even ones
            bic = self.images.bicubic()[i]
            tiles = [np.repeat(np.repeat(lr, s, axis=0), s, axis=1), bic, sr, hr]
            tiles = [np.clip(np.round(np.clip(t, 0, 1) * 255.0), 0, 255).astype(np.uint8) for t in tiles]
            labels = ["LR", f"bicubic {psnr_y(bic, hr, s, self.images.shave):.2f} dB",
                      f"SR {psnr_y(sr, hr, s, self.images.shave):.2f} dB", "HR"]
            h, w = hr.shape[:2]
            crop = None
            if self.crop and min(h, w) > self.crop:
                crop = ((h - self.crop) // 2, (w - self.crop) // 2, self.crop, self.crop)
            name = self.images.names[i]
            visualize.write_comparison(str(self.folder / f"epoch{epoch + 1:04d}_{name}.png"), tiles, labels, crop)


class TimeLimit(keras.callbacks.Callback):
    """Stops ``fit`` after the first batch that ends ``seconds`` after training began
    (wall-clock budgets such as the 15-minute benchmark). ``stopped_at_step`` says when."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = float(seconds)
        self.stopped_at_step = None

    def on_train_begin(self, logs=None):
        import time

        self.start = time.perf_counter()
        self.steps = 0

    def on_train_batch_end(self, batch, logs=None):
        import time

        self.steps += 1
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True
            self.stopped_at_step = self.steps


def save_model(model, path):
    """``model.save(path)`` atomically (:func:`keras_sr.utils.atomic.save_model`), with
    BatchNormalization layers synchronized for a strategy (:func:`synchronize_batchnorm`)
    saved unsynchronized: the file loads on any backend."""
    synced = [layer for layer in model._flatten_layers()  # noqa: SLF001
              if isinstance(layer, keras.layers.BatchNormalization) and layer.synchronized]
    for layer in synced:
        layer.synchronized = False
    try:
        atomic.save_model(model, path)
    finally:
        for layer in synced:
            layer.synchronized = True


def synchronize_batchnorm(model, on=True):
    """Make ``model``'s BatchNormalization layers use the statistics of the global batch
    (all replicas) in training: a step under a strategy then equals one device's step on the
    global batch (SRResNet, the SRGAN discriminator). Returns how many layers changed."""
    changed = 0
    for layer in model._flatten_layers():  # noqa: SLF001
        if isinstance(layer, keras.layers.BatchNormalization) and layer.synchronized != on:
            layer.synchronized = on
            changed += 1
    return changed


class RunBackup(keras.callbacks.BackupAndRestore):
    """``BackupAndRestore`` whose backup is never half-written: each epoch's weights go to
    ``backup/epoch-NNNNNN.weights.h5`` (atomic), then ``training_metadata.json`` (atomic)
    names them, then older weights are removed. A process killed at any point leaves a
    metadata file that names complete weights of the epoch it records."""

    def __init__(self, backup_dir):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=False)

    def on_train_begin(self, logs=None):
        self._load_model()

    def _load_model(self):
        path = Path(self._training_metadata_path)
        if not path.is_file():
            return
        metadata = json.loads(path.read_text())
        weights = Path(self.backup_dir) / metadata.get("weights", "latest.weights.h5")
        if not weights.is_file():
            raise FileNotFoundError(f"backup {path} names {weights.name}, which does not exist")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(str(weights))
        self.model._initial_epoch = int(metadata["epoch"])  # noqa: SLF001

    def _save_model(self):
        folder = Path(self.backup_dir)
        name = f"epoch-{self._current_epoch:06d}.weights.h5"
        atomic.save_model(self.model, folder / name, weights_only=True)
        atomic.write_text(self._training_metadata_path, json.dumps(
            {"epoch": self._current_epoch, "batch": self._last_batch_seen, "weights": name}), overwrite=True)
        for old in list(folder.glob("epoch-*.weights.h5")) + list(folder.glob("latest.weights.h5")):
            if old.name != name:
                old.unlink(missing_ok=True)


def run_callbacks(run_dir, images=None, sr_model=None, pictures=2, tensorboard=True, resume=False):
    """The callbacks of a run folder, in order: validation/best checkpoint, pictures,
    :class:`RunBackup` (``backup/``, every epoch), ``TerminateOnNaN``, ``CSVLogger``
    (``logs/history.csv``) and ``TensorBoard`` (``logs/``)."""
    run_dir = Path(run_dir)
    callbacks = []
    if images is not None:
        callbacks.append(BestPSNRCheckpoint(images, run_dir / "checkpoints" / "best.keras", sr_model))
        if pictures:
            callbacks.append(ComparisonPictures(images, run_dir / "pictures", sr_model, count=pictures))
    callbacks += [
        RunBackup(str(run_dir / "backup")),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(run_dir / "logs" / "history.csv"), append=resume),
    ]
    if tensorboard and tensorboard_available():
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "logs"), write_graph=False))
    elif tensorboard:
        warnings.warn("TensorBoard logs need tensorboard and TensorFlow (pip install tensorboard): no TensorBoard logs, "
                      "logs/history.csv only", stacklevel=2)
    return callbacks


def tensorboard_available():
    """True when ``tensorboard`` and TensorFlow (``keras.callbacks.TensorBoard`` writes with
    ``tf.summary`` on every backend) are installed."""
    import importlib.util

    try:
        return all(importlib.util.find_spec(name) is not None for name in ("tensorboard", "tensorflow"))
    except (ImportError, ValueError):
        return False


def backup_epoch(run_dir):
    """The epoch a ``BackupAndRestore`` backup in ``run_dir/backup`` resumes from (0: none)."""
    path = Path(run_dir) / "backup" / "training_metadata.json"
    if not path.is_file():
        return 0
    with open(path) as f:
        return int(json.load(f)["epoch"])
