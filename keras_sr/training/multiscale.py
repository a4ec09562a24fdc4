"""MDSR's multi-scale training: each batch one scale, only that scale's path is updated.

``training_dataset(..., scales=(2, 3, 4))`` yields ``{"lr", "hr", "scale"}`` batches with
one random scale per batch. :class:`MultiScaleTrainer` wraps the multi-output MDSR
(``models.build("mdsr-baseline")``) and, per batch, runs the single-scale view of that
scale (:func:`keras_sr.models.mdsr.scale_model`, shared weights), computes the loss, and
applies the gradients to that view's variables only: the shared head/body/tail and the
scale's own pre-processing blocks and upsampler (Lim et al., CVPRW 2017, §3.3; SPECS §1.3).
The other scales' variables receive no update at all — not even Adam's momentum, which a
zero gradient would still apply. TensorFlow backend (``tf.switch_case`` on the scale), one
device: a ``tf.distribute`` strategy cannot aggregate gradients inside ``tf.switch_case``, so
``compile`` under a strategy with several replicas raises ``NotImplementedError``.
"""

import keras

from keras_sr.models.mdsr import scale_models


@keras.saving.register_keras_serializable(package="keras_sr")
class MultiScaleTrainer(keras.Model):
    """Trains a multi-output MDSR on ``{"lr", "hr", "scale"}`` batches.

    ``compile(optimizer, loss)`` as usual; ``loss`` takes ``(hr, sr)`` in [0, 1]. The
    History reports ``loss`` and ``psnr`` (RGB, per batch). ``trainer.model`` is the
    multi-output MDSR; ``trainer.views[s]`` its ×s model (save or export those).
    """

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.views = scale_models(model)
        self.scales = tuple(sorted(self.views))
        self.loss_tracker = keras.metrics.Mean(name="loss")
        from keras_sr.data.metrics import PSNR

        self.psnr = PSNR(channel="rgb", name="psnr")
        self.built = True

    def call(self, inputs, training=False):
        return self.model(inputs, training=training)

    @property
    def metrics(self):
        return [self.loss_tracker, self.psnr]

    def compile(self, optimizer="adam", loss="mae", **kwargs):
        import tensorflow as tf

        if tf.distribute.get_strategy().num_replicas_in_sync > 1:
            # The per-scale update is an optimizer step inside tf.switch_case, and tf.distribute
            # cannot aggregate gradients (merge_call) inside control flow.
            raise NotImplementedError(
                "MDSR multi-scale training runs on one device: a tf.distribute strategy with several "
                "replicas cannot update one scale's modules per batch; train single-scale EDSR/MDSR views "
                "under the strategy instead")
        super().compile(optimizer=optimizer, **kwargs)
        from keras_sr.training.losses import PixelLoss

        names = {"mae": "l1", "l1": "l1", "mean_absolute_error": "l1", "mse": "mse", "mean_squared_error": "mse"}
        if isinstance(loss, str) and loss in names:
            loss = PixelLoss(names[loss])
        if not isinstance(loss, keras.losses.Loss):  # a plain function would not be reduced per replica
            raise ValueError(f"MultiScaleTrainer needs a keras.losses.Loss or 'l1'/'mse', got {loss!r}")
        self.sr_loss = loss
        self.optimizer.build(self.model.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return None
        return {"optimizer": keras.saving.serialize_keras_object(self.optimizer),
                "loss": keras.saving.serialize_keras_object(self.sr_loss), "jit_compile": self.jit_compile}

    def compile_from_config(self, config):
        self.compile(optimizer=keras.saving.deserialize_keras_object(config["optimizer"]),
                     loss=keras.saving.deserialize_keras_object(config["loss"]),
                     jit_compile=config.get("jit_compile", "auto"))

    def _branches(self, data, train):
        import tensorflow as tf

        lr, hr = data["lr"], data["hr"]

        def branch(scale):
            view = self.views[scale]

            def run():
                if any(h is not None and w is not None and h != w * scale
                       for h, w in zip(hr.shape[1:3], lr.shape[1:3])):
                    # Static sizes say this batch is not ×scale: a branch never taken.
                    return tf.constant(0.0)
                target = hr
                if not train:
                    sr = view(lr, training=False)
                    self.psnr.update_state(target, sr)
                    return self.sr_loss(target, sr)
                variables = view.trainable_variables
                with tf.GradientTape() as tape:
                    sr = view(lr, training=True)
                    loss = self.sr_loss(target, sr)
                    scaled = self.optimizer.scale_loss(loss)
                self.optimizer.apply_gradients(zip(tape.gradient(scaled, variables), variables))
                self.psnr.update_state(target, sr)
                return loss

            return run

        index = tf.argmax(tf.cast(tf.equal(tf.constant(self.scales, tf.int32),
                                           tf.cast(data["scale"], tf.int32)), tf.int32))
        loss = tf.switch_case(tf.cast(index, tf.int32), [branch(s) for s in self.scales])
        return tf.reshape(loss, [])

    def _report(self, loss):
        import tensorflow as tf

        # Keras losses are divided by the number of replicas; the tracker reports the global mean.
        self.loss_tracker.update_state(loss * tf.distribute.get_strategy().num_replicas_in_sync)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        return self._report(self._branches(data, train=True))

    def test_step(self, data):
        return self._report(self._branches(data, train=False))

    def get_config(self):
        return {**super().get_config(), "model": keras.saving.serialize_keras_object(self.model)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["model"] = keras.saving.deserialize_keras_object(config["model"])
        return cls(**config)


