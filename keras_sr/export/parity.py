"""Run an export in the LiteRT interpreter (ONNX: ONNX Runtime) on real photos and compare it with Keras.

fp32 must match Keras within ``FP32_TOLERANCE`` (max abs, in [0, 1]; ONNX ``ONNX_TOLERANCE``); fp16 / int8
report PSNR (Y channel, ``keras_sr.data.psnr_y`` MATLAB protocol, ``scale`` pixels shaved)
against the HR photo and the drop from Keras float in dB. LR inputs are the HR photos
downscaled with ``keras_sr.data.matlab_imresize``.
"""

import dataclasses

import numpy as np

from keras_sr.data import matlab_imresize, psnr_y
from keras_sr.export.images import bicubic_downscale, center_crop, image_paths, load_rgb, to_model_input

FP32_TOLERANCE = 1e-3
# ONNX Runtime runs the float32 graph TensorFlow runs: a tighter bound than LiteRT's.
ONNX_TOLERANCE = 1e-4


class ParityError(RuntimeError):
    """An fp32 export that does not compute what the Keras model computes."""


def interpreter(model, num_threads=None):
    """``ai_edge_litert`` interpreter for a ``.tflite`` path or its bytes."""
    from ai_edge_litert.interpreter import Interpreter

    if isinstance(model, (bytes, bytearray)):
        return Interpreter(model_content=bytes(model), num_threads=num_threads)
    return Interpreter(model_path=str(model), num_threads=num_threads)


def set_input(interp, lr):
    """Allocate ``interp`` for one LR image (H, W, C) float32 [0, 1] and set it as the input.

    Resizes a dynamic-shape model's input to ``lr``'s size (``resize_tensor_input``);
    quantizes when the model's input is uint8 or int8.
    """
    inp = interp.get_input_details()[0]
    want = [1, *lr.shape]
    if list(inp["shape"]) != want:
        if any(d != -1 and d != w for d, w in zip(inp["shape_signature"], want)):
            raise ValueError(f"model input is fixed at {list(inp['shape'])}; image is {want}")
        interp.resize_tensor_input(inp["index"], want)
    interp.allocate_tensors()
    x = lr[None].astype(np.float32)
    if inp["dtype"] != np.float32:
        scale, zero = inp["quantization"]
        info = np.iinfo(inp["dtype"])
        x = np.clip(np.round(x / scale + zero), info.min, info.max).astype(inp["dtype"])
    interp.set_tensor(inp["index"], x)


def run_tflite(interp, lr):
    """SR image (H·s, W·s, C) float32 in [0, 1] scale for one LR image (H, W, C) float32 [0, 1].

    Input handling as :func:`set_input`; dequantizes a uint8 or int8 output.
    """
    set_input(interp, lr)
    interp.invoke()
    out = interp.get_output_details()[0]
    y = interp.get_tensor(out["index"])[0]
    if out["dtype"] != np.float32:
        scale, zero = out["quantization"]
        y = (y.astype(np.float32) - zero) * scale
    return y.astype(np.float32)


