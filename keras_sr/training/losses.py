"""Losses of the SR papers: pixel L1/MSE, RT4KSR's high-frequency L1, VGG19 content loss.

All take images in [0, 1] (the models' range). They are registered Keras losses, so a
compiled model saves and reloads with them.
"""

import os
from pathlib import Path

import keras
from keras import ops

from keras_sr.layers import GaussianHighPass

# The file keras.applications.VGG19(include_top=False, weights="imagenet") downloads.
VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


@keras.saving.register_keras_serializable(package="keras_sr")
class HighFrequencyL1(keras.losses.Loss):
    """RT4KSR's high-frequency loss: ``mean |(HR − blur(HR)) − (SR − blur(SR))|``.

    ``blur`` is torchvision's ``GaussianBlur(kernel_size, sigma)`` with reflect borders
    (:class:`~keras_sr.layers.GaussianHighPass` gives ``x − blur(x)``), 5x5 and σ = 1 in
    the paper (SPECS §5.5; from the paper summary, not from released code). Shapes
    (B, H, W, C) with H, W > kernel_size // 2.
    """

    def __init__(self, kernel_size=5, sigma=1.0, name="high_frequency_l1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.kernel_size, self.sigma = int(kernel_size), float(sigma)
        self.high_pass = GaussianHighPass(self.kernel_size, self.sigma)

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, y_pred.dtype)
        diff = self.high_pass(y_true) - self.high_pass(y_pred)
        return ops.mean(ops.abs(diff), axis=(1, 2, 3))

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "sigma": self.sigma}


@keras.saving.register_keras_serializable(package="keras_sr")
class PixelLoss(keras.losses.Loss):
    """``weight · L1|MSE(hr, sr) + high_frequency_weight · HighFrequencyL1(hr, sr)``.

    Args:
        kind: ``"l1"`` (EDSR, RT4KSR) or ``"mse"`` (SRResNet, SRDenseNet, RED-Net, SRCNN).
        weight: factor on the pixel term; 4 with ``"mse"`` is SRResNet's MSE on [−1, 1]
            images (the model returns ``(y + 1) / 2``).
        high_frequency_weight: RT4KSR's high-frequency term (0 = off, not computed).
        kernel_size, sigma: the Gaussian of the high-frequency term.
    """

    def __init__(self, kind="l1", weight=1.0, high_frequency_weight=0.0, kernel_size=5, sigma=1.0,
                 name="pixel_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        if kind not in ("l1", "mse"):
            raise ValueError(f"PixelLoss: `kind` must be 'l1' or 'mse', got {kind!r}")
        self.kind, self.weight = kind, float(weight)
        self.high_frequency_weight = float(high_frequency_weight)
        self.kernel_size, self.sigma = int(kernel_size), float(sigma)
        self.high_frequency = HighFrequencyL1(kernel_size, sigma, reduction=None)

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, y_pred.dtype)
        diff = y_true - y_pred
        pixel = ops.abs(diff) if self.kind == "l1" else ops.square(diff)
        loss = self.weight * ops.mean(pixel, axis=(1, 2, 3))
        if self.high_frequency_weight:
            loss = loss + self.high_frequency_weight * self.high_frequency(y_true, y_pred)
        return loss

    def get_config(self):
        return {**super().get_config(), "kind": self.kind, "weight": self.weight,
                "high_frequency_weight": self.high_frequency_weight,
                "kernel_size": self.kernel_size, "sigma": self.sigma}


