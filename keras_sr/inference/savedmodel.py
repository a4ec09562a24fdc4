"""Run an exported TensorFlow SavedModel folder (``keras-sr export --formats savedmodel``) as a
:class:`~keras_sr.inference.Predictor`.

Keras 3 cannot ``load_model`` a SavedModel, so it runs through ``tf.saved_model.load``
and its ``serve`` signature. A fixed-shape export takes only LR images of its size.
"""

import os

import numpy as np

from keras_sr.inference.predictor import Predictor


def is_savedmodel(path):
    """True for a TensorFlow SavedModel folder (``keras-sr export --formats savedmodel``)."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, "saved_model.pb"))


class UntrustedModelWarning(UserWarning):
    """A SavedModel keras-sr did not write is about to run (its graph is not checked)."""


def written_by_keras_sr(path):
    """True when ``path`` has the export metadata ``keras-sr export`` writes beside a SavedModel
    (``NAME_savedmodel.json``, format ``savedmodel``, naming the folder)."""
    import json

    folder = os.path.normpath(path)
    try:
        with open(folder + ".json") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return (isinstance(meta, dict) and meta.get("format") == "savedmodel" and "metadata_version" in meta
            and meta.get("file") == os.path.basename(folder))


def warn_if_foreign(path):
    """One warning when ``path`` is a SavedModel keras-sr did not export: it runs its own graph."""
    if not written_by_keras_sr(path):
        import warnings

        warnings.warn(f"SavedModel {path} has no keras-sr export metadata beside it "
                      f"({os.path.basename(os.path.normpath(path))}.json): it runs its own graph, TensorFlow "
                      "ops of any kind (file writes included), unchecked; use only SavedModels you trust "
                      "(docs/security.md)", UntrustedModelWarning, stacklevel=3)


def savedmodel_predictor(path, scale=None):
    """A :class:`Predictor` running an exported SavedModel folder (its ``serve`` signature).

    Raises:
        ValueError: not loadable, no ``serve`` signature, a factor other than ``scale``.
    """
    import tensorflow as tf

    warn_if_foreign(path)
    try:
        loaded = tf.saved_model.load(path)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"cannot load SavedModel {path}: {str(e).strip().splitlines()[0]}") from e
    signatures = loaded.signatures
    fn = signatures.get("serve") or signatures.get("serving_default")
    if fn is None:
        raise ValueError(f"SavedModel {path} has no 'serve' signature")
    from keras_sr.utils.load_errors import savedmodel_signature

    key, spec = savedmodel_signature(path, fn)
    _, h, w, channels = spec.shape

    def run(lr):
        if (h is not None and lr.shape[0] != h) or (w is not None and lr.shape[1] != w):
            raise ValueError(f"SavedModel {path} is a fixed-shape export for {w}x{h} LR images, not "
                             f"{lr.shape[1]}x{lr.shape[0]}: export with --dynamic, or pass the .keras file")
        out = fn(**{key: tf.constant(lr[None], tf.float32)})
        return np.asarray(next(iter(out.values())))[0]

    probe = (h or 16, w or 16)
    measured = int(run(np.zeros((*probe, channels), np.float32)).shape[0]) // probe[0]
    if scale is not None and int(scale) != measured:
        raise ValueError(f"SavedModel {path} upscales x{measured}, not x{scale}")
    multiple = 1
    if h is None:  # dynamic: the multiple its sizes need (RT4KSR's pixel-unshuffle: 2)
        for size, m in ((9, 1), (10, 2)):
            try:
                run(np.zeros((size, size, channels), np.float32))
                break
            except Exception:  # noqa: BLE001  (the graph rejects the size)
                multiple = 2 * m
    return Predictor(run, os.path.basename(os.path.normpath(path)), measured, channels, multiple)
