"""Per-op int8 error of a preset's deploy graph (TensorFlow's QuantizationDebugger): which ops
do not fit int8, the evidence behind keras-sr's selective int8.

    python benchmarks/int8_layer_error.py --model rt4ksr --scale 2

Range-equalizes the layer norm -> conv pairs as selective int8 does (``--no-equalize``: the
graph as built), calibrates on tiles of the bundled photos (as ``keras-sr export`` does), then
quantizes each op alone (float inputs) and prints its RMS error in units of its output scale
(plain rounding: 0.29) and its max abs error; ops above
``keras_sr.export.int8_selective.SENSITIVITY_THRESHOLD`` are marked: selective int8 keeps them
in float.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rt4ksr")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--tile", default="160x96", metavar="WxH", help="calibration tile size")
    p.add_argument("--images", type=int, default=8)
    p.add_argument("--no-equalize", action="store_true", help="rank the graph without range equalization")
    args = p.parse_args()

    import tensorflow as tf

    from keras_sr import models, presets
    from keras_sr.export import deploy_form, int8_equalize, int8_selective, parse_size, tflite
    from keras_sr.export.pipeline import calibration_set

    size = parse_size(args.tile, "--tile")
    model = deploy_form(presets.from_preset(args.model, scale=args.scale, weights="default"), args.model)
    samples = calibration_set(size, model.inputs[0].shape[-1], None, args.images)
    if not args.no_equalize:
        model, _ = int8_equalize.equalize(model, samples)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([tflite.concrete_function(model, size)], model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in samples)
    rows = int8_selective.layer_statistics(converter, samples)
    print(f"{args.model} x{args.scale}, shipped weights, {len(samples)} calibration images at {size[0]}x{size[1]}, "
          f"{'not ' if args.no_equalize else ''}range-equalized")
    print("| op | output tensor | RMS error / scale | max abs error |")
    print("|---|---|---|---|")
    for row in rows:
        flag = " **float**" if row["rmse/scale"] > int8_selective.SENSITIVITY_THRESHOLD else ""
        name = row["tensor_name"].split(";")[0]
        print(f"| {row['op_name']} | {name} | {row['rmse/scale']:.2f}{flag} | {float(row['max_abs_error']):.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
