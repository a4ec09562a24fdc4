"""MDSR's multi-scale training: each batch one scale, only that scale's path is updated.

``training_dataset(..., scales=(2, 3, 4))`` yields ``{"lr", "hr", "scale"}`` batches with
one random scale per batch. :class:`MultiScaleTrainer` wraps the multi-output MDSR
(``models.build("mdsr-baseline")``) and, per batch, runs the single-scale view of that
scale (:func:`keras_sr.models.mdsr.scale_model`, shared weights), computes the loss, and
applies the gradients to that view's variables only: the shared head/body/tail and the
scale's own pre-processing blocks and upsampler (Lim et al., CVPRW 2017, §3.3; SPECS §1.3).
The other scales' variables receive no update at all — not even Adam's momentum, which a
zero gradient would still apply. On TensorFlow the scale is a tensor (``tf.switch_case`` on
it, below); on JAX and PyTorch it is read from the batch's static shapes (HR side / LR
side: one trace per scale) and the view's step is written in
:mod:`keras_sr.training.steps` (``stateless_call`` + ``jax.value_and_grad``; autograd).

Under a ``tf.distribute`` strategy (``MirroredStrategy``, ``MultiWorkerMirroredStrategy``)
the batch's scale is the same on every replica (one scale per global batch; the batches
carry it per example, ``(B,)``, so that they can be split). Each replica computes its
gradients in the scale's branch (zeros for the variables of the other scales), they are
summed over the replicas outside any control flow, and the update runs in cross-replica
context in a ``tf.switch_case`` over the same scale — only that scale's variables and
their Adam slots change, as on one device. The optimizer cannot run inside the
replicas' ``tf.switch_case`` (its ``merge_call`` cannot cross control flow).
"""

import keras

from keras_sr.models.mdsr import scale_models
from keras_sr.training.steps import for_backend


def per_example_scale(batch):
    """``{"lr", "hr", "scale": s}`` -> ``"scale"`` as ``(B,)`` (a strategy splits batches
    along their first axis, which a scalar lacks); a ``tf.data`` map function."""
    import tensorflow as tf

    batch = dict(batch)
    batch["scale"] = tf.fill(tf.shape(batch["lr"])[:1], tf.cast(batch["scale"], tf.int32))
    return batch


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

    def _scale_index(self, scale):
        """Position of the batch's scale (a scalar, or per example: all equal) in ``scales``."""
        import tensorflow as tf

        scale = tf.reshape(tf.cast(scale, tf.int32), [-1])[0]
        index = tf.argmax(tf.cast(tf.equal(tf.constant(self.scales, tf.int32), scale), tf.int32))
        return tf.cast(index, tf.int32)

    def tf_train(self, data):
        """One update of the batch's scale, exact under a strategy (see the module docstring)."""
        import tensorflow as tf

        lr, hr = data["lr"], data["hr"]
        variables = self.model.trainable_variables
        position = {id(v): i for i, v in enumerate(variables)}

        def branch(scale):
            view = self.views[scale]

            def run():
                zeros = [tf.zeros(v.shape, v.dtype) for v in variables]
                if any(h is not None and w is not None and h != w * scale
                       for h, w in zip(hr.shape[1:3], lr.shape[1:3])):
                    return [tf.constant(0.0)] + zeros  # static sizes say: not this scale
                with tf.GradientTape() as tape:
                    sr = view(lr, training=True)
                    loss = self.sr_loss(hr, sr)
                    scaled = self.optimizer.scale_loss(loss)
                for v, g in zip(view.trainable_variables, tape.gradient(scaled, view.trainable_variables)):
                    zeros[position[id(v)]] = g
                self.psnr.update_state(hr, sr)
                return [tf.reshape(tf.cast(loss, tf.float32), [])] + zeros

            return run

        index = self._scale_index(data["scale"])
        out = tf.switch_case(index, [branch(s) for s in self.scales])
        context = tf.distribute.get_replica_context()
        grads = context.all_reduce(tf.distribute.ReduceOp.SUM, out[1:])  # each replica's loss is / replicas
        context.merge_call(self._apply_scale, args=(index, grads))
        return out[0]

    def _apply_scale(self, strategy, index, grads):
        # Cross-replica context: the optimizer step of the batch's scale on its variables only.
        import tensorflow as tf

        index = strategy.experimental_local_results(index)[0]
        variables = self.model.trainable_variables
        position = {id(v): i for i, v in enumerate(variables)}

        optimizer = self.optimizer

        def update(grads_now, trainable_variables, learning_rate):
            # Keras' TF optimizer asks for a merge_call here, which only a replica context
            # grants; in cross-replica context the per-variable update is called directly.
            trainable_variables = [v.value if isinstance(v, keras.Variable) else v for v in trainable_variables]
            optimizer._distributed_tf_update_step(  # noqa: SLF001
                strategy, list(zip(grads_now, trainable_variables)), learning_rate)

        def branch(scale):
            own = [position[id(v)] for v in self.views[scale].trainable_variables]

            def run():
                optimizer.apply_gradients([(grads[i], variables[i]) for i in own])
                return tf.constant(0)

            return run

        optimizer._backend_update_step = update  # noqa: SLF001  (this trace only, removed below)
        try:
            tf.switch_case(index, [branch(s) for s in self.scales])
        finally:
            del optimizer._backend_update_step

    def tf_evaluate(self, data):
        import tensorflow as tf

        lr, hr = data["lr"], data["hr"]

        def branch(scale):
            view = self.views[scale]

            def run():
                if any(h is not None and w is not None and h != w * scale
                       for h, w in zip(hr.shape[1:3], lr.shape[1:3])):
                    # Static sizes say this batch is not ×scale: a branch never taken.
                    return tf.constant(0.0)
                sr = view(lr, training=False)
                self.psnr.update_state(hr, sr)
                return self.sr_loss(hr, sr)

            return run

        loss = tf.switch_case(self._scale_index(data["scale"]), [branch(s) for s in self.scales])
        return tf.reshape(loss, [])

    def report(self, loss, replicas=1):
        """Update the trackers (Keras losses are divided by the number of ``replicas``; the
        tracker reports the global mean); the logs."""
        self.loss_tracker.update_state(loss * replicas)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, *args):
        # (data) on TensorFlow and PyTorch, (state, data) on JAX: keras_sr.training.steps
        return for_backend().multiscale_train_step(self, *args)

    def test_step(self, *args):
        return for_backend().multiscale_test_step(self, *args)

    def get_config(self):
        return {**super().get_config(), "model": keras.saving.serialize_keras_object(self.model)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["model"] = keras.saving.deserialize_keras_object(config["model"])
        return cls(**config)


