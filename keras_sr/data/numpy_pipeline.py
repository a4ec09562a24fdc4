"""The training patches of :func:`keras_sr.data.training_dataset` without TensorFlow: a
``keras.utils.PyDataset`` (worker threads) that any Keras backend's ``fit`` reads.

The same steps as the ``tf.data`` pipeline, in numpy: every file decoded and checked up
front (bad input named before training, :mod:`keras_sr.data.sources`), a random HR crop
aligned to the scale, LR by MATLAB bicubic on the uint8 patch
(:func:`~keras_sr.data.imresize.matlab_imresize`), a paired LR file, or a degradation chain
(:meth:`~keras_sr.data.degradations.Degradation.apply`), random flips / 90° rotations, Y or
RGB, value ranges. Batch ``k`` is drawn from ``numpy.random.default_rng([seed, k])`` (and
the image order from a seeded permutation per pass over the images), so the batches are the
same on every run, whatever the number of workers, and a resumed run continues with the
batches an uninterrupted run would have used (``initial_epoch``). The two pipelines draw
different random numbers: the patches are alike in distribution, not equal.

    from keras_sr.data.numpy_pipeline import numpy_training_dataset
    train = numpy_training_dataset("DIV2K/HR", scale=2, patch_size=48, batch_size=16, seed=0)
    model.fit(train, epochs=300, steps_per_epoch=1000)   # endless: steps_per_epoch cuts epochs

MDSR (``scales=(2, 3, 4)``): each batch has one scale and is ``{"lr", "hr"}``; the scale is
the ratio of their sides (:mod:`keras_sr.training.steps`).
"""

import functools
import os

import keras
import numpy as np

from keras_sr.data.color import rgb_to_y
from keras_sr.data.degradations import y_levels
from keras_sr.data.imresize import matlab_imresize
from keras_sr.data.io import list_image_files
from keras_sr.data.sources import _load_all, check_training_arguments


