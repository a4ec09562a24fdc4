"""Start a training run from another model's weights (EDSR §3.2: x3/x4 start from x2).

``warm_start(model, source)`` copies, layer by layer, every layer of ``source`` whose name
and weight shapes match a layer of ``model``: the shared body of a x2 model goes into a
x3 or x4 model of the same architecture, whose upsampler (other shapes) keeps its fresh
initialisation. A ``.weights.h5`` file must fit ``model`` exactly (``model.load_weights``),
except keras-sr's shipped weights (``keras_sr/weights/``): their preset and scale are known, so
another scale starts from them like from a ``.keras`` model (EDSR-baseline x4 from the
shipped x2).
"""

import os
import re


def warm_start(model, source):
    """Copy matching weights from ``source`` into ``model`` (in place).

    Args:
        model: the ``keras.Model`` to initialise.
        source: a ``keras.Model``, a ``.keras`` file (matched by layer name and weight
            shapes), a ``.weights.h5`` file of the same architecture, or a shipped
            ``.weights.h5`` of another scale (matched by name and shapes).

    Returns:
        dict: ``copied`` and ``kept`` (names of the layers with weights that were / were
        not initialised from ``source``).

    Raises:
        FileNotFoundError: a missing file. ValueError: nothing in ``source`` fits ``model``.
    """
    import keras

    from keras_sr.presets import from_preset, load_weights

    with_weights = [layer for layer in model.layers if layer.weights]
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"warm-start file {path} not found")
        if path.endswith(".weights.h5"):
            from keras_sr import weights

            key = weights.shipped_file(path)
            deploy = key is not None and weights.entry(*key)["build"].get("deploy")
            if key is None or deploy:  # a deploy form only loads into a deploy model of its scale
                try:
                    _load_exact(model, path)
                except ValueError:
                    if not deploy:
                        raise
                    form = weights.entry(*key).get("training_form")
                    where = weights.WEIGHTS_DIR / form if form else "a .keras checkpoint of the training form"
                    raise ValueError(f"{path} holds the deploy form of the shipped {key[0]} x{key[1]} "
                                     f"weights, which cannot be trained further; warm-start from {where}") from None
                return {"copied": [layer.name for layer in with_weights], "kept": []}
            # a trainable shipped form: build it (never a partial load_weights, which would
            # assign whatever fits in file order) and copy by layer name and shape
            from keras_sr import models

            if weights.entry(*key)["build"].get("multiscale"):
                # one file for every scale (MDSR): the whole multi-output model, every branch
                source = load_weights(models.build(key[0]), path)
            else:
                source = from_preset(key[0], scale=key[1], weights="default")
        elif path.endswith(".keras"):
            import keras_sr.layers  # noqa: F401  (registers the serializable layers)

            source = keras.saving.load_model(path, compile=False, safe_mode=True)
        else:
            raise ValueError(f"warm-start file {path} must be a .keras model or a .weights.h5 file")
    return _copy_matching(model, source)


def _load_exact(model, path):
    """``load_weights(model, path)`` for a model the trainer has compiled: Keras would also look
    for the optimizer's state in the file (a weights file has none) and refuse; the weights go
    through an uncompiled copy of the same architecture instead."""
    from keras_sr.presets import load_weights

    if getattr(model, "optimizer", None) is None:
        return load_weights(model, path)
    # from_config, not keras.models.clone_model: Keras 3's clone compiles the copy like the original
    plain = load_weights(model.__class__.from_config(model.get_config()), path, what=f"model {model.name!r}")
    model.set_weights(plain.get_weights())
    return model


def _shapes(layer):
    return [tuple(w.shape) for w in layer.weights]


def _copy_matching(model, source):
    with_weights = [layer for layer in model.layers if layer.weights]
    by_name = {layer.name: layer for layer in source.layers if layer.weights}
    copied, kept = [], []
    for layer in with_weights:
        donor = by_name.get(layer.name)
        if donor is None and re.fullmatch(r"upsample_x\d+", layer.name):
            # a single-scale model's upsampler into the multi-scale branch of its scale (MDSR from
            # EDSR-baseline): the shapes tell the scales apart (x2: one 64->256 conv, x3: 64->576,
            # x4: two 64->256)
            donor = by_name.get("upsample")
        if donor is not None and _shapes(donor) == _shapes(layer):
            layer.set_weights(donor.get_weights())
            copied.append(layer.name)
        else:
            kept.append(layer.name)
    if not copied:
        raise ValueError(f"no layer of {source.name!r} fits {model.name!r} (names or shapes differ): "
                         "warm-start from a model of the same architecture")
    if "upsample" in by_name and any(n.startswith("pre_x") for n in kept):
        # MDSR from a single-scale EDSR: the per-scale pre-processing blocks the donor lacks start
        # as identities, so that the donor's scale computes exactly the donor's output at step 0
        from keras_sr.models.mdsr import identity_pre_processing

        identity_pre_processing(model, [n for n in kept if n.startswith("pre_x")])
    return {"copied": copied, "kept": kept}
