"""int8 methods for a preset's deploy graph: PSNR-Y drop vs Keras float, ops kept in float, latency.

    PYTHONPATH=. python benchmarks/int8_methods.py --model rt4ksr --scale 2 \\
        [--holdout runs/split/holdout] [--set5 ../shared/data/Set5/HR] [--out benchmarks/int8_methods_results.md]

Every method is calibrated as ``keras-sr export --formats int8`` calibrates (8 bundled photos,
centre crops at the export size; ``--calibration DIR --calibration-count N``: other photos) and
scored on:

* the 2 bundled photos the export's parity check uses (the README's int8 figure);
* ``--holdout``: held-out training photos (``benchmarks/holdout_split.py``), where choices are made;
* ``--set5``: Set5 (reported, never used for a choice).

Methods:

* ``full``: every op int8 (``--int8-method full``);
* ``selective-norms``: layer norms and the debugger's sensitive ops in float (the selective
  default before range equalization);
* ``selective``: today's default: layer norm -> conv pairs range-equalized
  (``keras_sr.export.int8_equalize``), layer norms and the activations feeding them in float,
  plus the debugger's sensitive ops; the int8 convs' biases corrected for the mean error of
  their int8 weights;
* ``top<k>`` (e.g. ``--methods top0,top1,top2``): ``selective`` with exactly the k convs the
  debugger ranks worst in float: the drop against the number of float convs;
* ``selective@<alpha>`` (e.g. ``selective@0.5``): ``selective`` with another equalization alpha;
* ``blocks@<alpha>`` (e.g. ``blocks@1``): ``selective`` plus range equalization of the conv ->
  ReLU -> conv residual blocks (EDSR, MDSR; ``relu(x / s) = relu(x) / s``), an experiment;
* ``qat`` (with ``--qat-model FILE``, a ``keras-sr train --qat`` checkpoint): its full-int8
  export with the learned ranges (:func:`keras_sr.export.qat_tflite.convert_qat`), scored
  against the *shipped* float model; ``qat-float``: the fine-tuned float weights (fake quant
  removed) as fp32, against the same reference (negative drop: better than the shipped float);
* ``int16x8``: int16 activations, int8 weights (TFLite's 16x8 mode; builtin ops, but the GPU
  delegate does not take int16 tensors; SPACE_TO_DEPTH / DEPTH_TO_SPACE have no 16x8 kernels and
  stay float).

Latency: LiteRT (XNNPACK), 1 thread, median of ``--repeats`` invokes, CPU flags and load stated.
"""

import argparse
import contextlib
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

METHODS = ("full", "selective-norms", "selective", "int16x8")
# ``top<k>``: the selective default, but exactly the k convs the debugger ranks worst kept in float
# (instead of those above the threshold): drop against the number of float convs.


@contextlib.contextmanager
def _without_equalization():
    """The selective method as it was before range equalization (for the comparison row)."""
    from keras_sr.export import int8_equalize, int8_selective

    saved = int8_equalize.equalize, int8_equalize.correct_bias, int8_selective.pre_norm_activation_nodes
    int8_equalize.equalize = lambda model, samples, alpha=None: (model, [])
    int8_equalize.correct_bias = lambda model, samples, skip=(): (model, [])
    int8_selective.pre_norm_activation_nodes = lambda model, graph: []
    try:
        yield
    finally:
        int8_equalize.equalize, int8_equalize.correct_bias, int8_selective.pre_norm_activation_nodes = saved


@contextlib.contextmanager
def _top_convs_float(k):
    from keras_sr.export import int8_selective

    saved = int8_selective.sensitive_nodes

    def top(converter, samples, threshold=None):
        rows = [r for r in int8_selective.layer_statistics(converter, samples, count=len(samples))
                if r["op_name"] == "CONV_2D"]
        return [r["tensor_name"] for r in sorted(rows, key=lambda r: -r["rmse/scale"])[:k]]

    int8_selective.sensitive_nodes = top
    try:
        yield
    finally:
        int8_selective.sensitive_nodes = saved