class PhaseOffsetLoss(keras.losses.Loss):
    """Mean square of SR's mean offset from HR at each position of the LR pixel grid, per channel.

    ``SR − HR`` (B, H, W, C) is averaged over the pixels of each of the ``period²`` phases
    ``(row mod period, col mod period)`` of every image, giving (B, period, period, C); the loss is
    the mean square of those means. Its mean over the phases is a colour cast, the deviations
    between phases a grid of period ``period``: both are zero for any faithful SR output, with
    texture or without, so the term costs what an adversarial step can exploit cheaply (a
    content-independent dot grid and cast that the pixel MSE barely sees: a grid of one grey level
    adds 1.5e-5 to it) and not the texture. keras-sr's, not SRGAN's (issue #28); HR height and
    width must be multiples of ``period``.
    """

    def __init__(self, period, name="phase_offset_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.period = int(period)
        if self.period < 1:
            raise ValueError(f"PhaseOffsetLoss: `period` must be >= 1, got {period!r}")

    def call(self, y_true, y_pred):
        y_true = ops.convert_to_tensor(y_true, y_pred.dtype)
        diff = y_pred - y_true
        h, w, c = diff.shape[1], diff.shape[2], diff.shape[3]
        s = self.period
        if h is None or w is None or h % s or w % s:
            raise ValueError(f"PhaseOffsetLoss needs static patch sides that are multiples of {s}, got {h}x{w}")
        means = ops.mean(ops.reshape(diff, (-1, h // s, s, w // s, s, c)), axis=(1, 3))
        return ops.mean(ops.square(means), axis=(1, 2, 3))

    def get_config(self):
        return {**super().get_config(), "period": self.period}


def pixel_loss(recipe):
    """The :class:`PixelLoss` of a :class:`~keras_sr.training.recipes.Recipe`."""
    return PixelLoss(recipe.loss, recipe.loss_weight, recipe.high_frequency_weight)


def vgg19_weights_path():
    """Where Keras keeps the downloaded VGG19 no-top ImageNet weights."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"  # as keras.utils.get_file
    return Path(home) / "models" / VGG19_NOTOP_FILE


def vgg19_content_model(weights="imagenet", layer="block5_conv4", allow_download=False):
    """VGG19 up to ``layer`` (post-ReLU), frozen: the SRGAN content network (SPECS §4.3).

    Input: images preprocessed as VGG expects (:func:`vgg_preprocess`), any size.

    Args:
        weights: ``"imagenet"``: Keras' ImageNet weights, from the Keras cache
            (:func:`vgg19_weights_path`); when the file is absent this raises a clear error
            unless ``allow_download=True`` (no silent hang on a machine without internet).
            A path: a weights file (the ``..._notop.h5`` file). ``None``: random weights —
            for tests only, a random VGG is no perceptual loss.
        layer: the feature layer (``block5_conv4`` = φ5,4; smaller ones such as
            ``block2_conv2`` give φ2,2 and a cheaper network).
        allow_download: let Keras download the ImageNet weights (≈ 80 MB).
    """
    if isinstance(weights, str) and weights == "imagenet":
        cached = vgg19_weights_path()
        if not cached.is_file() and not allow_download:
            raise FileNotFoundError(
                f"VGG19 ImageNet weights are not in the Keras cache ({cached}). Put "
                f"{VGG19_NOTOP_FILE} there, pass vgg_weights=PATH (--vgg-weights PATH) to that file, "
                "or allow the download (allow_download=True / --allow-download)")
    elif weights is not None:
        if not Path(weights).is_file():
            raise FileNotFoundError(f"VGG19 weights file {weights} does not exist")
        weights = str(weights)
    vgg = keras.applications.VGG19(include_top=False, weights=weights, input_shape=(None, None, 3))
    try:
        out = vgg.get_layer(layer).output
    except ValueError:
        names = [lay.name for lay in vgg.layers if "conv" in lay.name]
        raise ValueError(f"VGG19 has no layer {layer!r}; conv layers: {', '.join(names)}") from None
    model = keras.Model(vgg.input, out, name=f"vgg19_{layer}")
    model.trainable = False
    return model


def vgg_preprocess(images):
    """[0, 1] RGB -> VGG's input: ×255, RGB -> BGR, minus the ImageNet mean (``caffe`` mode)."""
    return keras.applications.vgg19.preprocess_input(images * 255.0)


def content_loss(content_model, hr, sr, feature_scale=12.75, features=None):
    """SRGAN's VGG loss: MSE of ``content_model`` features of HR and SR, each divided by
    ``feature_scale`` (12.75 in the paper, SPECS §4.3). Images in [0, 1]; a scalar
    (mean over batch, positions and channels, scaled for a distribution strategy like
    every Keras loss). ``features``: ``content_model`` as a function of the images (a JAX
    step's stateless call), default ``content_model(x, training=False)``."""
    if features is None:
        def features(x):
            return content_model(x, training=False)
    real = features(vgg_preprocess(hr)) / feature_scale
    fake = features(vgg_preprocess(sr)) / feature_scale
    return keras.losses.MeanSquaredError()(ops.stop_gradient(real), fake)
