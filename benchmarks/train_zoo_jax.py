"""The GPU campaign of issue 16 on Keras' JAX backend: for a GPU machine with JAX but no TensorFlow.

    KERAS_BACKEND=jax PYTHONPATH=. python benchmarks/train_zoo_jax.py --train DIR --val DIR \\
        --seconds 540 --out /tmp/zoo [--pack OUT] [--only srresnet ...] [--tiny]

``benchmarks/train_zoo.py`` is the campaign through ``keras-sr train`` (TensorFlow, tf.data).
The GPU machines lent to this project carry JAX and PyTorch but no TensorFlow (and nothing can
be installed there beyond a 64 MiB upload), so this script trains the same zoo with the same
keras-sr models (``keras_sr.models.build``), the same fast recipes
(:data:`keras_sr.training.recipes.FAST_RECIPES`: Adam, warm-up + cosine, EMA of the weights,
the recipes' losses through :func:`keras_sr.training.losses.pixel_loss`) and writes Keras
``.weights.h5`` files that the TensorFlow side (``benchmarks/ship_jax_campaign.py``) evaluates
on Set5 and ships. What differs from ``keras-sr train``, and why:

* the training loop is ``model.stateless_call`` + ``jax.grad`` inside ``lax.fori_loop``
  chunks, with the patch sampling on the GPU (random aligned LR/HR crops of a padded image
  bank, flips and 90° turns): no host round trip per step;
* Adam is written out (Keras' update rule: bias-corrected step ``lr·√(1−β2^t)/(1−β1^t)``,
  ``m/(√v+ε)``) so that MDSR updates only the shared body and the batch's scale branch, as
  :class:`~keras_sr.training.multiscale.MultiScaleTrainer` does; EMA as Keras' ``use_ema``;
* the cosine schedule's length is sized to the wall-time budget while the run goes (the
  first half re-estimates it from the measured rate), as ``train_zoo.py`` sizes it by a probe;
* selection: the weights kept are those with the best PSNR (Y, shave = scale, 8-bit output) on
  held-out TRAINING images (``--val``: 192 px centre crops of the seeded 10 % that
  ``--val-split 0.1`` holds out), never on a benchmark set.

Lanes (one process each, run side by side on the one GPU) train their stages in sequence:
x3/x4 start from the x2 stage's weights (EDSR §3.2, :func:`keras_sr.training.warm_start`),
SRGAN from the SRResNet stage (Ledig et al.). Each stage writes ``OUT/NAME.weights.h5`` (the
selected weights, training form) and ``OUT/NAME.json`` (recipe, steps, samples/s, held-out
curve, bicubic on the same crops, device). ``--pack DIR`` bundles them into at most 7
``.tar.gz`` files of < 16 MiB (6: the tool returns 8 files, the log and a GPU trace too) (what the device tool brings back).
"""

import argparse
import dataclasses
import glob
import json
import math
import os
import pickle
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VAL_CROP = 192  # HR side of the held-out crops: a multiple of 2, 3 and 4


@dataclasses.dataclass(frozen=True)
class Stage:
    """One shipped weight: the file stem, preset, scale, recipe overrides for this campaign
    (GPU batch/patch), the stage it starts from and its share of the lane's time."""

    name: str
    model: str
    scale: int
    overrides: dict = dataclasses.field(default_factory=dict)
    init_from: str = None
    share: float = 1.0


# GPU overrides: larger batches than the CPU fast recipes (a GPU step costs about the same for
# 16 or 32 patches of these sizes); EDSR/MDSR back at the paper's 48 px LR patches.
LANES = {
    "srresnet": (Stage("srresnet_x4", "srresnet", 4, {"batch_size": 32}, share=0.64),
                 Stage("srgan_x4", "srgan", 4, {"content_layer": None, "pixel_weight": 1.0},
                       init_from="srresnet_x4", share=0.36)),
    "edsr": (Stage("edsr-baseline_x2", "edsr-baseline", 2, {"patch_size": 48, "batch_size": 32}, share=0.44),
             Stage("edsr-baseline_x3", "edsr-baseline", 3, {"patch_size": 48, "batch_size": 32},
                   init_from="edsr-baseline_x2", share=0.28),
             Stage("edsr-baseline_x4", "edsr-baseline", 4, {"patch_size": 48, "batch_size": 32},
                   init_from="edsr-baseline_x2", share=0.28)),
    "rt4ksr": (Stage("rt4ksr_x2", "rt4ksr", 2, {"batch_size": 32}, share=0.44),
               Stage("rt4ksr_x3", "rt4ksr", 3, {"batch_size": 32}, init_from="rt4ksr_x2", share=0.28),
               Stage("rt4ksr_x4", "rt4ksr", 4, {"batch_size": 32}, init_from="rt4ksr_x2", share=0.28)),
    "mdsr": (Stage("mdsr-baseline", "mdsr-baseline", 0, {"patch_size": 48, "batch_size": 32}),),
    "srdensenet": (Stage("srdensenet-all_x4", "srdensenet-all", 4, {}),),
    "rednet": (Stage("rednet30_x2", "rednet30", 2, {"batch_size": 64}, share=0.5),
               Stage("rednet30_x4", "rednet30", 4, {"batch_size": 64}, init_from="rednet30_x2", share=0.5)),
    # SRCNN is left out: its shipped CPU weights stand, and a tiny network's GPU time slices
    # would be spent mostly idle (srcnn_x2's 36.0 dB target needs ~10^8 backprops, not minutes)
}