def _is_relu(layer):
    import keras

    if isinstance(layer, keras.layers.ReLU):
        return layer.max_value is None and not layer.negative_slope and not layer.threshold
    return isinstance(layer, keras.layers.Activation) and getattr(layer.activation, "__name__", "") == "relu"


def residual_block_pairs(model):
    """``[(group, index)]``: the blocks of each top-level ``ResidualGroup`` of ``model`` that are
    conv -> ReLU -> conv without batch norm (EDSR, MDSR): ``relu(x / s) = relu(x) / s`` for
    ``s > 0``, so conv1's output channels and conv2's input channels can be rescaled exactly."""
    from keras_sr.layers import ResidualGroup

    pairs = []
    for layer in model.layers:
        if isinstance(layer, ResidualGroup):
            pairs += [(layer, i) for i, b in enumerate(layer.blocks)
                      if not b.batch_norm and b.act is not None and _is_relu(b.act)]
    return pairs


def _relu_peaks(model, pairs, samples):
    """``{(group.name, i): (C,) max of the ReLU output}`` over ``samples``, run block by block."""
    import keras
    import numpy as np

    groups = {}
    for group, i in pairs:
        groups.setdefault(group.name, (group, set()))[1].add(i)
    peaks = {}
    for name, (group, wanted) in groups.items():
        into = keras.Model(model.inputs, group.input)
        for x in samples:
            y = into.predict(x, verbose=0)
            for i, block in enumerate(group.blocks):
                if i in wanted:
                    h = keras.ops.convert_to_numpy(keras.ops.max(block.act(block.conv1(y)), axis=(0, 1, 2)))
                    peaks[(name, i)] = np.maximum(peaks.get((name, i), 0.0), h)
                y = block(y)
    return peaks


def equalize_residual_blocks(model, samples, alpha=1.0):
    """A copy of ``model`` whose conv -> ReLU -> conv residual blocks are range-equalized for int8
    (the balance of ``keras_sr.export.int8_equalize.equalize``, on conv1's output / conv2's input
    channels). An experiment (``--methods blocks@ALPHA``), not in keras-sr's export: on
    EDSR-baseline x4 it moved the drop by 0.01 dB or less on the photos choices are made on.

    Returns ``(copy, names)`` (names like ``"body/block3"``)."""
    import keras
    import numpy as np

    pairs = residual_block_pairs(model)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    if not pairs:
        return copy, []
    peaks = _relu_peaks(model, pairs, samples)
    names = []
    for group, i in pairs:
        a = peaks[(group.name, i)]
        live = a > 0
        if not live.any():
            continue
        a = np.where(live, a, np.exp(np.mean(np.log(a[live]))))  # dead channels: left at the mean scale
        block = group.blocks[i]
        k1, b1 = block.conv1.get_weights()
        k2, *b2 = block.conv2.get_weights()
        w = np.maximum(np.abs(k2).max(axis=(0, 1, 3)), 1e-6)
        s = a ** alpha / w ** (1.0 - alpha)
        s = s / np.exp(np.mean(np.log(s)))
        target = copy.get_layer(group.name).blocks[i]
        target.conv1.set_weights([k1 / s[None, None, None, :], b1 / s])
        target.conv2.set_weights([k2 * s[None, None, :, None], *b2])
        names.append(f"{group.name}/block{i}")
    return copy, names


@contextlib.contextmanager
def _residual_blocks_equalized(alpha):
    """``selective`` plus :func:`equalize_residual_blocks` at ``alpha``."""
    from keras_sr.export import int8_equalize

    saved = int8_equalize.equalize

    def both(model, samples, norm_alpha=int8_equalize.EQUALIZE_ALPHA):
        model, pairs = saved(model, samples, norm_alpha)
        model, blocks = equalize_residual_blocks(model, samples, alpha)
        return model, pairs + [(b, "conv2") for b in blocks]

    int8_equalize.equalize = both
    try:
        yield
    finally:
        int8_equalize.equalize = saved


