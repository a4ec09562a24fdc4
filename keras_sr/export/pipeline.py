"""``export_model``: one model -> the requested formats, each checked, each written atomically.

Used by ``keras-sr export`` and ``export/export.py``. For every TFLite format:
convert (builtin ops only) -> run in LiteRT on real photos and compare with Keras
(fp32 must match within 1e-3 or nothing is written) -> GPU-delegate check -> write the
``.tflite`` and its metadata ``.json`` atomically. ONNX (``"onnx"``, batch/H/W free) is
run in ONNX Runtime and must match Keras within 1e-4; SavedModel is written as Keras exports it.
"""

import dataclasses
import importlib
import os

import numpy as np

import keras_sr.export.calibration as calibration
import keras_sr.export.metadata as metadata
import keras_sr.export.parity as parity
import keras_sr.export.tflite as tflite
from keras_sr.export.gpu_check import check_gpu_compatibility
from keras_sr.export.images import center_crop, image_paths, load_rgb, to_model_input
from keras_sr.export.qat_tflite import convert_qat
from keras_sr.models.qat import is_quantization_aware
from keras_sr.utils import atomic

ALL_FORMATS = ("savedmodel",) + tflite.FORMATS + ("onnx",)
# LR input size per scale for the fixed-shape export: 1280x720 output at x2, 1278x720 at
# x3 (426 = 1280/3 rounded down), 1280x720 at x4; restoration models (x1) take the 1280x720 image.
DEFAULT_INPUT_SIZES = {1: (1280, 720), 2: (640, 360), 3: (426, 240), 4: (320, 180)}
# Share of the RAM that int8 calibration may take before it runs on tiles (TFLite's
# calibrator holds the float graph's activations).
CALIBRATION_MEMORY_SHARE = 0.5


@dataclasses.dataclass
class FormatResult:
    fmt: str
    path: str
    size_bytes: int = 0
    parity: object = None      # parity.ParityResult
    gpu_report: object = None  # gpu_check.Report

    def format(self):
        lines = [f"{self.fmt}: {self.path} ({self.size_bytes / 1e6:.2f} MB)"]
        if self.parity is not None:
            lines.append("  " + self.parity.format())
        if self.gpu_report is not None:
            lines += ["  " + ln for ln in self.gpu_report.format().splitlines()]
        return "\n".join(lines)


def parse_formats(text):
    """``"savedmodel,fp32"`` -> ``("savedmodel", "fp32")`` (``"all"`` for every format)."""
    if text.strip() == "all":
        return ALL_FORMATS
    fmts = tuple(f.strip() for f in text.split(",") if f.strip())
    bad = [f for f in fmts if f not in ALL_FORMATS]
    if bad or not fmts:
        raise ValueError(f"unknown format(s) {', '.join(bad) or repr(text)}; choose from "
                         f"{', '.join(ALL_FORMATS)} (comma-separated) or all")
    return fmts