# --tiny: every lane's models shrunk to a few small layers (a CPU test of the whole path)
TINY = {"edsr-baseline": {"num_blocks": 1, "filters": 8}, "mdsr-baseline": {"num_blocks": 1, "filters": 8},
        "srresnet": {"num_blocks": 1, "filters": 8}, "srgan": {"num_blocks": 1, "filters": 8},
        "rt4ksr": {"num_feats": 8, "num_blocks": 1}, "srdensenet-all": {"num_blocks": 1, "num_layers": 2,
                                                                         "growth_rate": 4, "bottleneck_filters": 8},
        "rednet30": {"num_layers": 2, "filters": 8}, "srcnn": {"filters": (8, 4)}}
TINY_DISCRIMINATOR = {"filters": 4}


# ---------------------------------------------------------------- data (numpy, no TensorFlow)


def _prepare_one(args):
    """HR (modcropped to ``scale``) and its MATLAB-bicubic LR, for each scale."""
    from keras_sr.data.imresize import matlab_imresize
    from keras_sr.data.io import read_image

    path, scales = args
    img = read_image(path)
    out = {}
    for s in scales:
        h, w = img.shape[0] // s * s, img.shape[1] // s * s
        hr = img[:h, :w]
        out[s] = (hr, matlab_imresize(hr, 1.0 / s))
    return os.path.basename(path), out


def prepare(train_dir, val_dir, cache, workers, scales=(2, 3, 4)):
    """Decode the images and make every LR once (a process pool); pickled to ``cache``."""
    from multiprocessing import Pool

    files = sorted(glob.glob(os.path.join(train_dir, "*")))
    val_files = sorted(glob.glob(os.path.join(val_dir, "*")))
    if not files or not val_files:
        raise SystemExit(f"train_zoo_jax: no images in {train_dir} or {val_dir}")
    with Pool(workers) as pool:
        train = pool.map(_prepare_one, [(f, scales) for f in files], chunksize=2)
        val = pool.map(_prepare_one, [(f, scales) for f in val_files], chunksize=1)
    tmp = f"{cache}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump({"train": train, "val": val}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    return len(files), len(val_files)


class Bank:
    """The training images of one scale as padded device arrays, for aligned random crops on
    the GPU: LR (N, Hl, Wl, 3) and HR (N, s·Hl, s·Wl, 3) uint8 and each image's LR size."""

    def __init__(self, pairs, scale, lr_patch):
        import jax.numpy as jnp
        import numpy as np

        kept = [(hr, lr) for hr, lr in pairs if min(lr.shape[:2]) >= lr_patch]  # skip_small
        if not kept:
            raise ValueError(f"no training image holds a {lr_patch}px LR patch at x{scale}")
        hl = max(lr.shape[0] for _, lr in kept)
        wl = max(lr.shape[1] for _, lr in kept)
        lr_bank = np.zeros((len(kept), hl, wl, 3), np.uint8)
        hr_bank = np.zeros((len(kept), hl * scale, wl * scale, 3), np.uint8)
        sizes = np.zeros((len(kept), 2), np.int32)
        for i, (hr, lr) in enumerate(kept):
            lr_bank[i, :lr.shape[0], :lr.shape[1]] = lr
            hr_bank[i, :hr.shape[0], :hr.shape[1]] = hr
            sizes[i] = lr.shape[:2]
        self.lr, self.hr, self.sizes = jnp.asarray(lr_bank), jnp.asarray(hr_bank), jnp.asarray(sizes)
        self.scale, self.patch, self.count, self.skipped = scale, lr_patch, len(kept), len(pairs) - len(kept)

    @property
    def arrays(self):
        """What a jitted step takes as arguments (closed-over arrays would be compiled in as
        constants: hundreds of MB)."""
        return self.lr, self.hr, self.sizes

    def sample(self, arrays, key, batch, y_channel):
        """A batch of (lr, hr) float32 patches in [0, 1] (Y when ``y_channel``), augmented;
        ``arrays`` is :attr:`arrays` (traced)."""
        import jax
        import jax.numpy as jnp

        lr_bank, hr_bank, sizes = arrays
        k_img, k_y, k_x, k_aug = jax.random.split(key, 4)
        idx = jax.random.randint(k_img, (batch,), 0, self.count)
        room = sizes[idx] - self.patch + 1
        ys = jnp.floor(jax.random.uniform(k_y, (batch,)) * room[:, 0]).astype(jnp.int32)
        xs = jnp.floor(jax.random.uniform(k_x, (batch,)) * room[:, 1]).astype(jnp.int32)
        p, s = self.patch, self.scale

        def crop(i, y, x):
            lr = jax.lax.dynamic_slice(lr_bank, (i, y, x, 0), (1, p, p, 3))[0]
            hr = jax.lax.dynamic_slice(hr_bank, (i, y * s, x * s, 0), (1, p * s, p * s, 3))[0]
            return lr, hr

        lr, hr = jax.vmap(crop)(idx, ys, xs)
        lr, hr = augment(k_aug, lr.astype(jnp.float32) / 255.0, hr.astype(jnp.float32) / 255.0)
        if y_channel:
            lr, hr = y_of(lr), y_of(hr)
        return lr, hr