def _int16x8(model, size, samples):
    import tensorflow as tf

    from keras_sr.export import tflite

    converter = tf.lite.TFLiteConverter.from_concrete_functions([tflite.concrete_function(model, size)], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in samples)
    # SPACE_TO_DEPTH / DEPTH_TO_SPACE have no 16x8 kernels (the converter says so): they stay float
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8, tf.lite.OpsSet.TFLITE_BUILTINS]
    return converter.convert()


def convert(method, model, size, samples):
    """``(flatbuffer, report)`` of ``method`` for ``model`` at ``size`` (w, h)."""
    from keras_sr.export import tflite

    report = {}
    if method == "int16x8":
        return _int16x8(model, size, samples), {"method": method, "float_nodes": []}
    if method == "selective-norms":
        with _without_equalization():
            return tflite.convert(model, "int8", size, representative=samples, int8_method="selective",
                                  report=report), report
    if method.startswith("selective@"):  # another equalization alpha
        from keras_sr.export import int8_equalize

        saved = int8_equalize.EQUALIZE_ALPHA
        int8_equalize.EQUALIZE_ALPHA = float(method.split("@")[1])
        try:
            return tflite.convert(model, "int8", size, representative=samples, int8_method="selective",
                                  report=report), report
        finally:
            int8_equalize.EQUALIZE_ALPHA = saved
    if method.startswith("blocks@"):  # selective + residual-block equalization (experiment)
        with _residual_blocks_equalized(float(method.split("@")[1])):
            return tflite.convert(model, "int8", size, representative=samples, int8_method="selective",
                                  report=report), report
    if method.startswith("top"):
        with _top_convs_float(int(method[3:])):
            return tflite.convert(model, "int8", size, representative=samples, int8_method="selective",
                                  report=report), report
    if method == "fp32":
        return tflite.convert(model, "fp32", size), {}
    if method == "qat":
        from keras_sr.export.qat_tflite import convert_qat

        return convert_qat(QAT["model"], size), {"method": "qat", "float_nodes": []}
    if method == "qat-float":
        from keras_sr.models.qat import copy_float_weights

        return tflite.convert(copy_float_weights(QAT["model"], model.__class__.from_config(model.get_config())),
                              "fp32", size), {}
    return tflite.convert(model, "int8", size, representative=samples, int8_method=method,
                          report=report), report


QAT = {}  # "model": the --qat-model checkpoint


