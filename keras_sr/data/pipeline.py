"""``tf.data`` pipelines of ``(lr, hr)`` for ``model.fit`` and for evaluation.

Training (:func:`training_dataset`): HR files -> decoded once (kept in memory, or a
``tf.data`` file cache) -> random HR crop aligned to the scale -> LR made on the fly with
MATLAB's bicubic :func:`~keras_sr.data.imresize.matlab_imresize_tf` (or cropped from a
paired LR folder) -> random flips / 90° rotations -> batches. Every file is decoded and
checked in Python before the dataset is built, so bad input fails (or is skipped with a
warning) by name before training, never as a TensorFlow error mid-epoch.

Evaluation (:func:`evaluation_dataset`): whole images one at a time, HR modcropped, LR by
the MATLAB op.

Both take ``degradation=`` (:mod:`keras_sr.data.degradations`): the input is then made by
that chain (noise, JPEG, blur, bicubic) instead — (degraded, clean) pairs at scale 1 for
restoration, realistic LR at scale > 1.
"""

import functools
from pathlib import Path

import numpy as np
import tensorflow as tf

from keras_sr.data.color import RGB_TO_YCBCR, YCBCR_OFFSET
from keras_sr.data.degradations import y_levels_tf
from keras_sr.data.imresize import matlab_imresize_tf
from keras_sr.data.io import list_image_files, read_image
from keras_sr.data.sources import (ON_BAD_FILE, TooSmallImage, _check_degradation, _check_range,  # noqa: F401
                                   _load_all, check_training_arguments, _scale_range, _to_bit_depth, evaluation_pairs,
                                   evaluation_records)

AUTOTUNE = tf.data.AUTOTUNE


# ---- in-graph image store (decoded once, kept in memory) ----

class _ImageStore:
    """Images of one dtype in one flat CPU variable (no 2 GB graph-constant limit)."""

    def __init__(self, images):
        self.dtype = images[0].dtype
        shapes = np.array([im.shape for im in images], np.int64)
        sizes = shapes.prod(axis=1)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        with tf.device("/cpu:0"):
            self.flat = tf.Variable(np.concatenate([im.reshape(-1) for im in images]), trainable=False)
        self.shapes = tf.constant(shapes)
        self.offsets = tf.constant(offsets)
        self.sizes = tf.constant(sizes)

    def get(self, index):
        start, size = self.offsets[index], self.sizes[index]
        return tf.reshape(self.flat[start:start + size], tf.cast(self.shapes[index], tf.int32))


def _decode_fn(alpha, bit_depth, dtype):
    def decode(path):
        return _to_bit_depth(read_image(path.decode(), alpha), bit_depth).astype(dtype)

    def fn(path):
        img = tf.numpy_function(decode, [path], dtype)
        return tf.ensure_shape(img, [None, None, 3])

    return fn


# ---- per-patch ops ----

def _rgb_to_y_tf(x):
    m = tf.constant(RGB_TO_YCBCR[0] / 255.0, x.dtype)
    return tf.tensordot(x, m, axes=1)[..., None] + YCBCR_OFFSET[0] / 255.0


def _augment(lr, hr, seed):
    flips = tf.random.stateless_uniform([3], seed, maxval=2, dtype=tf.int32)

    def apply(x):
        x = tf.cond(flips[0] > 0, lambda: tf.reverse(x, [1]), lambda: x)  # horizontal
        x = tf.cond(flips[1] > 0, lambda: tf.reverse(x, [0]), lambda: x)  # vertical
        # A transpose combined with the flips gives the 90° rotations.
        return tf.cond(flips[2] > 0, lambda: tf.transpose(x, [1, 0, 2]), lambda: x)

    return apply(lr), apply(hr)