def augment(key, lr, hr):
    """Per-sample random horizontal/vertical flips and transposition (the 8 dihedral turns)."""
    import jax
    import jax.numpy as jnp

    flips = jax.random.bernoulli(key, 0.5, (3, lr.shape[0]))

    def apply(x):
        x = jnp.where(flips[0][:, None, None, None], x[:, :, ::-1], x)
        x = jnp.where(flips[1][:, None, None, None], x[:, ::-1], x)
        return jnp.where(flips[2][:, None, None, None], jnp.transpose(x, (0, 2, 1, 3)), x)

    return apply(lr), apply(hr)


def y_of(rgb):
    """MATLAB's Y in [16/255, 235/255] of RGB in [0, 1] (keras_sr.data.color's constants)."""
    from keras_sr.data.color import RGB_TO_YCBCR, YCBCR_OFFSET

    weights = (RGB_TO_YCBCR[0] / 255.0).astype("float32")
    return (rgb @ weights)[..., None] + float(YCBCR_OFFSET[0]) / 255.0


def val_arrays(val, scale, y_channel):
    """Held-out crops: LR (N, c/s, c/s, C) float32 in [0, 1], HR uint8 (N, c, c, 3), bicubic
    uint8 (MATLAB, from the LR) — only images with a full ``VAL_CROP`` crop."""
    import numpy as np

    from keras_sr.data.imresize import matlab_imresize

    lrs, hrs, bics = [], [], []
    for _, by_scale in val:
        hr, lr = by_scale[scale]
        c = VAL_CROP
        if hr.shape[0] < c or hr.shape[1] < c:
            continue
        hr, lr = hr[:c, :c], lr[:c // scale, :c // scale]
        lrs.append(lr.astype(np.float32) / 255.0)
        hrs.append(hr)
        bics.append(matlab_imresize(lr, float(scale)))
    lr = np.stack(lrs)
    if y_channel:
        lr = np.asarray(y_of(lr))
    return lr, np.stack(hrs), np.stack(bics)


def psnr_y_batch(sr, hr, scale):
    """Mean PSNR (dB) on Y with ``scale`` pixels shaved, SR quantised to 8 bits (the SR
    convention of keras_sr.evaluation); ``sr`` (N, H, W, 1|3) float in [0, 1] or uint8."""
    import numpy as np

    from keras_sr.data.color import RGB_TO_YCBCR, YCBCR_OFFSET

    def y255(x):  # RGB in [0, 1] -> Y in [16, 235]
        return np.asarray(x, np.float64) @ RGB_TO_YCBCR[0] + YCBCR_OFFSET[0]

    if sr.dtype == np.uint8:
        sr = sr.astype(np.float64) / 255.0
    else:
        sr = np.round(np.clip(np.asarray(sr, np.float64), 0.0, 1.0) * 255.0) / 255.0
    # a Y model's output is Y already (in [0, 1]); RGB goes through MATLAB's Y
    sr_y = sr[..., 0] * 255.0 if sr.shape[-1] == 1 else y255(sr)
    hr_y = y255(hr.astype(np.float64) / 255.0)
    s = scale
    diff = (sr_y - hr_y)[:, s:-s, s:-s]
    mse = np.mean(diff ** 2, axis=(1, 2))
    return float(np.mean(10.0 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))))


# ---------------------------------------------------------------- optimisation (Keras' Adam, in jnp)

def cosine_lr(step, total, peak, warmup_fraction, final_fraction):
    """Keras ``CosineDecay(0, total − warmup, alpha, warmup_target=peak, warmup_steps)``."""
    import jax.numpy as jnp

    warmup = jnp.round(warmup_fraction * total)
    decay_steps = jnp.maximum(1.0, total - warmup)
    warm = peak * step / jnp.maximum(warmup, 1.0)
    progress = jnp.clip(step - warmup, 0.0, decay_steps) / decay_steps
    cosine = (1.0 - final_fraction) * 0.5 * (1.0 + jnp.cos(jnp.pi * progress)) + final_fraction
    return jnp.where(step < warmup, warm, peak * cosine)


