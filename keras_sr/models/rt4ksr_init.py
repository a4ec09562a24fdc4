"""RT4KSR initialised near bicubic (or nearest) upsampling — initialisation only.

RT4KSR has no global skip and a LayerNorm before every block, so a fresh network starts far
from any upsampler and learns slowly (issue 16: 5.5 dB under bicubic after 1,400 updates at
lr 1e-3). :func:`init_near_upsampling` sets the weights of a freshly built model (same layers,
same parameter count) so that at step 0 it computes ≈ bicubic (or nearest) upsampling:

* ``head`` (3x3 conv, centre tap only) writes the 4·C pixel-unshuffled LR values as signals
  ``g·(u − 0.5)`` into the first 4·C features and constant "carriers" ``±A`` (alternating
  signs) into the others. The carriers carry most of each LayerNorm's variance, so the
  normalisation is close to a fixed affine map of the signals (its mean subtraction is linear).
* every re-parameterizable block (``ReparamBlock``) starts as identity plus a bias ``B``
  (its ``reduce`` 1x1 conv kernel 0, as in zero-initialised residual branches; ``expand``
  keeps its random initialisation × 0.01 and ``fea`` its own; both learn once ``reduce``
  moves). ``B`` puts the features where GELU is ≈ the identity (GELU(x) = x·Φ(x)).
* so the tail features are ≈ an affine function of the LR pixels, and ``upsample_conv`` is
  solved by ridge least squares (float64, on a fixed synthetic image) so that
  ``pixel_shuffle(upsample_conv(features))`` reproduces the target upsampling.

Why these sizes: Adam moves every weight by about the learning rate per step whatever its
size, so a start that relies on small signals or on a readout with large cancelling weights
(plain least squares: rms ~27) is thrown far from bicubic within 10 updates at lr 1e-4
(measured: 41.5 -> 35.7 dB). With O(1) signals, a ridge readout (rms 0.04) and quiet block
branches, 60 updates of the fast recipe (peak 1e-3) went from 41.1 to 41.5 dB on the test crop.

Measured (2026-11-26, skimage astronaut crop, float32): at step 0 the x2/x3/x4 output is
within 45.7/45.4/44.9 dB PSNR (Y) of MATLAB bicubic's, 0.38/0.25/0.21 dB under bicubic against
HR (a fresh RT4KSR: ~9 dB). Under ``mixed_float16`` the start is only roughly bicubic.
"""

import keras
import numpy as np

INIT_METHODS = ("bicubic", "nearest")

_SIGNAL = 1.0    # gain of the pixel signals (O(1): Adam moves every weight by ~lr, whatever its size)
_CARRIER = 1.0   # A: carrier value (sets every LayerNorm's variance)
_EXPAND = 0.01   # factor on the blocks' random expand kernels: their branch starts quiet
_RIDGE = 1e-3    # ridge of the readout's least squares, relative to the mean feature energy
_OFFSET = 4.0    # B: block output offset, where GELU is ≈ linear


