"""Where a LiteRT graph spends its time, layer by layer: prefix-graph profile.

    python benchmarks/profile_tflite.py --model rt4ksr --scale 2 --input-size 640x360
    python benchmarks/profile_tflite.py --model rt4ksr --channel-multiple 32   # the x86-tuned lean graph

LiteRT's Python interpreter has no per-op profiler, so this converts the prefix of the
deploy graph that ends at each top-level layer (``keras.Model(inputs, layer.output)``, fp32,
fixed shape, the same converter as ``keras-sr export``), times every prefix interleaved in
rotated order, and reports each layer's cost as the difference between consecutive
prefixes (fastest of the repeats: on a shared machine the minimum is what survives load
spikes), with the TFLite ops it became, and the totals per kind of layer. Layers that are nested
(EDSR's ``ResidualGroup``) count as one. CPU flags and load are printed.
"""

import argparse
import datetime
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rt4ksr")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--input-size", default="640x360", metavar="WxH")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--graph", choices=("exported", "plain"), default="exported",
                   help="exported: the float graph keras-sr export writes (RT4KSR: the lean form); "
                        "plain: the deploy form converted as it is")
    p.add_argument("--channel-multiple", type=int, metavar="N", help="as keras-sr export --channel-multiple")
    args = p.parse_args()

    import keras
    from ai_edge_litert.interpreter import Interpreter

    import side_by_side
    from keras_sr import models, presets
    from keras_sr.export import deploy_form, float_graph, parse_size, tflite
    from keras_sr.export.tflite_graph import op_histogram, read_graph

    w, h = parse_size(args.input_size)
    model = deploy_form(presets.from_preset(args.model, scale=args.scale, weights="default"), args.model)
    if args.graph == "exported":
        model = float_graph(model, args.channel_multiple)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    x = np.random.default_rng(0).random((1, h, w, 3), dtype=np.float32)
    prefixes = []
    for layer in layers:
        sub = keras.Model(model.inputs, layer.output)
        flatbuffer = tflite.convert(sub, "fp32", (w, h))
        interp = Interpreter(model_content=flatbuffer, num_threads=args.threads)
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        prefixes.append((layer.name, op_histogram(read_graph(flatbuffer)), interp))
    times = {name: [] for name, _, _ in prefixes}
    load = os.getloadavg()[0]
    for rep in range(args.repeats):
        k = rep % len(prefixes)
        for name, _, interp in prefixes[k:] + prefixes[:k]:
            t = time.perf_counter()
            interp.invoke()
            times[name].append(time.perf_counter() - t)
    print(f"profile_tflite.py, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; "
          f"{side_by_side.cpu_description()}; load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    graph = args.graph + (f", channel multiple {args.channel_multiple}" if args.channel_multiple else "")
    print(f"{args.model} x{args.scale} {w}x{h} ({graph} graph), LiteRT fp32, {args.threads} thread(s), "
          f"fastest of {args.repeats} interleaved repeats")
    print("| layer | new TFLite ops | ms | share |")
    print("|---|---|---|---|")
    total = float(np.min(times[prefixes[-1][0]])) * 1e3
    previous, previous_ops = 0.0, {}
    kinds = {}
    for name, ops, _ in prefixes:
        now = float(np.min(times[name])) * 1e3
        kind = type(model.get_layer(name)).__name__
        kinds[kind] = kinds.get(kind, 0.0) + now - previous
        new = {op: n - previous_ops.get(op, 0) for op, n in ops.items() if n > previous_ops.get(op, 0)}
        print(f"| {name} | {', '.join(f'{op} x{n}' for op, n in new.items()) or '-'} | "
              f"{now - previous:.1f} | {100 * (now - previous) / total:.0f} % |")
        previous, previous_ops = now, ops
    print(f"| total | | {total:.1f} | 100 % |")
    print("\n| kind of layer | ms | share |\n|---|---|---|")
    for kind, ms in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"| {kind} | {ms:.1f} | {100 * ms / total:.0f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