def adam_update(params, grads, m, v, t, lr, recipe, mask):
    """One Keras Adam step for the variables where ``mask`` is True (others keep value and
    moments); ``t`` is the 1-based optimizer iteration."""
    import jax.numpy as jnp

    b1, b2, eps = recipe.beta_1, recipe.beta_2, recipe.epsilon
    alpha = lr * jnp.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
    new_p, new_m, new_v = [], [], []
    for p, g, mi, vi, on in zip(params, grads, m, v, mask):
        if not on:
            new_p.append(p), new_m.append(mi), new_v.append(vi)
            continue
        mi = mi + (g - mi) * (1.0 - b1)
        vi = vi + (g * g - vi) * (1.0 - b2)
        new_p.append(p - alpha * mi / (jnp.sqrt(vi) + eps))
        new_m.append(mi), new_v.append(vi)
    return new_p, new_m, new_v


# ---------------------------------------------------------------- one stage

def stage_recipe(stage, tiny, lr_factor=1.0):
    from keras_sr.training.recipes import get_recipe

    overrides = dict(stage.overrides)
    if lr_factor != 1.0:  # a continued run: a lower peak than the fast recipe's
        overrides["learning_rate"] = get_recipe(stage.model, variant="fast").learning_rate * lr_factor
    if tiny:
        overrides["model_overrides"] = {**get_recipe(stage.model, variant="fast").model_overrides,
                                        **TINY[stage.model]}
        overrides["batch_size"] = 4
        if stage.model == "srgan":
            overrides["discriminator_overrides"] = TINY_DISCRIMINATOR
    return get_recipe(stage.model, config=overrides, variant="fast")


class Trainer:
    """A keras-sr model trained with ``stateless_call``: chunks of ``chunk_steps`` updates in
    one jitted ``fori_loop``; EMA weights (when the recipe has them) validated and kept."""

    def __init__(self, model, recipe, banks, seed, chunk_steps, sub_models=None):
        import jax
        import jax.numpy as jnp

        from keras_sr.training.losses import pixel_loss

        self.model, self.recipe, self.banks = model, recipe, banks
        self.loss = pixel_loss(recipe)
        self.y = recipe.channels == "y"
        self.chunk_steps = chunk_steps
        # copies: the chunks donate their buffers, the Keras variables keep theirs
        self.params = [jnp.array(v.value, copy=True) for v in model.trainable_variables]
        self.state = [jnp.array(v.value, copy=True) for v in model.non_trainable_variables]
        self.m = [jnp.zeros_like(p) for p in self.params]
        self.v = [jnp.zeros_like(p) for p in self.params]
        self.ema = [jnp.array(p, copy=True) for p in self.params] if recipe.ema_momentum else None
        self.t = 0
        self.key = jax.random.PRNGKey(seed)
        # MDSR: per scale, the sub-model whose variables that scale's batches update
        ids = [id(v) for v in model.trainable_variables]
        self.masks = {s: tuple(i in {id(v) for v in sub.trainable_variables} for i in ids)
                      for s, sub in (sub_models or {}).items()}
        self.subs = sub_models or {}
        self._chunks, self._predict = {}, {}

    def _forward(self, params, state, x, scale, training):
        """(output for ``scale``, updated non-trainable state)."""
        outs, state = self.model.stateless_call(params, state, x, training=training)
        if scale in self.subs:  # the full MDSR graph: this scale's output (XLA drops the others)
            from keras_sr.models.mdsr import output_name

            outs = outs[self.model.output_names.index(output_name(scale))]
        return outs, state

    def _chunk_fn(self, scale):
        import jax
        import jax.numpy as jnp

        recipe, bank = self.recipe, self.banks[scale]
        mask = self.masks.get(scale, (True,) * len(self.params))

        def loss_fn(params, state, lr, hr):
            sr, state = self._forward(params, state, lr, scale, True)
            return self.loss(hr, jnp.asarray(sr, jnp.float32)), state

        grad_fn = jax.value_and_grad(loss_fn, has_aux=True)

        def one(i, carry):
            params, state, m, v, ema, key, t, total, momentum, losses, arrays = carry
            key, sub = jax.random.split(key)
            lr_img, hr_img = bank.sample(arrays, sub, recipe.batch_size, self.y)
            (loss, state), grads = grad_fn(params, state, lr_img, hr_img)
            t = t + 1.0
            lr_value = cosine_lr(t - 1.0, total, recipe.learning_rate, recipe.warmup_fraction,
                                 recipe.final_lr_fraction)
            params, m, v = adam_update(params, grads, m, v, t, lr_value, recipe, mask)
            if ema is not None:
                ema = [momentum * e + (1.0 - momentum) * p for e, p in zip(ema, params)]
            return params, state, m, v, ema, key, t, total, momentum, losses + loss, arrays

        def chunk(params, state, m, v, ema, key, t, total, momentum, arrays):
            carry = (params, state, m, v, ema, key, t, total, momentum, jnp.zeros((), jnp.float32), arrays)
            out = jax.lax.fori_loop(0, self.chunk_steps, one, carry)
            return out[:7] + (out[9] / self.chunk_steps,)

        return jax.jit(chunk, donate_argnums=(0, 1, 2, 3, 4))

    def run_chunk(self, scale, total):
        import jax.numpy as jnp

        if scale not in self._chunks:
            self._chunks[scale] = self._chunk_fn(scale)
        out = self._chunks[scale](self.params, self.state, self.m, self.v, self.ema, self.key,
                                  jnp.float32(self.t), jnp.float32(total), jnp.float32(self.momentum(total)),
                                  self.banks[scale].arrays)
        self.params, self.state, self.m, self.v, self.ema, self.key, t, loss = out
        self.t += self.chunk_steps
        return float(loss)

    def momentum(self, total):
        """The EMA momentum for a run of ``total`` updates: the recipe's, capped at
        ``1 − 10 / total`` as :func:`keras_sr.training.recipes.resolve_for_run` does."""
        return min(float(self.recipe.ema_momentum), max(0.0, 1.0 - 10.0 / max(total, 1)))

    def weights(self):
        """The weights validation and selection use: the EMA when the recipe keeps one."""
        return self.ema if self.ema is not None else self.params

    def predict(self, lr, scale, batch=5):
        import jax
        import numpy as np

        if scale not in self._predict:
            self._predict[scale] = jax.jit(lambda p, s, x: self._forward(p, s, x, scale, False)[0])
        fn = self._predict[scale]
        return np.concatenate([np.asarray(fn(self.weights(), self.state, lr[i:i + batch]))
                               for i in range(0, len(lr), batch)])

    def assign(self):
        """Write the selected weights into the Keras model's variables (host copies: the next
        chunk donates the device buffers)."""
        import numpy as np

        for var, value in zip(self.model.trainable_variables, self.weights()):
            var.assign(np.asarray(value))
        for var, value in zip(self.model.non_trainable_variables, self.state):
            var.assign(np.asarray(value))