def _fitting_image(channels, size=96, seed=0):
    """A fixed synthetic LR image (1, size, size, channels) in [0, 1]: smooth regions, edges
    and white noise, so that the least-squares fit sees every spatial frequency."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0.0, 1.0, (size // 8, size // 8, channels))
    blocks = np.kron(coarse, np.ones((8, 8, 1)))
    kernel = np.ones(5) / 5.0
    smooth = np.apply_along_axis(np.convolve, 0, blocks, kernel, mode="same")
    smooth = np.apply_along_axis(np.convolve, 1, smooth, kernel, mode="same")
    noise = rng.uniform(0.0, 1.0, (size, size, channels))
    return np.clip(0.6 * np.where(rng.uniform(size=(size, size, 1)) < 0.5, smooth, blocks)
                   + 0.4 * noise, 0.0, 1.0)[None].astype("float32")


def _target(lr, scale, method):
    if method == "nearest":
        return np.repeat(np.repeat(lr, scale, axis=1), scale, axis=2)
    from keras_sr.models.bicubic import bicubic

    return np.asarray(bicubic(scale, channels=lr.shape[-1])(lr))


def _set_identity_block(layer, offset):
    from keras_sr.layers import ReparamBlock

    if isinstance(layer, ReparamBlock):  # y = reduce(...) + z: reduce kernel 0, bias = offset
        kernel, bias = layer.reduce.get_weights()
        layer.reduce.set_weights([np.zeros_like(kernel), np.full_like(bias, offset)])
        k, b = layer.expand.get_weights()
        layer.expand.set_weights([k * _EXPAND, b])
    else:  # deploy form: one 3x3 conv
        kernel, bias = layer.get_weights()
        kernel = np.zeros_like(kernel)
        kernel[1, 1] = np.eye(kernel.shape[2])
        layer.set_weights([kernel, np.full_like(bias, offset)])


def init_near_upsampling(model, method="bicubic"):
    """Set the weights of an RT4KSR ``model`` (built by :func:`keras_sr.models.rt4ksr.rt4ksr`)
    so that it starts ≈ ``method`` upsampling (``"bicubic"``: MATLAB bicubic; ``"nearest"``).

    Changes weights only (in place); returns the model. The high-frequency branch must be
    ``"unused"`` or absent (``"gated"`` starts with its gate at 0, which would zero the deep
    features the init relies on).
    """
    from keras_sr.models.rt4ksr_arch import architecture_of

    if method not in INIT_METHODS:
        raise ValueError(f"init must be one of {INIT_METHODS} or None, got {method!r}")
    arch = architecture_of(model)
    if arch["high_frequency"] == "gated":
        raise ValueError("init near upsampling needs high_frequency 'unused' or None, not 'gated'")
    feats, signals = arch["num_feats"], 4 * arch["channels"]
    if feats < signals + 2:
        raise ValueError(f"init near upsampling needs num_feats >= {signals + 2} (4 x channels signals "
                         f"+ 2 carriers), got {feats}")
    kernel, bias = model.get_layer("head").get_weights()
    kernel, bias = np.zeros_like(kernel), np.zeros_like(bias)
    kernel[1, 1, :signals, :signals] = _SIGNAL * np.eye(signals)
    bias[:signals] = -0.5 * _SIGNAL
    carriers = feats - signals
    bias[signals:signals + carriers - carriers % 2] = _CARRIER * np.tile([1.0, -1.0], carriers // 2)
    model.get_layer("head").set_weights([kernel, bias])
    for i in range(arch["num_blocks"]):
        _set_identity_block(model.get_layer(f"body{i}_conv"), _OFFSET)
    _set_identity_block(model.get_layer("tail_conv"), 0.0)

    lr = _fitting_image(arch["channels"])
    features = np.asarray(keras.Model(model.inputs[0], model.get_layer("tail_conv").output)(lr), np.float64)[0]
    r = model.get_layer("upsample_shuffle").block_size
    target = _target(lr, arch["scale"], method)[0].astype(np.float64)
    h, w = features.shape[:2]
    # pre-shuffle target, the inverse of PixelShuffle(r) (depth_to_space): (h, w, r·r·channels)
    target = np.asarray(keras.ops.space_to_depth(target[None].astype("float32"), r))[0].astype(np.float64)
    padded = np.pad(features, ((1, 1), (1, 1), (0, 0)))
    # rows: 3x3 neighbourhoods in Conv2D kernel order (dy, dx, channel), then 1 for the bias
    rows = np.stack([padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)], axis=2)
    rows = np.concatenate([rows.reshape(h * w, -1), np.ones((h * w, 1))], axis=1)
    # ridge (Tikhonov) least squares: the carriers and the LayerNorm centring make the features
    # nearly collinear, and a plain least-squares readout cancels large weights against each
    # other (rms ~27): at such a start every upstream update is amplified and Adam's first
    # steps throw the model far from bicubic. A small ridge keeps the readout weights small.
    gram = rows.T @ rows
    ridge = _RIDGE * np.trace(gram) / gram.shape[0] * np.eye(gram.shape[0])
    ridge[-1, -1] = 0.0  # the bias is free
    solution = np.linalg.solve(gram + ridge, rows.T @ target.reshape(h * w, -1))
    conv = model.get_layer("upsample_conv")
    k = conv.get_weights()[0]
    conv.set_weights([solution[:-1].reshape(k.shape).astype(k.dtype), solution[-1].astype(k.dtype)])
    return model
