"""``train(..., qat=True)``: fine-tune a float checkpoint with LiteRT's int8 arithmetic emulated.

The hook is a model transform applied before ``compile``: the float model is built in its
deploy form where the architecture has one (RT4KSR: ``deploy=True``, the graph the export
quantizes), takes the float weights (``init_weights``: a ``.weights.h5`` of that form, e.g.
the shipped ``rt4ksr_x2.weights.h5``, or a ``.keras`` model, re-parameterized when it is
RT4KSR's training form), and gets fake-quant layers
(:func:`keras_sr.models.qat.insert_fake_quant`) whose activation ranges the first training
batch sets and an EMA then tracks. The run's config.json records ``"qat": true``; its
checkpoints are quantization-aware models that ``keras-sr export --formats int8`` turns into
full int8 with those ranges (:mod:`keras_sr.export.qat_tflite`).
"""
import inspect
import os


def qat_recipe(recipe, model_name):
    """``recipe`` for a QAT run: the deploy form (when the builder has one), no initialisation
    override (the weights come from the float checkpoint)."""
    from keras_sr.models import registry

    if recipe.kind != "sr":
        raise ValueError(f"--qat fine-tunes single-scale SR models; recipe kind {recipe.kind!r} is not supported")
    overrides = {k: v for k, v in recipe.model_overrides.items() if k != "init"}
    builder = registry._ARCHITECTURES[registry.get_preset(model_name)["arch"]]
    if "deploy" in inspect.signature(builder).parameters:
        overrides["deploy"] = True
    return recipe.replace(model_overrides=overrides)


def _float_source(init_weights):
    """A ``.keras`` model (deploy form when it has one) or the ``.weights.h5`` path."""
    path = os.fspath(init_weights)
    if not path.endswith(".keras"):
        return path
    import keras

    import keras_sr.layers  # noqa: F401  (registers the serializable layers)
    from keras_sr.export.pipeline import deploy_form

    return deploy_form(keras.saving.load_model(path, compile=False, safe_mode=True))


def qat_transform(init_weights, momentum=0.999):
    """The transform ``build_trainable`` applies before compiling: float weights from
    ``init_weights`` (``None`` when resuming: the backup restores everything), then
    fake-quant layers. Every layer with weights must receive them (else ``ValueError``)."""
    from keras_sr.models.qat import insert_fake_quant
    from keras_sr.training.warm_start import warm_start

    def transform(model):
        if init_weights is not None:
            started = warm_start(model, _float_source(init_weights))
            if started["kept"]:
                raise ValueError(f"--qat: {init_weights} does not hold the float weights of "
                                 f"{', '.join(started['kept'])} (the deploy form is fine-tuned)")
        return insert_fake_quant(model, momentum=momentum)

    return transform