def find_stage(name):
    """The :class:`Stage` called ``name`` in :data:`LANES`."""
    for lane in LANES.values():
        for stage in lane:
            if stage.name == name:
                return stage
    raise ValueError(f"unknown stage {name!r}; stages: {', '.join(s.name for l in LANES.values() for s in l)}")


def run_stage(stage, data, out, deadline, tiny, seed, log, continue_from=None, lr_factor=1.0):
    """Train ``stage`` until ``deadline`` (epoch s); returns its record (also OUT/NAME.json)."""
    import jax
    import keras
    import numpy as np

    from keras_sr import models
    from keras_sr.training.warm_start import warm_start

    started = time.time()
    recipe = stage_recipe(stage, tiny, lr_factor)
    multiscale = recipe.kind == "multiscale"
    scales = tuple(recipe.scales) if multiscale else (stage.scale,)
    keras.utils.set_random_seed(seed)
    if multiscale:
        from keras_sr.models.mdsr import scale_model

        model = models.build(stage.model, **recipe.model_overrides)
        subs = {s: scale_model(model, s) for s in scales}
    else:
        model = models.build(stage.model, scale=stage.scale, **recipe.model_overrides)
        subs = None
    init, continued = None, None
    previous = Path(continue_from) / f"{stage.name}.weights.h5" if continue_from else None
    if previous is not None and previous.is_file():
        # continue a finished file of this very stage (the same network: every layer copied)
        src = models.build(stage.model, **({} if multiscale else {"scale": stage.scale}),
                           **{k: v for k, v in recipe.model_overrides.items() if k != "init"})
        src.load_weights(str(previous))
        init = warm_start(model, src)
        continued = str(previous)
        log(f"{stage.name}: continues {previous} ({len(init['copied'])} layers copied)")
    elif stage.init_from:
        source = out / f"{stage.init_from}.weights.h5"
        if source.is_file():
            src_stage = find_stage(stage.init_from)
            src_recipe = stage_recipe(src_stage, tiny)
            src = models.build(src_stage.model, scale=src_stage.scale, **src_recipe.model_overrides)
            src.load_weights(str(source))
            init = warm_start(model, src)
            log(f"{stage.name}: starts from {stage.init_from} ({len(init['copied'])} layers copied)")
        else:
            log(f"{stage.name}: {stage.init_from} not trained, starts from scratch")
    lr_patch = {s: recipe.lr_patch_size(s) for s in scales}
    banks = {s: Bank([p[1][s] for p in data["train"]], s, lr_patch[s]) for s in scales}
    vals = {s: val_arrays(data["val"], s, recipe.channels == "y") for s in scales}
    bicubic = {s: psnr_y_batch(vals[s][2], vals[s][1], s) for s in scales}

    chunk_steps = 5 if tiny else 50
    if recipe.kind == "gan":
        trainer = GanTrainer(model, recipe, banks, seed, chunk_steps, tiny)
    else:
        trainer = Trainer(model, recipe, banks, seed, chunk_steps, subs)

    def held_out():
        per = {s: psnr_y_batch(trainer.predict(vals[s][0], s), vals[s][1], s) for s in scales}
        return float(np.mean(list(per.values()))), per

    weights_path = out / f"{stage.name}.weights.h5"
    # SRGAN trades PSNR for texture: its final weights ship (held-out PSNR only reported)
    select = recipe.kind != "gan"
    best, curve, rng = -math.inf, [], np.random.default_rng(seed)
    total = 200 if tiny else 20_000  # provisional: re-sized from the measured rate below
    val_every = max(10.0 if not tiny else 2.0, (deadline - started) / 8.0)
    next_val = time.time() + val_every
    timed_steps, timed_seconds, losses = 0, 0.0, []
    margin = 2.0 if tiny else 8.0

    def keep(psnr):
        nonlocal best
        if not select or psnr > best:
            best = max(best, psnr) if select else psnr
            trainer.assign()
            model.save_weights(str(weights_path))

    def write_record(psnr, per, finished):
        record = {
            "name": stage.name, "model": stage.model, "scale": stage.scale, "scales": list(scales),
            "recipe": recipe.to_dict(), "overrides": stage.overrides,
            "init_from": None if continued else (init and stage.init_from), "continued_from": continued,
            "lr_factor": lr_factor,
            "finished": finished, "steps": trainer.t, "seconds": round(time.time() - started, 1),
            "samples_per_s": round(timed_steps * recipe.batch_size / max(timed_seconds, 1e-6), 1),
            "timed_steps": timed_steps, "timed_seconds": round(timed_seconds, 1), "total_planned": total,
            "ema_momentum": trainer.momentum(total) if trainer.ema is not None else 0.0,
            "selection": ("best held-out PSNR (EMA weights)" if select and trainer.ema is not None else
                          "best held-out PSNR" if select else "final weights (GAN; held-out PSNR reported)"),
            "held_out_best_psnr": round(best, 3), "held_out_last_psnr": round(psnr, 3),
            "held_out_per_scale_last": {str(k): round(v, 3) for k, v in per.items()},
            "held_out_bicubic_psnr": {str(k): round(v, 3) for k, v in bicubic.items()},
            "held_out_images": int(len(vals[scales[0]][0])), "train_images": banks[scales[0]].count,
            "train_images_skipped_small": banks[scales[0]].skipped, "curve": curve,
            "device": str(jax.devices()[0].device_kind), "jax": jax.__version__, "keras": keras.__version__,
            "backend": keras.backend.backend(), "tiny": tiny, "date": time.strftime("%Y-%m-%d", time.gmtime()),
        }
        tmp = out / f".{stage.name}.json.tmp"
        tmp.write_text(json.dumps(record, indent=1))
        os.replace(tmp, out / f"{stage.name}.json")
        return record

    def record_point(psnr):
        curve.append({"step": trainer.t, "seconds": round(time.time() - started, 1),
                      "held_out_psnr": round(psnr, 3), "loss": round(float(np.mean(losses[-20:])), 6)})

    while time.time() < deadline - margin and trainer.t < total:
        scale = int(rng.choice(scales))
        compiled = scale in trainer._chunks
        tick = time.time()
        losses.append(trainer.run_chunk(scale, total))
        if compiled:  # a scale's first chunk compiles: not counted in the rate
            timed_steps += trainer.chunk_steps
            timed_seconds += time.time() - tick
        if timed_steps and trainer.t < 0.5 * total:  # size the cosine to the time left
            rate = timed_steps / max(timed_seconds, 1e-6)
            total = max(trainer.t + trainer.chunk_steps, int(trainer.t + rate * max(0.0, deadline - time.time() - 15)))
        if time.time() >= next_val:
            psnr, per = held_out()
            record_point(psnr)
            log(f"{stage.name}: step {trainer.t}/{total} held-out {psnr:.2f} dB (bicubic "
                f"{np.mean(list(bicubic.values())):.2f}) {timed_steps / max(timed_seconds, 1e-6):.1f} updates/s")
            if select:
                keep(psnr)
            write_record(psnr, per, False)
            next_val = time.time() + val_every
    psnr, per = held_out()
    record_point(psnr)
    keep(psnr)
    seconds = time.time() - started
    record = write_record(psnr, per, True)
    log(f"{stage.name}: done, {trainer.t} updates in {seconds:.0f} s, held-out best {best:.2f} dB "
        f"(bicubic {np.mean(list(bicubic.values())):.2f})")
    return record


