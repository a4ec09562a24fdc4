"""Image degradations as data: one text form for training (``tf.data``) and evaluation (numpy).

A degradation is a chain of steps joined by ``+``, applied left to right to an 8-bit image::

    bicubic          MATLAB bicubic downscale by the model's scale (SR; ×1 models have none)
    noise:30         additive white Gaussian noise, sigma 30 on the 0-255 scale
    noise:0-50       sigma drawn uniformly in [0, 50] per image (blind denoising)
    jpeg:90          JPEG at quality 90 (libjpeg, 4:2:0 chroma for RGB; equal to PIL's encoder)
    jpeg:10-40       quality drawn uniformly (integers) in [10, 40] per image
    blur:1.2         Gaussian blur, sigma 1.2 px (kernel 2·ceil(3σ)+1, symmetric borders)
    blur:0.5-2       sigma drawn per image
    jpeg:70-95@0.9   any step but bicubic with ``@P``: applied with probability P (drawn per image)
    real             the realistic second-order chain of Real-ESRGAN (Wang et al. 2021, §3), HR ->
                     HR/scale: :data:`keras_sr.data.realistic.REAL`, every range printed by
                     ``parse_degradation("real").describe()``
    video            a lighter chain for video frames (NTIRE 2023 real-time 4K style: bicubic +
                     JPEG), a name for the chain text in :data:`NAMED`

e.g. ``"bicubic+jpeg:90"`` (the NTIRE 2023 RT4KSR benchmark's LR), ``"blur:1.2+bicubic"``,
``"noise:30"`` (RED-Net's denoising, Mao et al., NIPS 2016 §4). Every step ends on 8-bit
levels (clipped to [0, 255] and rounded), like an image saved to disk between steps.

    from keras_sr.data import degrade, parse_degradation
    lr = degrade(hr_uint8, "bicubic+jpeg:90", scale=2, seed=0)   # numpy, uint8
    chain = parse_degradation("noise:0-50")
    chain.spec                                                   # 'noise:0-50'

Randomness (noise, drawn levels) is seeded: the same seed gives the same images. The numpy
path (:meth:`Degradation.apply`) and the ``tf.data`` path (:meth:`Degradation.apply_tf`, stateless
random ops) use different generators, so they agree in distribution, not pixel by pixel.
"""

import dataclasses
import math

import numpy as np

from keras_sr.data.jpeg import jpeg_numpy  # noqa: F401  (re-exported: keras_sr.data.jpeg_numpy)

OPS = ("bicubic", "noise", "jpeg", "blur", "real")
RESIZING = ("bicubic", "real")  # steps that go from HR to HR/scale
_SYNTAX = ("steps joined by '+': bicubic, real, video, noise:SIGMA[-SIGMA], jpeg:QUALITY[-QUALITY], "
           "blur:SIGMA[-SIGMA], each but bicubic/real optionally @PROBABILITY")

# Named chains: a name expands to its chain text (printed as such in ``spec``).
NAMED = {
    # Video frames (keras-sr's choice, after the NTIRE 2023 real-time 4K SR inputs: bicubic + JPEG):
    # mild pre-blur (optics) at 20 %, bicubic, mild sensor noise at 20 %, JPEG 70-95 at 90 %
    # (about 6 % of the inputs stay clean bicubic).
    "video": "blur:0.2-0.7@0.2+bicubic+noise:1-4@0.2+jpeg:70-95@0.9",
}


@dataclasses.dataclass(frozen=True)
class Step:
    """One step of a chain: ``op`` with its level fixed (``low == high``) or drawn in [low, high]."""

    op: str
    low: float = None
    high: float = None
    prob: float = 1.0

    @property
    def text(self):
        if self.op in RESIZING:
            return self.op

        def fmt(v):
            return str(int(v)) if float(v).is_integer() else repr(float(v))

        text = f"{self.op}:{fmt(self.low)}" + ("" if self.low == self.high else f"-{fmt(self.high)}")
        return text + ("" if self.prob == 1 else f"@{self.prob:g}")


def _bad(spec, why):
    return ValueError(f"bad degradation {spec!r}: {why} ({_SYNTAX})")


