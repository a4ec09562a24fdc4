"""Measure the peak memory per LR pixel of each preset family (the table in
keras_sr/inference/memory.py and docs/robustness.md).

For each model, two fresh processes run one whole-image prediction at two sizes after a
small warm-up; the slope of the peak RSS (``ru_maxrss``) between them is the memory one more
LR pixel costs, free of TensorFlow's and the weights' fixed share. Also printed: the graph
proxy of :func:`keras_sr.inference.memory.graph_bytes_per_pixel` and the ratio.

    nice -n 10 python benchmarks/memory_factors.py            # ~5 min on 2 cores
"""

import json
import os
import subprocess
import sys

MODELS = [("edsr-baseline", 4), ("edsr-baseline", 2), ("edsr", 4), ("mdsr-baseline", 4), ("rt4ksr", 4),
          ("srcnn", 3), ("rednet10-denoise", 1), ("srdensenet-all", 4), ("srresnet", 4)]

CHILD = r"""
import json, resource, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
from keras_sr.inference import load_predictor
from keras_sr.inference.memory import graph_bytes_per_pixel
name, scale, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
predict = load_predictor(name, scale=scale, weights="none")
predict(np.zeros((16, 16, predict.channels), np.float32))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
predict(np.random.default_rng(0).random((size, size, predict.channels), dtype=np.float32))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"before": before, "after": after, "graph": graph_bytes_per_pixel(predict.model)}))
"""


def peak(name, scale, size):
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(scale), str(size)], capture_output=True,
                         text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    sizes = (96, 192) if "--quick" not in sys.argv else (48, 96)
    for name, scale in MODELS:
        small, big = (peak(name, scale, s) for s in sizes)
        slope = (big["after"] - small["after"]) / (sizes[1] ** 2 - sizes[0] ** 2)
        print(json.dumps({"model": name, "scale": scale, "bytes_per_lr_pixel": round(slope),
                          "graph_proxy": round(big["graph"]), "ratio": round(slope / big["graph"], 2),
                          "fixed_rss_mb": round(small["before"] / 2**20)}), flush=True)


if __name__ == "__main__":
    main()
