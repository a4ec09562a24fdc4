"""SRGAN as a ``keras.Model`` with its own ``train_step`` (Ledig et al., CVPR 2017, §2.2/3.2).

Each batch ``(lr, hr)`` (images in [0, 1]) makes one discriminator step and one generator
step, each with its own optimizer (k = 1 alternation, SPECS §4.3):

* D: ``BCE(1, D(hr)) + BCE(0, D(G(lr)))`` on logits.
* G: ``content + adversarial_weight · BCE(1, D(G(lr))) [+ pixel_weight · pixel]
  [+ phase_offset_weight · phase offset]`` (the last keras-sr's, off by default), with
  ``content`` = MSE of VGG19 ``block5_conv4`` features (post-ReLU) of HR and SR, each
  divided by ``feature_scale`` = 12.75 (:func:`~keras_sr.training.losses.content_loss`).

The History reports ``d_loss``, ``g_loss``, ``content_loss``, ``adversarial_loss``,
``pixel_loss`` and ``psnr`` (RGB, peak 255, per batch). The model saves and loads as
``.keras`` with its two optimizers (``get_compile_config``/``compile_from_config``), so
``fit`` continues after ``keras.models.load_model``. The step runs on TensorFlow
(``tf.GradientTape``), JAX (``stateless_call`` + ``jax.vjp``) and PyTorch (autograd), one
small module each in :mod:`keras_sr.training.steps`; the losses are written once, here. Under a
``tf.distribute`` strategy (build and compile inside ``strategy.scope()``) each replica's
losses are Keras losses, which divide by the number of replicas, and the optimizers sum the
replicas' gradients: the step equals one step on the global batch.
"""

import keras
from keras import ops

from keras_sr.data.metrics import PSNR
from keras_sr.training.steps import for_backend
from keras_sr.training.losses import PhaseOffsetLoss, PixelLoss, content_loss


@keras.saving.register_keras_serializable(package="keras_sr")
class SRGAN(keras.Model):
    """Generator + discriminator + frozen content network, trained adversarially.

    Args:
        generator: the SR network (``srresnet``), [0, 1] -> [0, 1]; start it from a trained
            SRResNet (:func:`build_srgan`).
        discriminator: (B, P, P, C) in [0, 1] -> (B, 1) logits (``srgan-discriminator`` with
            ``input_size`` = the HR patch side).
        content_model: VGG-preprocessed images -> features
            (:func:`~keras_sr.training.losses.vgg19_content_model`). Frozen; its weights are
            saved with the model. ``None``: no feature loss, the paper's SRGAN-MSE (its
            Table 1: MSE content + 1e-3 adversarial) with ``pixel_weight=1`` and MSE ×4.
        feature_scale: features are divided by it before the MSE (12.75).
        adversarial_weight: weight of the generator's BCE (1e-3).
        pixel_weight: weight of an extra pixel loss (0 = the paper's SRGAN).
        pixel_loss: ``"mse"`` or ``"l1"``; ``pixel_loss_weight`` its own factor (4 with MSE
            is SRResNet's MSE on [−1, 1] images).
        phase_offset_weight: weight of :class:`~keras_sr.training.losses.PhaseOffsetLoss` (SR's
            mean offset from HR at each LR-grid phase: the dot grid and colour cast adversarial
            updates add; 0 = the paper's SRGAN); ``scale`` its period, the generator's factor.
    """

    def __init__(self, generator, discriminator, content_model, feature_scale=12.75,
                 adversarial_weight=1e-3, pixel_weight=0.0, pixel_loss="mse", pixel_loss_weight=4.0,
                 phase_offset_weight=0.0, scale=4, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        if content_model is None and not pixel_weight:
            raise ValueError("SRGAN without a content network (SRGAN-MSE) needs pixel_weight > 0")
        self.content_model = content_model
        if content_model is not None:
            self.content_model.trainable = False
        self.feature_scale = float(feature_scale)
        self.adversarial_weight = float(adversarial_weight)
        self.pixel_weight = float(pixel_weight)
        self.pixel_loss_kind = pixel_loss
        self.pixel_loss_weight = float(pixel_loss_weight)
        self.pixel_loss = PixelLoss(pixel_loss, pixel_loss_weight)
        self.phase_offset_weight, self.scale = float(phase_offset_weight), int(scale)
        if self.phase_offset_weight < 0:
            raise ValueError(f"phase_offset_weight must be >= 0, got {phase_offset_weight}")
        self.phase_offset_loss = PhaseOffsetLoss(self.scale)
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in
                         ("d_loss", "g_loss", "content_loss", "adversarial_loss", "pixel_loss")}
        self.psnr = PSNR(channel="rgb", name="psnr")
        self.d_optimizer = None
        self.built = True  # every weight exists: the three networks are built models

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    @property
    def metrics(self):
        return [*self.trackers.values(), self.psnr]

    def compile(self, optimizer="adam", d_optimizer="adam", **kwargs):
        """``optimizer`` updates the generator, ``d_optimizer`` the discriminator; other
        arguments (``jit_compile``, ``steps_per_execution``) go to ``Model.compile``."""
        super().compile(optimizer=optimizer, **kwargs)
        d_optimizer = keras.optimizers.get(d_optimizer)
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
                d_optimizer, keras.optimizers.LossScaleOptimizer):
            d_optimizer = keras.optimizers.LossScaleOptimizer(d_optimizer)
        self.d_optimizer = d_optimizer
        # Build both now (fixed variable order) so a saved optimizer state loads back.
        self.optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": keras.saving.serialize_keras_object(self.optimizer),
                "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
                "jit_compile": self.jit_compile}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.saving.deserialize_keras_object(config["optimizer"]),
                     d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
                     jit_compile=config.get("jit_compile", "auto"))

    def generator_losses(self, hr, sr, fake_logits, features=None):
        """``(total, content, adversarial, pixel)`` of the G step; ``features``: the content
        network as a function (a backend's stateless call), default ``content_model``."""
        content = (ops.zeros((), "float32") if self.content_model is None
                   else content_loss(self.content_model, hr, sr, self.feature_scale, features=features))
        adversarial = self.bce(ops.ones_like(fake_logits), fake_logits)
        pixel = self.pixel_loss(hr, sr)
        total = content + self.adversarial_weight * adversarial
        if self.pixel_weight:
            total = total + self.pixel_weight * pixel
        if self.phase_offset_weight:
            total = total + self.phase_offset_weight * self.phase_offset_loss(hr, sr)
        return total, content, adversarial, pixel

    def discriminator_loss(self, real_logits, fake_logits):
        return (self.bce(ops.ones_like(real_logits), real_logits)
                + self.bce(ops.zeros_like(fake_logits), fake_logits))

    def evaluation_losses(self, lr, hr):
        """``(losses, hr, sr)`` of a batch without updates (every backend's ``test_step``)."""
        hr = ops.cast(hr, "float32")
        sr = ops.cast(self.generator(lr, training=False), "float32")
        real = ops.cast(self.discriminator(hr, training=False), "float32")
        fake = ops.cast(self.discriminator(sr, training=False), "float32")
        g_loss, content, adversarial, pixel = self.generator_losses(hr, sr, fake)
        return ({"d_loss": self.discriminator_loss(real, fake), "g_loss": g_loss, "content_loss": content,
                 "adversarial_loss": adversarial, "pixel_loss": pixel}, hr, sr)

    def report(self, hr, sr, replicas=1, **losses):
        """Update the trackers (Keras losses are divided by the number of ``replicas``; the
        trackers report global means) and PSNR; the logs."""
        for name, value in losses.items():
            self.trackers[name].update_state(value * replicas)
        self.psnr.update_state(hr, sr)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, *args):
        # (data) on TensorFlow and PyTorch, (state, data) on JAX: keras_sr.training.steps
        return for_backend().srgan_train_step(self, *args)

    def test_step(self, *args):
        return for_backend().srgan_test_step(self, *args)

    @property
    def non_trainable_variables(self):
        # JAX: the discriminator optimizer's variables ride in the model's non-trainable
        # state through fit (Keras' JAX state has a slot for one optimizer only).
        own = super().non_trainable_variables
        if keras.backend.backend() == "jax" and self.d_optimizer is not None and self.d_optimizer.built:
            return own + list(self.d_optimizer.variables)
        return own

    def get_config(self):
        return {**super().get_config(),
                "generator": keras.saving.serialize_keras_object(self.generator),
                "discriminator": keras.saving.serialize_keras_object(self.discriminator),
                "content_model": keras.saving.serialize_keras_object(self.content_model),
                "feature_scale": self.feature_scale, "adversarial_weight": self.adversarial_weight,
                "pixel_weight": self.pixel_weight, "pixel_loss": self.pixel_loss_kind,
                "pixel_loss_weight": self.pixel_loss_weight, "phase_offset_weight": self.phase_offset_weight,
                "scale": self.scale}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator", "content_model"):
            config[key] = None if config[key] is None else keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