def lr_hr_pairs(input_size, scale, channels, count=2, folder=None):
    """``[(name, lr, hr)]`` from real photos at their native resolution.

    HR is a centre crop of the photo, at most ``input_size`` x ``scale`` (photos are never
    upscaled: that would make HR smooth and PSNR meaningless); LR is its MATLAB bicubic
    downscale, padded symmetrically to ``input_size`` when the photo is smaller. The SR
    output's top-left ``hr``-sized corner is what is scored.

    ``lr`` is (H, W, C), ``hr`` (h·s, w·s, C) with h <= H, w <= W, float32 in [0, 1];
    C = 1 gives luma Y.
    """
    w, h = input_size
    pairs = []
    for path in image_paths(folder)[:count]:
        photo = load_rgb(path)
        hr_h = min(h, photo.shape[0] // scale) * scale
        hr_w = min(w, photo.shape[1] // scale) * scale
        hr_rgb = center_crop(photo, hr_w, hr_h)
        lr = to_model_input(bicubic_downscale(hr_rgb, scale), channels)
        pad = ((0, h - lr.shape[0]), (0, w - lr.shape[1]), (0, 0))
        pairs.append((path, np.pad(lr, pad, mode="symmetric"), to_model_input(hr_rgb, channels)))
    return pairs


@dataclasses.dataclass
class ParityResult:
    fmt: str
    max_abs_diff: float      # max |tflite - keras| over every image, in [0, 1] units
    psnr_keras: float        # mean PSNR (Y) of Keras float vs HR, dB
    psnr_tflite: float       # mean PSNR (Y) of the export vs HR, dB
    images: int
    psnr_bicubic: float = float("nan")  # mean PSNR (Y) of bicubic upscaling of the same LR, dB
    runtime: str = "tflite"  # what ran the export: "tflite" (LiteRT) or "onnxruntime"

    @property
    def psnr_drop(self):
        return self.psnr_keras - self.psnr_tflite

    def format(self):
        return (f"{self.fmt}: max |{self.runtime} - keras| = {self.max_abs_diff:.2e}, PSNR-Y vs HR "
                f"{self.psnr_tflite:.2f} dB (Keras {self.psnr_keras:.2f} dB, drop "
                f"{self.psnr_drop:+.2f} dB; bicubic {self.psnr_bicubic:.2f} dB) on {self.images} photo(s)")


def keras_outputs(model, pairs):
    """``model``'s float32 SR output for each LR of ``pairs`` (computed once, shared by formats)."""
    return [np.asarray(model.predict(lr[None], verbose=0)[0], np.float32) for _, lr, _ in pairs]


def check_parity(model, tflite_model, fmt, scale, pairs, tolerance=None, reference=None):
    """Compare ``tflite_model`` (bytes or path) with ``model`` on ``pairs`` from :func:`lr_hr_pairs`.

    ``reference``: ``keras_outputs(model, pairs)`` when already computed (``model`` is then
    not run).

    Raises:
        ParityError: ``fmt == "fp32"`` (or ``tolerance`` given) and the max abs difference
            exceeds the tolerance.
    """
    interp = interpreter(tflite_model)
    limit = tolerance if tolerance is not None else (FP32_TOLERANCE if fmt == "fp32" else None)
    return compare(model, lambda lr: run_tflite(interp, lr), fmt, scale, pairs, limit, reference)


def check_onnx_parity(model, onnx_model, scale, pairs, tolerance=ONNX_TOLERANCE, reference=None):
    """Compare ONNX bytes (or a path), run in ONNX Runtime, with ``model``: as :func:`check_parity`
    with the fp32 rule at ``tolerance`` (default ``ONNX_TOLERANCE``)."""
    import keras_sr.export.onnx_export as onnx_export

    sess = onnx_export.session(onnx_model)
    return compare(model, lambda lr: onnx_export.run_onnx(sess, lr), "onnx", scale, pairs, tolerance,
                   reference, runtime="onnxruntime")


def compare(model, run, fmt, scale, pairs, limit=None, reference=None, runtime="tflite"):
    """Run ``run(lr) -> sr`` on ``pairs`` and compare with ``model`` (or ``reference``);
    raise :class:`ParityError` when the max abs difference exceeds ``limit`` (None: report only)."""
    worst, ps_k, ps_t, ps_b = 0.0, [], [], []
    if reference is None:
        reference = keras_outputs(model, pairs)
    for (_, lr, hr), ref in zip(pairs, reference):
        got = run(lr)
        if got.shape != ref.shape:
            raise ParityError(f"{fmt} export gives shape {got.shape}, Keras {ref.shape}")
        worst = max(worst, float(np.max(np.abs(got - ref))))
        h, w = hr.shape[:2]
        ps_k.append(psnr_y(ref[:h, :w], hr, scale))
        ps_t.append(psnr_y(got[:h, :w], hr, scale))
        bicubic = matlab_imresize(lr[:h // scale, :w // scale], scale)
        ps_b.append(psnr_y(bicubic, hr, scale))
    result = ParityResult(fmt, worst, float(np.mean(ps_k)), float(np.mean(ps_t)), len(pairs),
                          float(np.mean(ps_b)), runtime)
    if limit is not None and not worst <= limit:
        raise ParityError(f"{fmt} export differs from Keras by {worst:.2e} (max abs, [0, 1] range) "
                          f"> {limit:.0e}; not kept")
    return result
