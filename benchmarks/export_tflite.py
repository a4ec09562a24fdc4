#!/usr/bin/env python3
"""Benchmark TFLite exports of the zoo: file size and LiteRT CPU latency next to Keras.

For each SR preset and each (LR size, scale) it supports: multiply-accumulates
(``keras_sr.utils.count_macs``), Keras ``predict`` latency, and for fp32 / fp16 / int8 the
``.tflite`` size and LiteRT CPU latency with 1 and 2 threads (XNNPACK, best of
``--repeat`` runs after one warm-up). Prints a Markdown table. Not a test: full-size models
on a CPU take minutes (EDSR x2 at 640x360 needs ~9.4 TMACs per frame).

    python benchmarks/export_tflite.py --models edsr-baseline,srcnn --repeat 5
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

DEFAULT_CASES = "320x180:4,640x360:2"


def _best_ms(fn, repeat, warmup=True):
    """Best of ``repeat`` timed runs in ms, after one warm-up run when ``warmup``: on a
    shared machine the fastest run is the one least disturbed by other processes."""
    if warmup:
        fn()  # allocation, XNNPACK weight packing, tf.function tracing
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * min(times)


def bench_model(name, size, scale, formats, threads, repeat, keras_repeat, overrides, warmup=True,
                calibration_count=4, calibration_size=None):
    from keras_sr import models
    from keras_sr.export import convert, deploy_form, parity
    from keras_sr.export.pipeline import calibration_set
    from keras_sr.utils import count_macs

    model = models.build(name, scale=scale, **overrides)
    channels = model.inputs[0].shape[-1]
    w, h = size
    row = {"model": name, "scale": scale, "size": f"{w}x{h}",
           "params": int(sum(np.prod(v.shape) for v in model.weights))}
    deploy = deploy_form(model, name)
    row["gmacs"] = count_macs(deploy, (h, w, channels)) / 1e9
    x = np.random.default_rng(0).random((1, h, w, channels), dtype=np.float32)
    row["keras_ms"] = _best_ms(lambda: model.predict(x, verbose=0), keras_repeat, warmup)
    print(f"  {name} x{scale} {w}x{h}: {row['gmacs']:.1f} GMACs, Keras predict {row['keras_ms']:.0f} ms", flush=True)
    for fmt in formats:
        rep = None
        if fmt == "int8":
            # TFLite's calibrator keeps every activation alive: deep models at full size
            # calibrate on tiles (ranges carried over to the full-size graph, still fixed shape)
            rep = calibration_set(size, channels, count=calibration_count, tile_size=calibration_size)
        flatbuffer = convert(deploy, fmt, (w, h), representative=rep)
        row[f"{fmt}_mb"] = len(flatbuffer) / 1e6
        for n in threads:
            interp = parity.interpreter(flatbuffer, num_threads=n)
            # allocate and set the input, so that invoke() alone is timed
            if warmup:
                parity.run_tflite(interp, x[0])  # its invoke() is the warm-up
            else:
                parity.set_input(interp, x[0])
            row[f"{fmt}_{n}t_ms"] = _best_ms(interp.invoke, repeat, warmup=False)
        print(f"  {name} x{scale} {w}x{h} {fmt}: {row[f'{fmt}_mb']:.2f} MB, "
              + ", ".join(f"{n} thr {row[f'{fmt}_{n}t_ms']:.1f} ms" for n in threads), flush=True)
    return row


def markdown(rows, formats, threads):
    head = ["Model", "Scale", "LR size", "Params", "GMACs", "Keras predict (ms)"]
    for fmt in formats:
        head += [f"{fmt} MB"] + [f"{fmt} {n} thr (ms)" for n in threads]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [f"`{r['model']}`", f"x{r['scale']}", r["size"], f"{r['params'] / 1e6:.2f}M",
                 f"{r['gmacs']:.1f}", f"{r['keras_ms']:.0f}"]
        for fmt in formats:
            cells += [f"{r[f'{fmt}_mb']:.2f}"] + [f"{r[f'{fmt}_{n}t_ms']:.0f}" for n in threads]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    from keras_sr import models
    from keras_sr.export import parse_size

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", help="comma-separated presets (default: every SR preset)")
    p.add_argument("--cases", default=DEFAULT_CASES, help=f"LRSIZE:SCALE list (default {DEFAULT_CASES})")
    p.add_argument("--formats", default="fp32,fp16,int8")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--repeat", type=int, default=5, help="timed LiteRT runs per cell (best of)")
    p.add_argument("--keras-repeat", type=int, default=3, help="timed Keras predict runs (best of)")
    p.add_argument("--no-warmup", action="store_true",
                   help="time the first run (one-time setup included): for models whose runs take "
                        "minutes, where a warm-up would double the time and the setup is negligible")
    p.add_argument("--calibration-count", type=int, default=4,
                   help="int8 calibration images (latency does not depend on them)")
    p.add_argument("--int8-calibration-size", metavar="WxH",
                   help="int8: calibrate on tiles of this LR size and carry the ranges over to the fixed-shape "
                        "graph of the case (deep models whose full-size calibration exceeds the memory)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="builder override for every model (e.g. a smaller config for a quick run)")
    args = p.parse_args(argv)

    from keras_sr.cli.options import parse_key_values

    names = args.models.split(",") if args.models else [
        n for n in models.list() if models.get_preset(n)["scales"]]
    formats = [f for f in args.formats.split(",") if f]
    threads = [int(t) for t in args.threads.split(",")]
    cases = []
    for item in args.cases.split(","):
        size, _, scale = item.partition(":")
        cases.append((parse_size(size), int(scale)))
    overrides = parse_key_values(args.set)
    calibration_size = parse_size(args.int8_calibration_size) if args.int8_calibration_size else None
    rows = []
    with tempfile.TemporaryDirectory():
        for name in names:
            for size, scale in cases:
                if scale not in models.supported_scales(name):
                    continue
                print(f"{name} x{scale} at {size[0]}x{size[1]} ...", flush=True)
                rows.append(bench_model(name, size, scale, formats, threads, args.repeat,
                                        args.keras_repeat, overrides, warmup=not args.no_warmup,
                                        calibration_count=args.calibration_count,
                                        calibration_size=calibration_size))
                print(markdown(rows[-1:], formats, threads).splitlines()[-1], flush=True)  # kept if cut short
    print()
    warm = "first run timed, no warm-up" if args.no_warmup else "after one warm-up"
    if calibration_size:
        warm += f"; int8 calibrated on {args.int8_calibration_size} tiles"
    print(f"CPU: {os.cpu_count()} cores; LiteRT XNNPACK; best of {args.repeat} runs "
          f"(Keras: {args.keras_repeat}), {warm}; fixed-shape exports, batch 1.")
    print(markdown(rows, formats, threads))


if __name__ == "__main__":
    main()
