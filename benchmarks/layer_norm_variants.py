"""What RT4KSR's layer norms cost in LiteRT fp32, and whether other spellings are cheaper.

    python benchmarks/layer_norm_variants.py --threads 1 --repeats 5

Converts the shipped RT4KSR x2 deploy graph at 640x360 with ``ChannelLayerNorm.call`` swapped
for each variant, times them interleaved (median of ``--repeats``), and prints each one's op
histogram, time and max difference from the graph as exported:

* ``as exported``: mean, centre, variance, rsqrt, scale, shift (45 elementwise ops in all);
* ``1x1 conv stats``: channel mean and variance as 1x1 convolutions (the ε folds into a bias);
* ``1x1 conv centring``: ``x - mean`` as one 1x1 convolution by ``I - 1/C``;
* ``no layer norm``: the norms removed: wrong outputs, the lower bound of what any spelling costs.
"""

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def conv_stats(self, inputs):
    from keras import ops

    x = ops.cast(inputs, self.compute_dtype)
    c = x.shape[-1]
    mean_kernel = np.full((1, 1, c, 1), 1.0 / c, "float32")
    centered = x - ops.conv(x, mean_kernel, padding="same")
    return self.normalize(centered, ops.conv(ops.square(centered), mean_kernel, padding="same"))


def conv_centring(self, inputs):
    from keras import ops

    x = ops.cast(inputs, self.compute_dtype)
    c = x.shape[-1]
    centered = ops.conv(x, (np.eye(c, dtype="float32") - 1.0 / c)[None, None], padding="same")
    variance = ops.conv(ops.square(centered), np.full((1, 1, c, c), 1.0 / c, "float32"), padding="same")
    return self.normalize(centered, variance)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()

    from ai_edge_litert.interpreter import Interpreter

    import side_by_side
    from keras_sr import models, presets
    from keras_sr.export import tflite
    from keras_sr.export.tflite_graph import op_histogram, read_graph
    from keras_sr.layers.layer_norm import ChannelLayerNorm

    original = ChannelLayerNorm.call
    variants = {"as exported": original, "1x1 conv stats": conv_stats, "1x1 conv centring": conv_centring,
                "no layer norm": lambda self, inputs: inputs}
    x = np.random.default_rng(0).random((1, 360, 640, 3), dtype=np.float32)
    runs = {}
    try:
        for name, call in variants.items():
            ChannelLayerNorm.call = call
            flatbuffer = tflite.convert(presets.from_preset("rt4ksr", scale=2, weights="default"), "fp32", (640, 360))
            interp = Interpreter(model_content=flatbuffer, num_threads=args.threads)
            interp.allocate_tensors()
            interp.set_tensor(interp.get_input_details()[0]["index"], x)
            interp.invoke()
            runs[name] = (interp, op_histogram(read_graph(flatbuffer)), [])
    finally:
        ChannelLayerNorm.call = original
    load = os.getloadavg()[0]
    names = list(runs)
    for rep in range(args.repeats):
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            t = time.perf_counter()
            runs[name][0].invoke()
            runs[name][2].append(time.perf_counter() - t)
    print(f"layer_norm_variants.py; {side_by_side.cpu_description()}; load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    print(f"RT4KSR x2 deploy, shipped weights, 640x360, LiteRT fp32, {args.threads} thread(s), "
          f"median of {args.repeats}")
    print("| variant | ms | max diff vs as exported | ops |\n|---|---|---|---|")

    def output(interp):
        return interp.get_tensor(interp.get_output_details()[0]["index"])
    reference = output(runs["as exported"][0])
    for name, (interp, ops, times) in runs.items():
        diff = float(np.abs(output(interp) - reference).max())
        print(f"| {name} | {1e3 * np.median(times):.0f} | {diff:.1e} | "
              f"{', '.join(f'{k} x{v}' for k, v in ops.items())} |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