class GanTrainer(Trainer):
    """SRGAN-MSE (Ledig et al. Table 1): per batch one D step (SR held constant) then one G
    step on ``pixel_weight · MSE + adversarial_weight · BCE(D(SR), 1)`` against the updated D,
    as :class:`keras_sr.training.srgan.SRGAN`; both with Keras' Adam and the recipe's schedule."""

    def __init__(self, model, recipe, banks, seed, chunk_steps, tiny):
        import jax.numpy as jnp
        import keras

        from keras_sr import models

        super().__init__(model, recipe, banks, seed, chunk_steps)
        if recipe.content_layer is not None:
            raise ValueError("train_zoo_jax trains SRGAN-MSE only (content_layer=None): no VGG19 here")
        scale = next(iter(banks))
        hr_patch = recipe.lr_patch_size(scale) * scale
        self.disc = models.build(recipe.discriminator, input_size=hr_patch, **recipe.discriminator_overrides)
        self.d_params = [jnp.array(v.value, copy=True) for v in self.disc.trainable_variables]
        self.d_state = [jnp.array(v.value, copy=True) for v in self.disc.non_trainable_variables]
        self.d_m = [jnp.zeros_like(p) for p in self.d_params]
        self.d_v = [jnp.zeros_like(p) for p in self.d_params]
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)

    def _chunk_fn(self, scale):
        import jax
        import jax.numpy as jnp

        recipe, bank, bce = self.recipe, self.banks[scale], self.bce
        d_lr_peak = recipe.discriminator_learning_rate or recipe.learning_rate
        everything = (True,) * len(self.params)
        d_all = (True,) * len(self.d_params)

        def d_loss_fn(d_params, d_state, hr, sr):
            real, d_state = self.disc.stateless_call(d_params, d_state, hr, training=True)
            fake, d_state = self.disc.stateless_call(d_params, d_state, sr, training=True)
            return bce(jnp.ones_like(real), real) + bce(jnp.zeros_like(fake), fake), d_state

        def g_loss_fn(params, state, d_params, d_state, lr_img, hr):
            sr, state = self.model.stateless_call(params, state, lr_img, training=True)
            fake, d_state = self.disc.stateless_call(d_params, d_state, sr, training=True)
            pixel = self.loss(hr, sr)
            total = recipe.adversarial_weight * bce(jnp.ones_like(fake), fake) + recipe.pixel_weight * pixel
            return total, (state, d_state, sr)

        d_grad = jax.value_and_grad(d_loss_fn, has_aux=True)
        g_grad = jax.value_and_grad(g_loss_fn, has_aux=True)

        def one(i, carry):
            (params, state, m, v, d_params, d_state, d_m, d_v, key, t, total, losses, arrays) = carry
            key, sub = jax.random.split(key)
            lr_img, hr = bank.sample(arrays, sub, recipe.batch_size, False)
            sr, _ = self.model.stateless_call(params, state, lr_img, training=True)
            (d_loss, d_state), d_grads = d_grad(d_params, d_state, hr, jax.lax.stop_gradient(sr))
            t = t + 1.0
            lr_d = cosine_lr(t - 1.0, total, d_lr_peak, recipe.warmup_fraction, recipe.final_lr_fraction)
            d_params, d_m, d_v = adam_update(d_params, d_grads, d_m, d_v, t, lr_d, recipe, d_all)
            (g_loss, (state, d_state, _)), grads = g_grad(params, state, d_params, d_state, lr_img, hr)
            lr_g = cosine_lr(t - 1.0, total, recipe.learning_rate, recipe.warmup_fraction, recipe.final_lr_fraction)
            params, m, v = adam_update(params, grads, m, v, t, lr_g, recipe, everything)
            return (params, state, m, v, d_params, d_state, d_m, d_v, key, t, total, losses + g_loss, arrays)

        def chunk(params, state, m, v, d_params, d_state, d_m, d_v, key, t, total, arrays):
            carry = (params, state, m, v, d_params, d_state, d_m, d_v, key, t, total, jnp.zeros((), jnp.float32),
                     arrays)
            out = jax.lax.fori_loop(0, self.chunk_steps, one, carry)
            return out[:10] + (out[11] / self.chunk_steps,)

        return jax.jit(chunk, donate_argnums=(0, 1, 2, 3, 4, 5, 6, 7))

    def run_chunk(self, scale, total):
        import jax.numpy as jnp

        if scale not in self._chunks:
            self._chunks[scale] = self._chunk_fn(scale)
        out = self._chunks[scale](self.params, self.state, self.m, self.v, self.d_params, self.d_state,
                                  self.d_m, self.d_v, self.key, jnp.float32(self.t), jnp.float32(total),
                                  self.banks[scale].arrays)
        (self.params, self.state, self.m, self.v, self.d_params, self.d_state, self.d_m, self.d_v,
         self.key, _, loss) = out
        self.t += self.chunk_steps
        return float(loss)


