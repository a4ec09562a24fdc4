"""SavedModel export through Keras (``model.export(path, format="tf_saved_model")``)."""

import contextlib
import io

from keras_sr.utils.atomic import atomic_dir


def export_savedmodel(model, path, overwrite=False, input_size=None):
    """Write ``model`` as a TF SavedModel folder at ``path`` (built in a temp folder, then renamed).

    The ``serve`` signature takes ``(B, H, W, C)`` float32 in [0, 1]; ``H``/``W`` are free
    unless ``input_size=(width, height)`` fixes them (batch stays free).
    """
    import tensorflow as tf

    signature = None
    if input_size is not None:
        w, h = input_size
        signature = [tf.TensorSpec((None, h, w, model.inputs[0].shape[-1]), tf.float32, name="lr")]
    with atomic_dir(path, overwrite=overwrite) as tmp:
        # model.export prints its endpoint listing; keep stdout for keras-sr's own report.
        with contextlib.redirect_stdout(io.StringIO()):
            model.export(tmp, format="tf_saved_model", input_signature=signature, verbose=False)
    return path