def parse_size(text, option="--input-size"):
    """``"640x360"`` -> ``(640, 360)`` (width x height of the LR input); errors name ``option``."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"{option} must be WIDTHxHEIGHT (e.g. 640x360), not {text!r}") from None
    if w < 1 or h < 1:
        raise ValueError(f"{option} must be positive, not {text!r}")
    return w, h


def deploy_form(model, name=None):
    """The model as it should be exported: re-parameterized when its architecture offers it.

    ``name`` is the preset (e.g. ``"rt4ksr-x2"``); without it the preset is guessed from
    ``model.name`` (the registry names builds ``<preset>_x<scale>``).
    """
    from keras_sr import models
    from keras_sr.models import registry

    preset = None
    if name is not None:
        preset = models.get_preset(name)
    else:
        candidates = [n for n in models.list() if model.name.startswith(n.replace("-", "_"))]
        if candidates:
            preset = models.get_preset(max(candidates, key=len))
    if preset is None:
        return model
    builder = registry._ARCHITECTURES.get(preset["arch"])
    module = importlib.import_module(builder.__module__) if builder is not None else None
    reparameterize = getattr(module, "reparameterize", None)
    if reparameterize is None:
        return model
    architecture_of = getattr(module, "architecture_of", None)
    if architecture_of is not None and architecture_of(model).get("deploy"):
        return model  # already the deploy form
    return reparameterize(model)


def float_graph(model, channel_multiple=None):
    """The graph written for the float TFLite formats (fp32, fp16): the architecture's lean
    inference form where it has one (RT4KSR deploy form: :func:`keras_sr.models.rt4ksr_lean.lean_form`,
    same outputs up to float rounding; RT4KSR x2 in LiteRT fp32 on an AVX-512 x86 CPU, 1 thread: 7 %
    less time than the deploy form, 17 % with ``channel_multiple=32``), else ``model`` itself.

    Raises ``ValueError`` when ``channel_multiple`` is given for a model without a lean form.
    """
    from keras_sr.models import rt4ksr, rt4ksr_lean

    try:
        arch = rt4ksr.architecture_of(model)
    except ValueError:
        arch = None
    if arch is None or not arch["deploy"] or arch["high_frequency"] == "gated" or rt4ksr_lean.is_lean(model):
        if channel_multiple is not None:
            raise ValueError(f"--channel-multiple applies to RT4KSR's float exports; {model.name!r} has "
                             "no lean form")
        return model
    return rt4ksr_lean.lean_form(model, channel_multiple)


def calibration_set(input_size, channels, folder=None, count=8, tile_size=None):
    """Representative LR inputs for int8: ``count`` images at ``input_size``, (1, H, W, C).

    Each image is centre-cropped at its native resolution (never upscaled: smooth,
    upscaled images would under-state the activation ranges) and padded symmetrically
    when it is smaller than ``input_size``. With ``tile_size`` = (w, h), each crop is cut
    into non-overlapping tiles of that size instead (calibration at a smaller size sees
    the same pixels).
    """
    w, h = input_size
    batch = []
    for path in image_paths(folder)[:count]:
        rgb = load_rgb(path)
        rgb = center_crop(rgb, min(w, rgb.shape[1]), min(h, rgb.shape[0]))
        x = to_model_input(rgb, channels)
        x = np.pad(x, ((0, h - x.shape[0]), (0, w - x.shape[1]), (0, 0)), mode="symmetric")
        batch.append(x[None])
    if not batch:
        raise ValueError(f"no calibration images in {folder or 'the bundled photos'}")
    if tile_size is not None and tuple(tile_size) != (w, h):
        batch = calibration.tiles(batch, tile_size)
    return batch


def choose_calibration_size(model, input_size, budget_bytes=None):
    """``input_size`` when int8 calibration at that size fits ``budget_bytes`` (default
    ``CALIBRATION_MEMORY_SHARE`` of the RAM), else a tile size that does
    (:func:`keras_sr.export.calibration.auto_calibration_size`).

    Returns ``(size, full_bytes)``: the calibration size and the estimated memory of
    calibrating at ``input_size`` (None when the RAM is unknown and nothing is estimated).
    """
    if budget_bytes is None:
        budget_bytes = CALIBRATION_MEMORY_SHARE * calibration.physical_memory_bytes()
    if not budget_bytes:
        return tuple(input_size), None
    full = calibration.calibration_memory_bytes(tflite.convert(model, "fp32", input_size))
    return calibration.auto_calibration_size(input_size, full, budget_bytes), full


def model_scale(model, channels, probe=(12, 8)):
    """The upscaling factor, from the output shape of a ``probe`` (w, h) input."""
    out = model.compute_output_shape((1, probe[1], probe[0], channels))
    if isinstance(out, list):
        raise ValueError(f"model {model.name!r} has several outputs; export one scale at a time")
    if out[1] is None or out[1] % probe[1] or out[2] // probe[0] != out[1] // probe[1]:
        raise ValueError(f"cannot tell the scale of model {model.name!r} (output {out})")
    return out[1] // probe[1]


def export_model(model, out_dir, formats=("fp32",), *, scale=None, input_size=None,
                 dynamic=False, name=None, calibration=None, calibration_count=8,
                 calibration_size=None, int8_io="float32", int8_method="selective", parity_images=2,
                 channel_multiple=None, overwrite=False, log=print):
    """Export ``model`` to ``out_dir`` in ``formats``; return ``[FormatResult]``.

    Args:
        model: single-input, single-output ``keras.Model`` (LR [0, 1] -> SR [0, 1]);
            RT4KSR (or any architecture with ``reparameterize``) is re-parameterized first.
        formats: subset of ``ALL_FORMATS``.
        scale: the model's scale (checked against the graph; inferred when None).
        input_size: ``(width, height)`` of the LR input; default per scale
            (``DEFAULT_INPUT_SIZES``).
        dynamic: also leave H and W free (CPU use, ``resize_tensor_input``); parity then
            runs at ``input_size``.
        name: the file stem (default ``model.name``) and the preset for re-parameterization.
        calibration: folder of images for int8 calibration (default: bundled photos).
        calibration_size: ``(width, height)`` at which int8 is calibrated, on tiles of the
            ``input_size`` crops (ranges are carried over to the export graph); default: the
            input size, or a smaller one when calibrating at the input size would fill
            more than ``CALIBRATION_MEMORY_SHARE`` of the RAM (see ``choose_calibration_size``).
        int8_method: ``"selective"`` (default: layer norms and the ops TensorFlow's
            quantization debugger finds too sensitive stay in float) or ``"full"``
            (:func:`keras_sr.export.tflite.convert`).
        parity_images: photos used for the parity check of each TFLite format.
        channel_multiple: RT4KSR fp32/fp16 only: round the feature channels of the lean graph's
            GELU-feeding convolutions up to this multiple (32: faster on AVX-512 x86 CPUs, extra
            work on ARM and mobile GPUs; :func:`float_graph`).
        overwrite: replace existing outputs (otherwise an existing output is an error,
            raised before any conversion).

    Raises:
        tflite.ExportError, parity.ParityError, FileExistsError, ValueError.
    """
    from keras_sr import models as _models

    preset_name = name if name in _models.list() else None
    reference = model  # parity compares the export with the model as given (training form)
    model = deploy_form(model, preset_name)
    if is_quantization_aware(model):  # full int8 with the learned ranges, nothing else
        others = [f for f in formats if f != "int8"]
        if others or channel_multiple is not None:
            raise ValueError(f"model {model.name!r} is quantization-aware: it exports as int8 only "
                             f"(full int8, learned ranges), not {', '.join(others) or '--channel-multiple'}")
        int8_method = "full"
    lean = model
    if any(f in ("fp32", "fp16") for f in formats):
        lean = float_graph(model, channel_multiple)  # an inapplicable --channel-multiple fails before any conversion
    elif channel_multiple is not None:
        raise ValueError("--channel-multiple applies to the fp32 and fp16 formats only")
    channels = model.inputs[0].shape[-1]
    found = model_scale(model, channels)
    if scale is not None and int(scale) != found:
        raise ValueError(f"model {model.name!r} upscales x{found}, not x{scale}")
    scale = found
    if input_size is None:
        if scale not in DEFAULT_INPUT_SIZES:
            raise ValueError(f"no default --input-size for scale {scale}; give one")
        input_size = DEFAULT_INPUT_SIZES[scale]
    w, h = input_size
    check_input_size(model, input_size)
    if calibration_size is not None:
        cw, ch = calibration_size
        if not (0 < cw <= w and 0 < ch <= h):
            raise ValueError(f"calibration size {cw}x{ch} must be positive and within the input size {w}x{h}")
        check_input_size(model, calibration_size, "calibration size")
    stem = (name or model.name).replace("-", "_")
    if not stem.endswith(f"_x{scale}"):
        stem += f"_x{scale}"
    shape_tag = "dynamic" if dynamic else f"{w}x{h}"
    if "onnx" in formats:
        import keras_sr.export.onnx_export as onnx_export

        onnx_export.require()  # before any conversion
    file_names = {"savedmodel": f"{stem}_savedmodel", "onnx": f"{stem}_fp32_dynamic.onnx"}
    targets = {f: os.path.join(out_dir, file_names.get(f, f"{stem}_{f}_{shape_tag}.tflite"))
               for f in formats}

    def json_path(path):
        return path + ".json" if path.endswith("_savedmodel") else os.path.splitext(path)[0] + ".json"

    for path in targets.values():  # fail before minutes of conversion
        atomic.check_writable(path, overwrite)
        atomic.check_writable(json_path(path), overwrite)
    created = not os.path.isdir(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    try:
        return _export_formats(model, reference, out_dir, formats, targets, json_path, scale, input_size,
                               dynamic, name, channels, calibration, calibration_count, calibration_size,
                               int8_io, int8_method, parity_images, lean, channel_multiple, overwrite, log)
    finally:
        if created and os.path.isdir(out_dir) and not os.listdir(out_dir):
            os.rmdir(out_dir)  # a failed export leaves nothing behind


def check_input_size(model, size, what="input size"):
    """``ValueError`` when ``size`` (w, h) is not a multiple of what ``model`` needs
    (RT4KSR pixel-unshuffles by 2: "H and W must be even (got 641x361)")."""
    from keras_sr.inference import input_multiple

    m = input_multiple(model)
    w, h = size
    if w % m or h % m:
        need = "even" if m == 2 else f"multiples of {m}"
        raise ValueError(f"{what} for {model.name}: H and W must be {need} (got {w}x{h})")


def _export_formats(model, reference, out_dir, formats, targets, json_path, scale, input_size, dynamic,
                    name, channels, calibration, calibration_count, calibration_size, int8_io,
                    int8_method, parity_images, lean, channel_multiple, overwrite, log):
    """``lean``: the graph the float formats write (:func:`float_graph` of ``model``)."""
    w, h = input_size
    if lean is not model:
        wide = f", convolutions padded to {channel_multiple} channels" if channel_multiple else ""
        log(f"fp32/fp16: writing the lean graph (layer-norm centring and scale folded into the "
            f"convolutions{wide}); parity is checked against the model as given")
    pairs = parity.lr_hr_pairs(input_size, scale, channels, count=parity_images)
    keras_reference = None
    results = []
    for fmt in formats:
        path = targets[fmt]
        if fmt == "savedmodel":
            from keras_sr.export.savedmodel import export_savedmodel

            fixed = None if dynamic else input_size
            export_savedmodel(model, path, overwrite=overwrite, input_size=fixed)
            # serve(): batch free; H x W fixed unless --dynamic
            meta = metadata.build_metadata(
                model_name=name or model.name, scale=scale, fmt="savedmodel",
                input_shape=[-1, -1 if dynamic else h, -1 if dynamic else w, channels],
                output_shape=[-1, -1 if dynamic else h * scale, -1 if dynamic else w * scale, channels],
                channels=channels, file_name=os.path.basename(path),
                extra={"signature": "serve"})
            atomic.write_text(path + ".json", metadata.dumps(meta), overwrite=overwrite)
            results.append(FormatResult(fmt, path, _dir_size(path)))
            log(results[-1].format())
            continue
        if keras_reference is None and fmt != "savedmodel":  # Keras runs once for every format
            keras_reference = parity.keras_outputs(reference, pairs)
        if fmt == "onnx":
            results.append(_export_onnx(model, reference, path, json_path(path), scale, channels, pairs,
                                        keras_reference, name or model.name, overwrite))
            log(results[-1].format())
            continue
        representative, extra = None, {}
        if fmt == "int8" and int8_method == "full" and is_quantization_aware(model):
            extra = {"calibration": "none: the quantization-aware model's learned ranges"}
        elif fmt == "int8":
            if calibration_size is None:
                calibration_size, full_bytes = choose_calibration_size(model, input_size)
                if tuple(calibration_size) != tuple(input_size):
                    log(f"int8: calibrating on {calibration_size[0]}x{calibration_size[1]} tiles (at "
                        f"{w}x{h} calibration would need about {full_bytes / 2**30:.0f} GiB)")
            representative = calibration_set(input_size, channels, calibration, calibration_count,
                                             tile_size=calibration_size)
            extra = {"calibration": {"size": list(calibration_size), "samples": len(representative),
                                     "images": calibration or "bundled photos"}}
        graph = lean if fmt in ("fp32", "fp16") else model
        if graph is not model:
            extra["graph"] = {"form": "lean", "channel_multiple": channel_multiple}
        int8_report = {}
        if representative is None and fmt == "int8":  # quantization-aware: the learned ranges
            flatbuffer = convert_qat(graph, None if dynamic else input_size, int8_io)
            int8_report = {"method": "qat", "float_nodes": []}
        else:
            flatbuffer = tflite.convert(graph, fmt, None if dynamic else input_size,
                                        representative=representative, int8_io=int8_io,
                                        int8_method=int8_method, report=int8_report)
        if int8_report:
            extra["int8"] = int8_report
            log(_int8_summary(int8_report))
        par = parity.check_parity(reference, flatbuffer, fmt, scale, pairs, reference=keras_reference)
        if not any(r.parity is not None for r in results) and par.psnr_keras < par.psnr_bicubic:
            log(f"warning: the Keras model is {par.psnr_bicubic - par.psnr_keras:.2f} dB below bicubic on the "
                f"parity photos (PSNR-Y {par.psnr_keras:.2f} vs {par.psnr_bicubic:.2f} dB): untrained or "
                "wrong weights?")
        report = check_gpu_compatibility(flatbuffer)
        report = dataclasses.replace(report, source=os.path.basename(path))
        interp = parity.interpreter(flatbuffer)
        in_d, out_d = interp.get_input_details()[0], interp.get_output_details()[0]
        in_shape = [1, -1 if dynamic else h, -1 if dynamic else w, channels]
        out_shape = [1, -1 if dynamic else h * scale, -1 if dynamic else w * scale, channels]
        meta = metadata.build_metadata(
            model_name=name or model.name, scale=scale, fmt=f"tflite-{fmt}", input_shape=in_shape,
            output_shape=out_shape, channels=channels,
            input_contract=metadata.tensor_contract(in_d), output_contract=metadata.tensor_contract(out_d),
            gpu_ready=report.ok, file_name=os.path.basename(path),
            parity={"max_abs_diff_vs_keras": par.max_abs_diff, "psnr_y_db": par.psnr_tflite,
                    "psnr_y_keras_db": par.psnr_keras, "psnr_drop_db": par.psnr_drop,
                    "psnr_y_bicubic_db": par.psnr_bicubic,
                    "images": par.images},
            extra={"gpu_issues": [str(i) for i in report.issues], **extra})
        atomic.write_bytes(path, flatbuffer, overwrite=overwrite)
        atomic.write_text(json_path(path), metadata.dumps(meta), overwrite=overwrite)
        results.append(FormatResult(fmt, path, len(flatbuffer), par, report))
        log(results[-1].format())
    return results


def _int8_summary(report):
    """One line (plus one per equalized pair and sensitive op) saying how an int8 export was
    quantized."""
    if report["method"] == "full":
        return "int8: method full (every op int8)"
    if report["method"] == "qat":
        return "int8: full int8 (every op int8) with the quantization-aware model's learned ranges, no calibration"
    sensitive = report.get("sensitive_ops", [])
    equalized = report.get("equalized", [])
    return (f"int8: method selective: {report.get('layer_norm_ops', 0)} layer-norm op(s), "
            f"{report.get('activation_ops', 0)} activation op(s) feeding them and "
            f"{len(sensitive)} op(s) the quantization debugger finds sensitive kept in float; "
            f"{len(equalized)} layer norm -> conv pair(s) range-equalized; biases of "
            f"{len(report.get('bias_corrected', []))} int8 conv(s) corrected"
            + "".join(f"\n  equalized: {p}" for p in equalized)
            + "".join(f"\n  float: {n}" for n in sensitive))


def _export_onnx(model, reference, path, meta_path, scale, channels, pairs, keras_reference, model_name,
                 overwrite):
    """ONNX: convert (batch, H, W free), compare with Keras in ONNX Runtime (nothing is written
    unless it matches within ``parity.ONNX_TOLERANCE``), write the file and its metadata."""
    import keras_sr.export.onnx_export as onnx_export

    data = onnx_export.convert(model)
    par = parity.check_onnx_parity(reference, data, scale, pairs, reference=keras_reference)
    meta = metadata.build_metadata(
        model_name=model_name, scale=scale, fmt="onnx", input_shape=[-1, -1, -1, channels],
        output_shape=[-1, -1, -1, channels], channels=channels, file_name=os.path.basename(path),
        parity={"runtime": "onnxruntime", "max_abs_diff_vs_keras": par.max_abs_diff,
                "tolerance": parity.ONNX_TOLERANCE, "psnr_y_db": par.psnr_tflite,
                "psnr_y_keras_db": par.psnr_keras, "psnr_y_bicubic_db": par.psnr_bicubic,
                "images": par.images},
        extra={"onnx": {"opset": onnx_export.OPSET, "input": onnx_export.INPUT_NAME,
                        "output": onnx_export.OUTPUT_NAME, **onnx_export.versions()}})
    atomic.write_bytes(path, data, overwrite=overwrite)
    atomic.write_text(meta_path, metadata.dumps(meta), overwrite=overwrite)
    return FormatResult("onnx", path, len(data), par)


def _dir_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)