# ---------------------------------------------------------------- lanes and the campaign

def run_lane(lane, cache, out, deadline, tiny, seed, continue_from=None, lr_factor=1.0):
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    def log(msg):
        print(f"[{time.time() - started:6.1f}s {lane}] {msg}", flush=True)

    with open(cache, "rb") as fh:
        data = pickle.load(fh)
    stages = LANES[lane] if lane in LANES else (find_stage(lane),)  # a lane, or one stage alone
    for i, stage in enumerate(stages):
        now = time.time()
        left = deadline - now
        share = stage.share / sum(s.share for s in stages[i:])
        stage_deadline = now + left * share
        if stage_deadline - now < 5:
            log(f"{stage.name}: no time left, skipped")
            continue
        try:
            run_stage(stage, data, out, stage_deadline, tiny, seed, log, continue_from, lr_factor)
        except Exception as exc:  # one stage failing must not cost the others
            import traceback

            traceback.print_exc()
            log(f"{stage.name}: FAILED: {type(exc).__name__}: {exc}")


def pack(out, dest, limit=15_000_000, max_files=6):
    """Bundle OUT's weights and records into at most ``max_files`` gzipped tars of < ``limit``
    bytes each (the device tool's return limits), records first; what does not fit is listed."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    files = sorted(out.glob("*.json")) + sorted(out.glob("*.weights.h5"), key=lambda p: -p.stat().st_size)
    bins, left_out = [], []
    for f in files:
        size = f.stat().st_size * (1.0 if f.suffix == ".h5" else 0.3)
        for b in bins:
            if b["size"] + size < limit:
                b["files"].append(f), b.__setitem__("size", b["size"] + size)
                break
        else:
            if len(bins) < max_files:
                bins.append({"files": [f], "size": size})
            else:
                left_out.append(f.name)
    for i, b in enumerate(bins):
        path = dest / f"zoo{i}.tar.gz"
        with tarfile.open(path, "w:gz", compresslevel=6) as tar:
            for f in b["files"]:
                tar.add(f, arcname=f.name)
        if path.stat().st_size >= 16 * 2 ** 20:
            print(f"pack: {path.name} is {path.stat().st_size} bytes, over 16 MiB", flush=True)
    print(f"pack: {len(files) - len(left_out)} files in {len(bins)} archives; left out: {left_out or 'none'}",
          flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", help="training images (HR)")
    p.add_argument("--val", help="held-out training images (HR crops) for selection")
    p.add_argument("--seconds", type=float, default=540.0, help="wall time of the whole campaign")
    p.add_argument("--out", default="runs/train_zoo_jax")
    p.add_argument("--pack", help="folder for the gzipped tars of the results")
    p.add_argument("--only", action="append", choices=sorted(LANES), help="lanes to run (repeat)")
    p.add_argument("--stage", action="append", metavar="NAME",
                   help="stages to run, each alone in its own lane (repeat; e.g. edsr-baseline_x3)")
    p.add_argument("--continue-from", metavar="DIR",
                   help="a stage whose DIR/NAME.weights.h5 exists continues from it (e.g. keras_sr/weights)")
    p.add_argument("--lr-factor", type=float, default=1.0, help="peak learning rate x this (continued runs)")
    p.add_argument("--workers", type=int, default=os.cpu_count(), help="processes for data preparation")
    p.add_argument("--tiny", action="store_true", help="tiny models (a CPU test of the whole path)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lane", help=argparse.SUPPRESS)
    p.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    p.add_argument("--cache", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    out = Path(args.out)
    if args.lane:
        run_lane(args.lane, args.cache, out, args.deadline, args.tiny, args.seed, args.continue_from,
                 args.lr_factor)
        return 0
    if not (args.train and args.val):
        p.error("--train and --val are needed")
    for name in args.stage or ():
        try:
            find_stage(name)  # unknown names: one line before any work
        except ValueError as exc:
            p.error(f"--stage: {exc}")
    started = time.time()
    pack_margin = 6.0 if args.tiny else 25.0
    deadline = started + args.seconds - pack_margin
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "data.pkl"
    n, n_val = prepare(args.train, args.val, str(cache), max(1, args.workers))
    print(f"train_zoo_jax: {n} training images, {n_val} held-out crops prepared in {time.time() - started:.0f} s",
          flush=True)
    lanes = (args.only or []) + (args.stage or []) or sorted(LANES)
    extra = (["--continue-from", str(Path(args.continue_from).resolve())] if args.continue_from else []) + \
        (["--lr-factor", str(args.lr_factor)] if args.lr_factor != 1.0 else [])
    env = dict(os.environ, KERAS_BACKEND="jax", XLA_PYTHON_CLIENT_PREALLOCATE="false",
               PYTHONUNBUFFERED="1")
    procs = {lane: subprocess.Popen([sys.executable, __file__, "--lane", lane, "--deadline", str(deadline),
                                     "--cache", str(cache), "--out", str(out), "--seed", str(args.seed)]
                                    + (["--tiny"] if args.tiny else []) + extra, env=env)
             for lane in lanes}
    # every lane stops itself at the deadline; one still running a few seconds later is killed
    # (its last validated weights and record are on disk already)
    while any(proc.poll() is None for proc in procs.values()) and time.time() < deadline + pack_margin * 0.6:
        time.sleep(1.0)
    for lane, proc in procs.items():
        if proc.poll() is None:
            proc.kill()
            print(f"train_zoo_jax: lane {lane} killed {time.time() - deadline:.0f} s after the deadline", flush=True)
        elif proc.returncode != 0:
            print(f"train_zoo_jax: lane {lane} exited with {proc.returncode}", flush=True)
    cache.unlink(missing_ok=True)
    records = [json.loads(f.read_text()) for f in sorted(out.glob("*.json"))]
    for r in records:
        print(f"{r['name']:<20} {r['steps']:>7} updates {r['seconds']:>6.0f} s {r['samples_per_s']:>8.1f} samples/s "
              f"{'' if r['finished'] else '(stopped early) '}"
              f"held-out {r['held_out_best_psnr']:.2f} dB (bicubic "
              f"{sum(r['held_out_bicubic_psnr'].values()) / len(r['held_out_bicubic_psnr']):.2f})", flush=True)
    if args.pack:
        pack(out, args.pack)
    return 0


if __name__ == "__main__":
    sys.exit(main())
