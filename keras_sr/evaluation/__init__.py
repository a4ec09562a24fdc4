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

from keras_sr.evaluation.datasets import dataset_images
from keras_sr.evaluation.protocol import evaluate_degraded_image, evaluate_image
from keras_sr.evaluation.tables import evaluate, write_json

__all__ = ["dataset_images", "evaluate", "evaluate_degraded_image", "evaluate_image", "write_json"]
