"""Forward-pass time and size of every SR preset on this machine (CPU unless TF sees a GPU).

    python benchmarks/model_forward.py [--size 64] [--repeat 5] [NAME ...]

Prints a Markdown table: preset, scale, trainable parameters, ms per LR image of
size x size (median of --repeat runs after one warm-up), and the output size.
The README quotes its figures with the date and machine.
"""

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="presets (default: every SR preset)")
    parser.add_argument("--size", type=int, default=64, help="LR height and width (default 64)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import tensorflow as tf

    from keras_sr import models

    devices = [d.device_type for d in tf.config.list_logical_devices()]
    print(f"# {time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, devices {devices}, LR {args.size}x{args.size}\n")
    print("| preset | scale | parameters | ms / image | output |")
    print("|---|---|---|---|---|")
    for name in args.names or models.list():
        preset = models.get_preset(name)
        if not preset.get("scales"):
            continue  # not an SR model (e.g. a discriminator)
        scale = max(preset["scales"])
        model = models.build(name, scale=scale)
        channels = model.input_shape[-1]
        x = np.random.default_rng(0).random((1, args.size, args.size, channels), dtype="float32")
        forward = tf.function(lambda t: model(t, training=False))
        y = forward(x)  # trace + warm-up
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            forward(x).numpy()
            times.append(time.perf_counter() - start)
        params = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        print(f"| {name} | x{scale} | {params:,} | {1000 * np.median(times):.1f} | "
              f"{y.shape[1]}x{y.shape[2]} |", flush=True)


if __name__ == "__main__":
    main()