def load_generator(source, scale=4, **overrides):
    """The SRGAN generator from ``source``: a ``keras.Model``, a ``.keras`` file (a trained
    SRResNet), a ``.weights.h5`` file for ``srresnet`` ×``scale``, or ``None`` (a fresh
    ``srresnet``; the paper starts from a trained SRResNet-MSE)."""
    from keras_sr import models

    if isinstance(source, keras.Model):
        return source
    if source is None:
        return models.build("srresnet", scale=scale, **overrides)
    source = str(source)
    if source.endswith(".weights.h5"):
        model = models.build("srresnet", scale=scale, **overrides)
        model.load_weights(source)
        return model
    if source.endswith(".keras"):
        return keras.models.load_model(source)
    raise ValueError(f"generator {source!r}: expected a .keras model or a .weights.h5 file")


def build_srgan(scale=4, hr_patch_size=96, generator=None, vgg_weights="imagenet",
                content_layer="block5_conv4", allow_download=False, content_model=None,
                generator_overrides=None, discriminator="srgan-discriminator",
                discriminator_overrides=None, **kwargs):
    """An :class:`SRGAN` from the registry's ``srresnet`` and ``srgan-discriminator``.

    Args:
        scale: SR scale of the generator.
        hr_patch_size: HR patch side (the discriminator's fixed input size; 96 in the paper).
        generator: see :func:`load_generator` (a trained SRResNet in the paper).
        vgg_weights: ``"imagenet"`` (Keras cache; clear error if absent unless
            ``allow_download``), a weights file path, or ``None`` (random VGG: tests only).
        content_layer: VGG19 feature layer (``block5_conv4``); ``None``: no VGG at all
            (SRGAN-MSE, needs ``pixel_weight`` > 0; ``vgg_weights`` is then not read).
        content_model: a ready content network instead of VGG19 (tests, other features).
        generator_overrides, discriminator_overrides: builder arguments.
        **kwargs: :class:`SRGAN` arguments (``adversarial_weight``, ``pixel_weight``, …).
    """
    from keras_sr import models
    from keras_sr.training.losses import vgg19_content_model

    gen = load_generator(generator, scale, **(generator_overrides or {}))
    disc = models.build(discriminator, **{"input_size": int(hr_patch_size), **(discriminator_overrides or {})})
    if content_model is None and content_layer is not None:
        content_model = vgg19_content_model(vgg_weights, content_layer, allow_download=allow_download)
    return SRGAN(gen, disc, content_model, name="srgan", scale=scale, **kwargs)