def default_workers():
    """Worker threads by default: the machine's cores, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


class NumpyPatches(keras.utils.PyDataset):
    """Endless random ``(lr, hr)`` training batches from decoded images.

    Build it with :func:`numpy_training_dataset`. Item ``i`` is global batch
    ``start + i`` (``start`` = ``initial_epoch · steps_per_epoch``); ``fit`` reads it with
    ``steps_per_epoch`` and keeps one iterator across epochs, so epoch ``e`` gets batches
    ``e · steps_per_epoch …``. ``workers`` threads draw the next batches ahead, in order
    (Keras' own enqueuer is not used: it restarts at item 0 each epoch).
    """

    def __init__(self, records, *, scales, multi_scale, patch_size, batch_size, channels, lr_range, hr_range,
                 augment, seed, bit_depth, chain, paired, steps_per_epoch, initial_epoch=0, workers=None,
                 prefetch=None):
        super().__init__(workers=1, use_multiprocessing=False)  # no Keras enqueuer: see above
        self.hr_images = [r[2] for r in records]
        self.lr_images = [r[3] for r in records] if paired else None
        self.scales, self.multi_scale = scales, multi_scale
        self.patch_size, self.batch_size = patch_size, batch_size
        self.channels, self.lr_range, self.hr_range = channels, lr_range, hr_range
        self.augment, self.seed, self.chain = augment, int(seed), chain
        self.max_value = 65535.0 if bit_depth == 16 else 255.0
        self.bit_depth = bit_depth
        self.steps_per_epoch = int(steps_per_epoch)
        self.start = int(initial_epoch) * self.steps_per_epoch
        self.threads = int(workers or default_workers())
        self.prefetch = int(prefetch or 2 * self.threads)
        self._pool, self._pending = None, {}

    @property
    def num_batches(self):
        return None  # endless: fit's steps_per_epoch cuts the epochs

    def __getitem__(self, i):
        k = self.start + int(i)
        if self.threads <= 1:
            return self.batch(k)
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="keras-sr-patches")
        for stale in [j for j in self._pending if j < k]:
            self._pending.pop(stale).cancel()
        for j in range(k, k + self.prefetch + 1):
            if j not in self._pending:
                self._pending[j] = self._pool.submit(self.batch, j)
        return self._pending.pop(k).result()

    def close(self):
        """Stop the worker threads (they are daemon-like: also stopped at exit)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool, self._pending = None, {}

    @functools.lru_cache(maxsize=4)  # noqa: B019  (a few passes are live at a time)
    def _order(self, repeat):
        return np.random.default_rng([self.seed, repeat, 1]).permutation(len(self.hr_images))

    def batch(self, k):
        """Global batch ``k`` (any order, any thread: it depends on ``seed`` and ``k`` only)."""
        rng = np.random.default_rng([self.seed, int(k)])
        s = self.scales[int(rng.integers(len(self.scales)))] if self.multi_scale else self.scales[0]
        num = len(self.hr_images)
        lrs, hrs = [], []
        for j in range(self.batch_size):
            n = int(k) * self.batch_size + j
            index = int(self._order(n // num)[n % num])
            lr, hr = self._patch(index, s, rng)
            lrs.append(lr)
            hrs.append(hr)
        lr, hr = np.stack(lrs), np.stack(hrs)
        if self.multi_scale:
            return {"lr": lr, "hr": hr}
        return lr, hr

    def _patch(self, index, s, rng):
        p = self.patch_size
        hr_img = self.hr_images[index]
        lr_h, lr_w = hr_img.shape[0] // s, hr_img.shape[1] // s
        if self.lr_images is not None:
            lr_h = min(lr_h, self.lr_images[index].shape[0])
            lr_w = min(lr_w, self.lr_images[index].shape[1])
        y, x = int(rng.integers(lr_h - p + 1)), int(rng.integers(lr_w - p + 1))
        hr_patch = hr_img[y * s:(y + p) * s, x * s:(x + p) * s]  # aligned to the LR grid
        if self.chain is not None:
            if self.channels == "y":
                hr_patch = y_levels(hr_patch)
            lr_patch = self.chain.apply(hr_patch, s, seed=int(rng.integers(2 ** 31)))
        elif self.lr_images is not None:
            lr_patch = self.lr_images[index][y:y + p, x:x + p]
        elif self.bit_depth == 8:  # MATLAB on uint8: rounded per pass, like saved LR files
            lr_patch = matlab_imresize(hr_patch, output_shape=(p, p))
        else:
            lr_patch = matlab_imresize(hr_patch.astype(np.float64) / self.max_value, output_shape=(p, p))
        lr = lr_patch.astype(np.float32) / (1.0 if lr_patch.dtype.kind == "f" else self.max_value)
        hr = hr_patch.astype(np.float32) / self.max_value
        if self.augment:
            flips = rng.integers(2, size=3)
            for f, op in zip(flips, (lambda a: a[:, ::-1], lambda a: a[::-1], lambda a: a.transpose(1, 0, 2))):
                if f:
                    lr, hr = op(lr), op(hr)
        if self.channels == "y" and self.chain is None:  # a chain already ran on Y
            lr, hr = rgb_to_y(lr).astype(np.float32), rgb_to_y(hr).astype(np.float32)
        return _scale(lr, self.lr_range), _scale(hr, self.hr_range)


def _scale(x, value_range):
    lo, hi = value_range
    x = np.ascontiguousarray(x, np.float32)
    return x if (lo, hi) == (0.0, 1.0) else x * np.float32(hi - lo) + np.float32(lo)


def numpy_training_dataset(hr, *, scale=2, patch_size=48, batch_size=16, scales=None, lr_dir=None, channels="rgb",
                           value_range=(0.0, 1.0), hr_value_range=None, augment=True, seed=None,
                           on_bad_file="skip_small", alpha="drop", bit_depth=8, degradation=None,
                           steps_per_epoch=1000, initial_epoch=0, workers=None):
    """:func:`keras_sr.data.training_dataset`'s patches as a :class:`NumpyPatches`
    (``keras.utils.PyDataset``; no TensorFlow). Same arguments and checks (images are kept
    in memory), plus ``steps_per_epoch`` and ``initial_epoch`` (resume: start with that
    epoch's batches) and ``workers`` (threads, default :func:`default_workers`).
    ``seed=None`` draws one."""
    multi_scale, scales, patch_size, batch_size, lr_range, hr_range, chain = check_training_arguments(
        scale, scales, lr_dir, channels, bit_depth, patch_size, batch_size, value_range, hr_value_range, degradation)
    records = _load_all(list_image_files(hr), lr_dir, max(scales), patch_size, alpha, bit_depth, on_bad_file,
                        keep=True)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    return NumpyPatches(records, scales=scales, multi_scale=multi_scale, patch_size=patch_size,
                        batch_size=batch_size, channels=channels, lr_range=lr_range, hr_range=hr_range,
                        augment=augment, seed=seed, bit_depth=bit_depth, chain=chain, paired=lr_dir is not None,
                        steps_per_epoch=steps_per_epoch, initial_epoch=initial_epoch, workers=workers,
                        )