def _parse_step(spec, text):
    text, at, prob_text = text.partition("@")
    op, sep, value = text.strip().partition(":")
    op = op.strip().lower()
    if op not in OPS:
        raise _bad(spec, f"unknown step {op or text!r}")
    if op in RESIZING:
        if sep or at:
            raise _bad(spec, f"'{op}' takes no value or @probability (it downscales by the model's scale)")
        return Step(op)
    prob = 1.0
    if at:
        try:
            prob = float(prob_text)
        except ValueError:
            prob = float("nan")
        if not 0 < prob <= 1:
            raise _bad(spec, f"'@{prob_text.strip()}' is not a probability in (0, 1]")
    if not value.strip():
        raise _bad(spec, f"'{op}' needs a value, e.g. {op}:{ {'noise': 30, 'jpeg': 90, 'blur': 1.2}[op] }")
    parts = value.split("-")
    if len(parts) > 2:
        raise _bad(spec, f"'{op}:{value}' is not a number or a range LOW-HIGH")
    try:
        levels = [float(p) for p in parts]
    except ValueError:
        raise _bad(spec, f"'{op}:{value}' is not a number or a range LOW-HIGH") from None
    low, high = levels[0], levels[-1]
    if not all(math.isfinite(v) for v in levels) or high < low:
        raise _bad(spec, f"'{op}:{value}' needs finite LOW <= HIGH")
    if op == "noise" and (low < 0 or high > 255):
        raise _bad(spec, f"noise sigma must be in [0, 255] (0-255 scale), got {value}")
    if op == "jpeg" and (not all(v.is_integer() for v in levels) or low < 1 or high > 100):
        raise _bad(spec, f"JPEG quality must be an integer in [1, 100], got {value}")
    if op == "blur" and (low <= 0 or high > 50):
        raise _bad(spec, f"blur sigma must be in (0, 50] px, got {value}")
    return Step(op, low, high, prob)


@dataclasses.dataclass(frozen=True)
class Degradation:
    """A parsed chain (:func:`parse_degradation`): ``steps`` in order and the canonical ``spec``."""

    steps: tuple

    @property
    def spec(self):
        return "+".join(s.text for s in self.steps)

    @property
    def resizes(self):
        """True when the chain has the ``bicubic`` (or ``real``) downscale (an SR degradation)."""
        return any(s.op in RESIZING for s in self.steps)

    def describe(self):
        """The full parameter list, one step a line (``real`` with all its ranges)."""
        from keras_sr.data.realistic import REAL

        lines = [f"degradation {self.spec}:"]
        for step in self.steps:
            if step.op == "real":
                lines += ["  " + line for line in REAL.describe().splitlines()]
            else:
                lines.append("  " + _STEP_WORDS[step.op].format(
                    step.low, step.high, "" if step.prob == 1 else f", applied with probability {step.prob:g}"))
        return "\n".join(lines)

    def check_scale(self, scale):
        """``ValueError`` unless the chain fits ×``scale``: SR (scale > 1) needs ``bicubic``,
        restoration (scale 1) must not have it."""
        scale = int(scale)
        if scale > 1 and not self.resizes:
            raise ValueError(f"degradation {self.spec!r} has no 'bicubic' step but the scale is {scale}: "
                             f"write e.g. 'bicubic+{self.spec}'")
        if scale == 1 and any(s.op == "bicubic" for s in self.steps):
            raise ValueError(f"degradation {self.spec!r} downscales ('bicubic') but the scale is 1: "
                             "drop 'bicubic' or give the SR scale")
        return scale

    def __str__(self):
        return self.spec

    # ---- numpy (evaluation) ----

    def apply(self, image, scale=1, seed=0):
        """Degrade one uint8 image (H, W, C), C = 1 or 3 -> uint8 (H/scale, W/scale, C).

        ``seed``: an integer (the same seed gives the same image)."""
        scale = self.check_scale(scale)
        image = _check_image(image)
        rng = np.random.default_rng(int(seed))
        for step in self.steps:
            if step.op == "bicubic":
                from keras_sr.data.imresize import matlab_imresize

                image = matlab_imresize(image, 1.0 / scale)
                continue
            if step.op == "real":
                from keras_sr.data.realistic import REAL

                shape = (math.ceil(image.shape[0] / scale), math.ceil(image.shape[1] / scale))
                image = REAL.apply(image, np.random.default_rng(int(rng.integers(2 ** 63))), shape)
                continue
            if step.prob < 1 and not rng.random() < step.prob:
                continue
            if step.op == "jpeg":
                level = int(rng.integers(int(step.low), int(step.high) + 1))
                image = jpeg_numpy(image, level)
            elif step.op == "noise":
                level = float(rng.uniform(step.low, step.high)) if step.high > step.low else step.low
                noisy = image.astype(np.float64) + level * rng.standard_normal(image.shape)
                image = _levels_np(noisy)
            else:  # blur
                level = float(rng.uniform(step.low, step.high)) if step.high > step.low else step.low
                image = _levels_np(_blur_np(image.astype(np.float64), level, _radius(step.high)))
        return image

    # ---- TensorFlow (training pipelines) ----

    def apply_tf(self, image, seed, lr_shape=None):
        """:meth:`apply` as TensorFlow ops for ``tf.data``.

        Args:
            image: uint8 tensor (H, W, C).
            seed: int32/int64 tensor of shape [2] (stateless random ops: same seed, same result).
            lr_shape: (h, w) of the ``bicubic`` output (Python ints give a static shape; a
                chain with ``bicubic`` needs it).
        Returns:
            uint8 tensor.
        """
        import tensorflow as tf

        if self.resizes and lr_shape is None:
            raise ValueError(f"degradation {self.spec!r}: apply_tf needs lr_shape for its 'bicubic' step")
        seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2 * len(self.steps))
        for i, step in enumerate(self.steps):
            draw, rand = seeds[2 * i], seeds[2 * i + 1]
            if step.op == "bicubic":
                from keras_sr.data.imresize import matlab_imresize_tf

                image = matlab_imresize_tf(image, output_shape=lr_shape)
            elif step.op == "real":
                image = _real_tf(image, draw, lr_shape)
            elif step.prob < 1:
                keep = tf.random.stateless_uniform([], tf.random.experimental.stateless_fold_in(draw, 7))
                image = tf.cond(keep < step.prob, lambda: _step_tf(step, image, draw, rand), lambda: image)
            else:
                image = _step_tf(step, image, draw, rand)
        return image