def training_dataset(hr, *, scale=2, patch_size=48, batch_size=16, scales=None, lr_dir=None,
                     channels="rgb", value_range=(0.0, 1.0), hr_value_range=None, augment=True,
                     seed=None, cache=True, on_bad_file="skip_small", alpha="drop", bit_depth=8,
                     repeat=True, shuffle_buffer=None, degradation=None):
    """Random ``(lr, hr)`` training patches for ``model.fit``.

    Args:
        hr: HR images: a folder, a glob (``"data/*.png"``), a file, or a list of these.
        scale: SR scale (integer).
        patch_size: LR patch side in pixels; HR patches are ``patch_size · scale``
            (EDSR: 48; SRResNet ×4: 24 for 96 px HR).
        batch_size: patches per batch (the last partial batch is dropped).
        scales: e.g. ``(2, 3, 4)`` for MDSR: each batch gets one scale drawn at random
            from ``scales`` (LR patch fixed at ``patch_size``, HR ``patch_size · s``) and the
            dataset yields dicts ``{"lr": (B, p, p, C), "hr": (B, p·s, p·s, C), "scale": s}``
            (int32 scalar) instead of tuples — pick the ×s model per batch. ``scale`` is ignored.
        lr_dir: folder of pre-made LR images paired by name (DIV2K: ``0001.png`` ->
            ``0001x{scale}.png``); ``None`` makes LR with the MATLAB bicubic op.
        channels: ``"rgb"`` -> (…, 3); ``"y"`` -> (…, 1) MATLAB Y / 255 of both LR and HR
            (SRDenseNet), LR being the Y of the bicubic-resized RGB patch.
        value_range: (low, high) the LR values are mapped to from [0, 1].
        hr_value_range: the same for HR (default ``value_range``), e.g. (-1, 1) for SRResNet.
        augment: random horizontal/vertical flips and transposition (the 8 flips/90° rotations).
        seed: integer -> identical batches on every run; ``None`` -> random.
        cache: ``True`` (or ``"memory"``): decode every image once into memory; another
            string: a ``tf.data`` file cache at that path (sets larger than memory);
            ``False``: decode on every read.
        on_bad_file: ``"skip_small"`` (default): images smaller than the crop are left
            out (T91's ``t20.png`` is 78 px, less than a 96 px HR crop), reported in one
            warning line; an unreadable/corrupt/non-image file raises
            :class:`~keras_sr.data.io.ImageReadError` naming it. ``"raise"``: any bad or
            small file raises. ``"skip"``: every bad file is left out (one warning line).
        alpha: transparency handling, see :func:`~keras_sr.data.io.read_image`.
        bit_depth: 8: images are 8-bit (16-bit sources rounded) and LR is MATLAB's uint8
            result (rounded per pass), as benchmark LR files are; 16: 16-bit kept, LR is
            the float MATLAB result.
        repeat: ``True``: endless (use ``steps_per_epoch``); ``False``: one pass over the images.
        shuffle_buffer: images in the shuffle buffer for a file cache (default 64);
            in memory and without cache all images are shuffled.
        degradation: ``None``: LR = MATLAB bicubic (the SR benchmark degradation); or a chain
            of :mod:`keras_sr.data.degradations` (``"noise:30"``, ``"jpeg:10-40"`` at
            ``scale=1``: (degraded, clean) pairs for restoration; ``"bicubic+jpeg:90"`` at
            ``scale > 1``), applied to each 8-bit HR patch with a seed drawn from ``seed``.
            With ``channels="y"`` the chain runs on the 8-bit Y image (MATLAB ``rgb2ycbcr``,
            rounded: the grayscale image of the denoising/deblocking papers) and HR is that Y.

    Returns:
        ``tf.data.Dataset`` of ``(lr, hr)`` float32 batches (B, p, p, C), (B, p·s, p·s, C)
        (dicts with ``scales``, see above).

    Raises:
        FileNotFoundError / ValueError: missing sources, empty folder, bad arguments.
        ImageReadError: a bad file (a small one only with ``on_bad_file="raise"``), naming it.
    """
    multi_scale, scales, patch_size, batch_size, lr_range, hr_range, chain = check_training_arguments(
        scale, scales, lr_dir, channels, bit_depth, patch_size, batch_size, value_range, hr_value_range, degradation)

    in_memory = cache is True or cache == "memory"
    if cache and not in_memory:
        cache_dir = Path(str(cache)).parent
        if not cache_dir.is_dir():
            raise ValueError(f"`cache` file {cache}: folder {cache_dir} does not exist")
    files = list_image_files(hr)
    max_scale = max(scales)
    records = _load_all(files, lr_dir, max_scale, patch_size, alpha, bit_depth, on_bad_file, keep=in_memory)
    dtype = np.uint16 if bit_depth == 16 else np.uint8
    max_value = float(np.iinfo(dtype).max)
    paired = lr_dir is not None
    num = len(records)

    seed_value = int(seed) if seed is not None else int(np.random.SeedSequence().generate_state(1)[0])
    deterministic = seed is not None

    # Source: one whole decoded image (and its LR) per element.
    no_lr = tf.zeros([0, 0, 3], dtype)
    if in_memory:
        hr_store = _ImageStore([r[2] for r in records])
        lr_store = _ImageStore([r[3] for r in records]) if paired else None
        source = tf.data.Dataset.range(num).shuffle(num, seed=seed_value, reshuffle_each_iteration=True)
        if repeat:
            source = source.repeat()
        source = source.map(lambda i: (hr_store.get(i), lr_store.get(i) if paired else no_lr),
                            num_parallel_calls=AUTOTUNE, deterministic=True)
    else:
        decode = _decode_fn(alpha, bit_depth, dtype)
        hr_paths = [r[0] for r in records]
        lr_paths = [r[1] for r in records] if paired else [""] * num
        source = tf.data.Dataset.from_tensor_slices((hr_paths, lr_paths))
        if cache:  # file cache: decode during the first pass, read the cache after
            source = source.map(lambda h, lr: (decode(h), decode(lr) if paired else no_lr),
                                num_parallel_calls=AUTOTUNE, deterministic=True)
            source = source.cache(str(cache))
            source = source.shuffle(shuffle_buffer or 64, seed=seed_value, reshuffle_each_iteration=True)
            if repeat:
                source = source.repeat()
        else:
            source = source.shuffle(num, seed=seed_value, reshuffle_each_iteration=True)
            if repeat:
                source = source.repeat()
            source = source.map(lambda h, lr: (decode(h), decode(lr) if paired else no_lr),
                                num_parallel_calls=AUTOTUNE, deterministic=True)

    def crop_and_degrade(hr_img, lr_img, s, seeds):
        """Random aligned HR crop and its LR, for a Python-int scale ``s`` (static sizes)."""
        if chain is not None:
            return crop_and_chain(hr_img, s, seeds)
        shape = tf.shape(hr_img)
        lr_h, lr_w = shape[0] // s, shape[1] // s
        if paired:
            lr_h = tf.minimum(lr_h, tf.shape(lr_img)[0])
            lr_w = tf.minimum(lr_w, tf.shape(lr_img)[1])
        y = tf.random.stateless_uniform([], seeds[0], maxval=lr_h - patch_size + 1, dtype=tf.int32)
        x = tf.random.stateless_uniform([], seeds[1], maxval=lr_w - patch_size + 1, dtype=tf.int32)
        hr_size = patch_size * s
        hr_patch = hr_img[y * s:y * s + hr_size, x * s:x * s + hr_size]  # aligned to the LR grid
        hr_patch = tf.ensure_shape(hr_patch, [hr_size, hr_size, 3])  # static: constant resize weights
        if paired:
            lr_patch = tf.cast(lr_img[y:y + patch_size, x:x + patch_size], tf.float32) / max_value
        elif bit_depth == 8:  # MATLAB on uint8: rounded per pass, like saved LR files
            lr_patch = tf.cast(matlab_imresize_tf(hr_patch, output_shape=(patch_size, patch_size)),
                               tf.float32) / max_value
        else:
            lr_patch = matlab_imresize_tf(tf.cast(hr_patch, tf.float32) / max_value,
                                          output_shape=(patch_size, patch_size))
        return lr_patch, tf.cast(hr_patch, tf.float32) / max_value

    def crop_and_chain(hr_img, s, seeds):
        """Random HR crop (8-bit, Y with ``channels="y"``) and its LR by the degradation chain."""
        shape = tf.shape(hr_img)
        hr_size = patch_size * s
        y = tf.random.stateless_uniform([], seeds[0], maxval=shape[0] // s - patch_size + 1, dtype=tf.int32)
        x = tf.random.stateless_uniform([], seeds[1], maxval=shape[1] // s - patch_size + 1, dtype=tf.int32)
        hr_patch = tf.ensure_shape(hr_img[y * s:y * s + hr_size, x * s:x * s + hr_size], [hr_size, hr_size, 3])
        if channels == "y":
            hr_patch = y_levels_tf(hr_patch)
        lr_patch = chain.apply_tf(hr_patch, tf.random.experimental.stateless_fold_in(seeds[2], 1),
                                  lr_shape=(patch_size, patch_size) if s > 1 else None)
        lr_patch = tf.ensure_shape(lr_patch, [patch_size, patch_size, hr_patch.shape[-1]])
        return tf.cast(lr_patch, tf.float32) / max_value, tf.cast(hr_patch, tf.float32) / max_value

    def make_patch(index, images):
        hr_img, lr_img = images
        # Stateless randomness keyed on (seed, element index): identical across runs.
        seeds = tf.random.experimental.stateless_split(
            tf.stack([tf.constant(seed_value, tf.int64), index + 1]), 3)
        if multi_scale:  # one scale per batch: key it on the batch index
            batch_seed = tf.stack([tf.constant(seed_value, tf.int64), index // batch_size])
            pick = tf.random.stateless_uniform([], batch_seed, maxval=len(scales), dtype=tf.int32)
            s = tf.constant(scales, tf.int32)[pick]
            lr_patch, hr_patch = tf.switch_case(
                pick, [functools.partial(crop_and_degrade, hr_img, lr_img, sc, seeds) for sc in scales])
        else:
            lr_patch, hr_patch = crop_and_degrade(hr_img, lr_img, scales[0], seeds)
        if augment:
            lr_patch, hr_patch = _augment(lr_patch, hr_patch, seeds[2])
        if channels == "y" and chain is None:  # a chain already ran on Y
            lr_patch, hr_patch = _rgb_to_y_tf(lr_patch), _rgb_to_y_tf(hr_patch)
        c = 1 if channels == "y" else 3
        lr_patch = tf.ensure_shape(_scale_range(lr_patch, lr_range), [patch_size, patch_size, c])
        hr_patch = _scale_range(hr_patch, hr_range)
        if multi_scale:
            return {"lr": lr_patch, "hr": tf.ensure_shape(hr_patch, [None, None, c]), "scale": s}
        hr_side = patch_size * scales[0]
        return lr_patch, tf.ensure_shape(hr_patch, [hr_side, hr_side, c])

    ds = source.enumerate().map(make_patch, num_parallel_calls=AUTOTUNE, deterministic=deterministic)
    # drop_remainder keeps batch k = elements [k·B, (k+1)·B): one scale per batch with `scales`.
    ds = ds.batch(batch_size, drop_remainder=True)
    if multi_scale:
        ds = ds.map(lambda d: {**d, "scale": d["scale"][0]})
    return ds.prefetch(AUTOTUNE)


def evaluation_dataset(hr, scale, *, lr_dir=None, channels="rgb", value_range=(0.0, 1.0),
                       on_bad_file="raise", alpha="drop", degradation=None, seed=0):
    """Whole ``(lr, hr)`` images one at a time (batch of 1), the benchmark protocol.

    HR is modcropped to a multiple of ``scale``; LR is MATLAB ``imresize(hr, 1/scale)`` on
    the uint8 image (:func:`~keras_sr.data.imresize.matlab_imresize`) or, with ``lr_dir``,
    the paired LR file (DIV2K naming). Files are decoded and checked before the dataset is
    returned. Order: sorted file names (see :func:`~keras_sr.data.io.list_image_files`).

    ``degradation`` (a :mod:`keras_sr.data.degradations` chain, e.g. ``"noise:30"`` at scale
    1 or ``"bicubic+jpeg:90"``) makes the LR instead, image ``i`` (in order) with seed
    ``seed + i``; with ``channels="y"`` it runs on the rounded 8-bit Y, which is also the HR.

    Returns:
        ``tf.data.Dataset`` of float32 ``(lr, hr)``: (1, h, w, C), (1, h·s, w·s, C),
        C = 3 (``"rgb"``) or 1 (``"y"``: MATLAB Y / 255), values in ``value_range``.
    """
    if channels not in ("rgb", "y"):
        raise ValueError(f"`channels` must be 'rgb' or 'y', got {channels!r}")
    records, chain = evaluation_records(hr, scale, lr_dir, on_bad_file, alpha, degradation)
    _check_range(value_range, "value_range")
    c = 1 if channels == "y" else 3

    def generate():
        yield from evaluation_pairs(records, chain, scale, channels, value_range, alpha, seed)

    spec = tf.TensorSpec([1, None, None, c], tf.float32)
    return tf.data.Dataset.from_generator(generate, output_signature=(spec, spec))