def latency_ms(flatbuffer, lr, repeats):
    import numpy as np

    from keras_sr.export import parity

    interp = parity.interpreter(flatbuffer, num_threads=1)
    parity.set_input(interp, lr)
    interp.invoke()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        interp.invoke()
        times.append(time.perf_counter() - t)
    return 1000 * float(np.median(times))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rt4ksr")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--input-size", default=None, help="WxH (default: the export's default for the scale)")
    p.add_argument("--holdout", default=None, help="folder of held-out training photos")
    p.add_argument("--holdout-count", type=int, default=8)
    p.add_argument("--set5", default=None, help="Set5 HR folder (reported only)")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--calibration", default=None, help="calibration folder (default: the bundled photos)")
    p.add_argument("--calibration-count", type=int, default=8)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=None, help="append the markdown table to this file")
    p.add_argument("--qat-model", default=None, help="a keras-sr train --qat checkpoint (.keras): methods qat, qat-float")
    args = p.parse_args(argv)
    if args.qat_model:
        import keras

        import keras_sr.layers  # noqa: F401
        QAT["model"] = keras.saving.load_model(args.qat_model, compile=False, safe_mode=True)

    from keras_sr import models, presets
    from keras_sr.export import check_gpu_compatibility, deploy_form, parity, parse_size
    from keras_sr.export.pipeline import DEFAULT_INPUT_SIZES, calibration_set
    from keras_sr.export.tflite_graph import read_graph
    from keras_sr.utils.machine import cpu_flags

    size = parse_size(args.input_size) if args.input_size else DEFAULT_INPUT_SIZES[args.scale]
    model = deploy_form(presets.from_preset(args.model, scale=args.scale, weights="default"), args.model)
    channels = model.inputs[0].shape[-1]
    samples = calibration_set(size, channels, args.calibration, args.calibration_count)
    sets = {"bundled (2)": parity.lr_hr_pairs(size, args.scale, channels, count=2)}
    if args.holdout:
        sets[f"held-out ({args.holdout_count})"] = parity.lr_hr_pairs(size, args.scale, channels,
                                                                     count=args.holdout_count, folder=args.holdout)
    if args.set5:
        sets["Set5 (5)"] = parity.lr_hr_pairs(size, args.scale, channels, count=5, folder=args.set5)
    references = {k: parity.keras_outputs(model, v) for k, v in sets.items()}
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows, failures = [], []
    fp32, _ = convert("fp32", model, size, samples)
    fp32_ms = latency_ms(fp32, sets["bundled (2)"][0][1], args.repeats)
    for method in args.methods.split(","):
        flatbuffer, report = convert(method, model, size, samples)
        graph = read_graph(flatbuffer)
        convs = [op for op in graph.operators if op.name == "CONV_2D"]
        float_convs = sum(1 for op in convs if op.inputs[0].dtype == "float32")
        float_ops = sum(1 for op in graph.operators if op.name not in ("QUANTIZE", "DEQUANTIZE")
                        and op.inputs and op.inputs[0] is not None and op.inputs[0].dtype == "float32")
        work_ops = sum(1 for op in graph.operators if op.name not in ("QUANTIZE", "DEQUANTIZE"))
        try:
            drops = {k: parity.check_parity(model, flatbuffer, "int8", args.scale, v,
                                            reference=references[k]).psnr_drop for k, v in sets.items()}
        except RuntimeError as exc:  # a converted file LiteRT cannot run (16x8 SQUARED_DIFFERENCE)
            reason = str(exc).splitlines()[0]
            print(f"{method}: does not run in LiteRT: {reason}", flush=True)
            failures.append(f"{method}: converts (builtin ops), but LiteRT cannot run it: {reason}")
            continue
        gpu = check_gpu_compatibility(flatbuffer)
        ms = latency_ms(flatbuffer, sets["bundled (2)"][0][1], args.repeats)
        load = os.getloadavg()[0]
        rows.append((method, drops, float_ops, float_convs, len(convs), work_ops,
                     gpu.ok, ms, load))
        print(f"{method}: drops {drops}, float ops {rows[-1][2]}, float convs {float_convs}/{len(convs)}, "
              f"gpu {'ok' if gpu.ok else 'NO'}, {ms:.0f} ms (load {load:.1f})", flush=True)
    lines = [f"## {args.model} x{args.scale}, shipped weights, {size[0]}x{size[1]} -> x{args.scale} "
             f"({started}; `python benchmarks/int8_methods.py {' '.join(argv or sys.argv[1:])}`)", "",
             f"CPU: {os.cpu_count()} cores visible, flags {cpu_flags() or 'unknown'}; 1-minute load average "
             f"at each row's timing given (the machine is shared). LiteRT 1 thread, median of {args.repeats}; "
             f"fp32: {fp32_ms:.0f} ms. PSNR-Y drop vs Keras float (dB).", "",
             "| method | " + " | ".join(f"drop, {k}" for k in sets) +
             " | ops in float (of all but QUANTIZE/DEQUANTIZE) | convs in float | GPU check | ms (1 thread) | load |",
             "|---|" + "---|" * len(sets) + "---|---|---|---|---|"]
    for method, drops, nf, fc, nc, nops, ok, ms, load in rows:
        lines.append(f"| {method} | " + " | ".join(f"{d:.2f}" for d in drops.values()) +
                     f" | {nf} of {nops} | {fc} of {nc} | {'passes' if ok else 'fails'} | {ms:.0f} | {load:.1f} |")
    lines += [""] + [f"* {f}" for f in failures]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