_STEP_WORDS = {
    "bicubic": "MATLAB bicubic downscale by the model's scale{2}",
    "noise": "additive Gaussian noise, sigma {0:g}-{1:g} (0-255 scale, per channel){2}",
    "jpeg": "JPEG (libjpeg, 4:2:0 chroma), quality {0:g}-{1:g}{2}",
    "blur": "Gaussian blur, sigma {0:g}-{1:g} px{2}",
}


def _step_tf(step, image, draw, rand):
    """One non-resizing step (noise, jpeg, blur) with TensorFlow ops: uint8 -> uint8."""
    import tensorflow as tf

    if step.op == "jpeg":
        quality = tf.random.stateless_uniform([], draw, int(step.low), int(step.high) + 1, tf.int32)
        channels = image.shape[-1]
        encoded = tf.raw_ops.EncodeJpegVariableQuality(images=image, quality=quality)
        decoded = tf.io.decode_jpeg(encoded, channels=channels or 0, dct_method="INTEGER_ACCURATE")
        return tf.reshape(decoded, tf.shape(image))
    level = tf.random.stateless_uniform([], draw, step.low, step.high, tf.float32) \
        if step.high > step.low else tf.constant(step.low, tf.float32)
    x = tf.cast(image, tf.float32)
    if step.op == "noise":
        x = x + level * tf.random.stateless_normal(tf.shape(x), rand, dtype=tf.float32)
    else:
        x = _blur_tf(x, level, _radius(step.high))
    return tf.cast(tf.clip_by_value(tf.floor(x + 0.5), 0.0, 255.0), tf.uint8)


