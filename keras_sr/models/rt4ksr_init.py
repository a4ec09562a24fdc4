"""RT4KSR initialised near bicubic (or nearest) upsampling — initialisation only.

RT4KSR has no global skip and a LayerNorm before every block, so a fresh network starts far
from any upsampler and learns slowly (issue 16: 5.5 dB under bicubic after 1,400 updates at
lr 1e-3). :func:`init_near_upsampling` sets the weights of a freshly built model (same layers,
same parameter count) so that at step 0 it computes ≈ bicubic (or nearest) upsampling:

* ``head`` (3x3 conv, centre tap only) writes the 4·C pixel-unshuffled LR values as small
  signals ``ε·(u − 0.5)`` into the first 4·C features and constant "carriers" ``±A``
  (alternating signs) into the others. The carriers dominate each LayerNorm's variance, so
  the normalisation is a fixed affine map of the signals (its mean subtraction is linear).
* every re-parameterizable block (``ReparamBlock``) starts as identity plus a bias ``B``
  (its ``reduce`` 1x1 conv kernel 0, as in zero-initialised residual branches; ``expand``
  and ``fea`` keep their random initialisation and start learning after the first update).
  ``B`` puts the features where GELU is ≈ the identity (GELU(x) = x·Φ(x), Φ(4) ≈ 0.99997).
* so the tail features are ≈ an affine function of the LR pixels, and ``upsample_conv`` is
  solved by least squares (float64, on a fixed synthetic image) so that
  ``pixel_shuffle(upsample_conv(features))`` reproduces the target upsampling.

Measured (2026-11-26, skimage astronaut crop, float32): at step 0 the x2/x3/x4 output is
57/55/54 dB PSNR (Y) from MATLAB bicubic's, and its PSNR to HR equals bicubic's within 0.01 dB
(a fresh RT4KSR: ~9 dB). Under ``mixed_float16`` the small signals lose precision: the start
is then only roughly bicubic.
"""

import keras
import numpy as np

INIT_METHODS = ("bicubic", "nearest")

_SIGNAL = 0.05   # ε: signal amplitude per unit of pixel value (small against the carriers)
_CARRIER = 1.0   # A: carrier value (sets every LayerNorm's variance)
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
    from keras_sr.models.rt4ksr import architecture_of

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
    solution = np.linalg.lstsq(rows, target.reshape(h * w, -1), rcond=None)[0]
    conv = model.get_layer("upsample_conv")
    k = conv.get_weights()[0]
    conv.set_weights([solution[:-1].reshape(k.shape).astype(k.dtype), solution[-1].astype(k.dtype)])
    return model
