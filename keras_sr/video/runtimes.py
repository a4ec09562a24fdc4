"""The model a clip is upscaled with, chosen by what ``--model`` names: a Keras model (preset
with its shipped weights, ``.keras`` file; any Keras backend), an exported ``.tflite`` (LiteRT
interpreter) or ``.onnx`` (ONNX Runtime).

Each is a :class:`FrameModel`: a :class:`~keras_sr.inference.Predictor` (one image, what
``keras_sr.upscale`` runs, so a video frame and the same frame as an image go through the same
runtime) plus a batched call on (B, H, W, C) float32 for throughput.
"""

import os

import numpy as np

from keras_sr.inference import Predictor, load_predictor

EXPORT_SUFFIXES = (".tflite", ".onnx")


class FrameModel:
    """``predictor`` (one image) and ``run_batch`` ((B, H, W, C) -> (B, H·s, W·s, C) float32)."""

    def __init__(self, predictor, run_batch, runtime):
        self.predictor, self.run_batch, self.runtime = predictor, run_batch, runtime

    @property
    def scale(self):
        return self.predictor.scale

    @property
    def name(self):
        return self.predictor.name


def load_frame_model(model, scale=None, weights=None, num_threads=None, jit=False, dtype=None):
    """A :class:`FrameModel` for ``model``: a path ending in ``.tflite`` / ``.onnx``, or anything
    :func:`keras_sr.inference.load_predictor` takes (preset name, ``.keras``, ``keras.Model``).

    ``jit``: Keras only, compile the batched call (``jax.jit`` on JAX, ``tf.function`` with XLA on
    TensorFlow); ``dtype``: Keras only, run in ``"float16"`` / ``"bfloat16"`` (GPU benchmarks).
    """
    spec = os.fspath(model) if isinstance(model, (str, os.PathLike)) else None
    if spec is not None and spec.lower().endswith(EXPORT_SUFFIXES):
        if not os.path.isfile(spec):
            raise FileNotFoundError(f"model file {spec} not found")
        if weights is not None:
            raise ValueError(f"weights apply to a preset, not to the exported model {spec} (drop --weights)")
        if spec.lower().endswith(".tflite"):
            return _tflite_model(spec, scale, num_threads)
        return _onnx_model(spec, scale, num_threads)
    predict = load_predictor(model, scale=scale, weights=weights)
    if predict.model is None:  # MATLAB bicubic: numpy, one frame at a time
        return FrameModel(predict, lambda x: np.stack([predict.fn(f) for f in x]), "numpy")
    return FrameModel(predict, _keras_batch(predict.model, jit, dtype), _keras_runtime())


def _keras_runtime():
    import keras

    return f"Keras ({keras.backend.backend()})"


def _keras_batch(model, jit, dtype):
    import keras

    if dtype not in (None, "float32"):
        model = _cast_model(model, dtype)
    if not jit:
        return lambda x: np.asarray(model(x, training=False), np.float32)
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        params = [v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables]
        fn = jax.jit(lambda tv, ntv, x: model.stateless_call(tv, ntv, x, training=False)[0])
        return lambda x: np.asarray(fn(*params, x.astype(dtype or "float32")), np.float32)
    if backend == "tensorflow":
        import tensorflow as tf

        fn = tf.function(lambda x: model(x, training=False), jit_compile=True, reduce_retracing=True)
        return lambda x: np.asarray(fn(x), np.float32)
    return lambda x: np.asarray(model(x, training=False), np.float32)


def _cast_model(model, dtype):
    """A copy of ``model`` computing in ``dtype`` (its config with a dtype policy, weights cast)."""
    import keras

    clone = keras.models.clone_model(model, clone_function=lambda layer: layer.__class__.from_config(
        {**layer.get_config(), "dtype": keras.DTypePolicy(dtype)}))
    clone.set_weights(model.get_weights())
    return clone


def _probe_scale_multiple(run_one, channels, name, scale):
    """(scale, input multiple) of an exported model, measured: the smallest size multiple in 1, 2,
    4, 8 whose output is exactly ``s`` times the input on both sides."""
    for m in (1, 2, 4, 8):
        try:
            out = run_one(np.zeros((3 * m, 5 * m, channels), np.float32))
        except Exception:  # noqa: BLE001  (runtimes raise their own types for a shape they cannot take)
            continue
        s = out.shape[0] // (3 * m)
        if out.shape[0] == 3 * m * s and out.shape[1] == 5 * m * s and s >= 1:
            if scale is not None and int(scale) != s:
                raise ValueError(f"model {name} upscales x{s}, not x{scale}")
            return s, m
    raise ValueError(f"model {name}: no input size in multiples of 1, 2, 4 or 8 runs (a fixed-size export? "
                     "export with a dynamic input size)")


def _tflite_model(path, scale, num_threads):
    from keras_sr.export.parity import interpreter

    interp = interpreter(path, num_threads=num_threads or os.cpu_count())
    inp = interp.get_input_details()[0]
    if inp["dtype"] != np.float32:
        raise ValueError(f"{path}: integer input/output exports are not supported for video; export fp32, "
                         "fp16 or int8 with float I/O")
    channels = int(inp["shape"][-1])

    def run_batch(x):
        x = np.ascontiguousarray(x, np.float32)
        if list(interp.get_input_details()[0]["shape"]) != list(x.shape):
            interp.resize_tensor_input(inp["index"], list(x.shape))
            interp.allocate_tensors()
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        return np.array(interp.get_tensor(interp.get_output_details()[0]["index"]), np.float32)

    name = os.path.basename(path)
    s, m = _probe_scale_multiple(lambda x: run_batch(x[None])[0], channels, name, scale)
    return FrameModel(Predictor(lambda x: run_batch(x[None])[0], name, s, channels, m, model=interp),
                      run_batch, "LiteRT")


def _onnx_model(path, scale, num_threads):
    from keras_sr.export.onnx_export import require, session

    require(converter=False)
    import onnxruntime

    onnxruntime.set_default_logger_severity(3)  # the size probe's refused shapes are not errors to show
    try:
        sess = session(path, num_threads=num_threads)
    except ImportError:
        raise
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"cannot load ONNX model {path}: {str(e).splitlines()[0]}") from e
    inp, out = sess.get_inputs()[0], sess.get_outputs()[0]
    channels = int(inp.shape[-1])

    def run_batch(x):
        return sess.run([out.name], {inp.name: np.ascontiguousarray(x, np.float32)})[0].astype(np.float32)

    name = os.path.basename(path)
    s, m = _probe_scale_multiple(lambda x: run_batch(x[None])[0], channels, name, scale)
    return FrameModel(Predictor(lambda x: run_batch(x[None])[0], name, s, channels, m, model=sess),
                      run_batch, "ONNX Runtime")