def _real_tf(image, seed, lr_shape):
    """The ``real`` step inside a ``tf.data`` graph: the numpy chain through ``tf.numpy_function``,
    seeded by the stateless seed (same seed, same image)."""
    import tensorflow as tf

    from keras_sr.data.realistic import REAL

    def run(img, key):
        rng = np.random.default_rng([int(k) & 0xFFFFFFFFFFFFFFFF for k in key])
        return REAL.apply(img, rng, lr_shape if lr_shape is not None else img.shape[:2])

    out = tf.numpy_function(run, [image, tf.cast(seed, tf.int64)], tf.uint8, stateful=False)
    channels = image.shape[-1]
    shape = list(lr_shape) if lr_shape is not None else list(image.shape[:2])
    return tf.ensure_shape(out, shape + [channels])


def parse_degradation(spec):
    """A :class:`Degradation` from its text form (``"bicubic+jpeg:90"``); a ``Degradation`` passes through.

    Raises:
        ValueError: one line naming the spec and what is wrong with it.
    """
    if isinstance(spec, Degradation):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise _bad(spec, "empty or not a string")
    text = "+".join(NAMED.get(part.strip().lower(), part) for part in spec.split("+"))
    steps = tuple(_parse_step(spec, part) for part in text.split("+"))
    if sum(s.op in RESIZING for s in steps) > 1:
        raise _bad(spec, "more than one downscaling step ('bicubic', 'real', 'video')")
    return Degradation(steps)


def degrade(image, spec, scale=1, seed=0):
    """``parse_degradation(spec).apply(image, scale, seed)``: uint8 (H, W, C) -> uint8."""
    return parse_degradation(spec).apply(image, scale, seed)


def y_levels(rgb):
    """uint8 RGB (H, W, 3) -> uint8 (H, W, 1): MATLAB ``rgb2ycbcr`` Y of a uint8 image (rounded),
    the 8-bit grayscale image a Y-channel restoration model works on."""
    from keras_sr.data.color import rgb_to_y

    return _levels_np(rgb_to_y(np.asarray(rgb, np.float64) / 255.0) * 255.0)


def y_levels_tf(rgb):
    """:func:`y_levels` with TensorFlow ops (uint8 tensor (H, W, 3) -> (H, W, 1))."""
    import tensorflow as tf

    from keras_sr.data.color import RGB_TO_YCBCR, YCBCR_OFFSET

    m = tf.constant(RGB_TO_YCBCR[0] / 255.0, tf.float32)
    y = tf.tensordot(tf.cast(rgb, tf.float32), m, axes=1)[..., None] + YCBCR_OFFSET[0]
    return tf.cast(tf.clip_by_value(tf.floor(y + 0.5), 0.0, 255.0), tf.uint8)


# ---- helpers ----

def _check_image(image):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"degradations take uint8 images (H, W, 1|3), got {image.dtype} {image.shape}")
    return image


def _levels_np(x):
    return np.clip(np.floor(x + 0.5), 0, 255).astype(np.uint8)


def _radius(sigma):
    return max(1, int(math.ceil(3.0 * sigma)))


def _gaussian_np(sigma, radius):
    t = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-t * t / (2.0 * sigma * sigma))
    return k / k.sum()


def _blur_np(x, sigma, radius):
    """Separable Gaussian blur of (H, W, C) float with symmetric borders (MATLAB 'symmetric')."""
    k = _gaussian_np(sigma, radius)
    for axis in (0, 1):
        pad = [(0, 0)] * 3
        pad[axis] = (radius, radius)
        padded = np.pad(x, pad, mode="symmetric")
        n = x.shape[axis]
        x = sum(k[i] * np.take(padded, np.arange(i, i + n), axis=axis) for i in range(2 * radius + 1))
    return x


def _blur_tf(x, sigma, radius):
    import tensorflow as tf

    t = tf.range(-radius, radius + 1, dtype=tf.float32)
    k = tf.exp(-t * t / (2.0 * sigma * sigma))
    k = k / tf.reduce_sum(k)
    shape = tf.shape(x)
    planes = tf.transpose(x, [2, 0, 1])[..., None]  # (C, H, W, 1): one plane per channel
    planes = tf.pad(planes, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="SYMMETRIC")
    planes = tf.nn.conv2d(planes, tf.reshape(k, [-1, 1, 1, 1]), 1, "VALID")
    planes = tf.nn.conv2d(planes, tf.reshape(k, [1, -1, 1, 1]), 1, "VALID")
    return tf.reshape(tf.transpose(planes[..., 0], [1, 2, 0]), shape)
