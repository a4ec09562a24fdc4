"""Evaluation: benchmark PSNR / SSIM tables, their baselines, and the pictures people judge SR by.

    from keras_sr.evaluation import evaluate
    result = evaluate("bicubic", ["Set5", "Set14"], scale=4)
    result["datasets"][0]["psnr"]     # 28.43 on Set5 (EDSR paper: 28.42)

* :mod:`~keras_sr.evaluation.tables`: ``evaluate`` on folders of HR images, ``write_json``;
* :mod:`~keras_sr.evaluation.protocol`: the benchmark protocol on one image (bicubic LR or a
  degradation chain, Y channel, shave);
* :mod:`~keras_sr.evaluation.datasets`: benchmark folders on disk;
* :mod:`~keras_sr.evaluation.baselines`: BM3D, the denoising baseline of the same run;
* :mod:`~keras_sr.evaluation.visualize`: bicubic | model | HR crops with PSNR captions;
* :mod:`~keras_sr.evaluation.samples`: colour photos scikit-image ships (no download);
* :mod:`~keras_sr.evaluation.demo`: ``keras-sr demo``, a short honest training run and its figures.
"""

import importlib

# public name -> submodule, loaded on first use (the command line lists sample photos and checks
# its arguments before Keras and TensorFlow load).
_FUNCTIONS = {"dataset_images": "datasets", "evaluate_degraded_image": "protocol", "evaluate_image": "protocol",
              "evaluate": "tables", "format_table": "tables", "write_json": "tables"}

__all__ = ["dataset_images", "evaluate", "evaluate_degraded_image", "evaluate_image", "format_table", "write_json"]


def __getattr__(name):
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(f"keras_sr.evaluation.{_FUNCTIONS[name]}"), name)
    raise AttributeError(f"module 'keras_sr.evaluation' has no attribute {name!r}")
