"""Inference: run any SR model on numpy images.

    from keras_sr import inference
    predict = inference.load_predictor("rt4ksr", scale=2)      # shipped weights; a Predictor
    sr = inference.upscale(predict, image, tile=256)            # any size, exact seams

* :mod:`~keras_sr.inference.loading`: ``load_model`` / ``load_predictor`` (presets with their
  weights through :mod:`keras_sr.presets`, ``.keras`` files, ``bicubic``, SavedModel folders);
* :mod:`~keras_sr.inference.predictor`: :class:`Predictor`, an SR function on one image;
* :mod:`~keras_sr.inference.model_info`: a model's scale(s) and input multiple;
* :mod:`~keras_sr.inference.savedmodel`: exported SavedModel folders;
* :mod:`~keras_sr.inference.upscaling`: ``upscale`` of one image of any kind;
* :mod:`~keras_sr.inference.tiling`: ``super_resolve`` in tiles with exact seams;
* :mod:`~keras_sr.inference.borders`: mirrored borders instead of zero padding;
* :mod:`~keras_sr.inference.self_ensemble`: the x8 geometric self-ensemble (EDSR+);
* :mod:`~keras_sr.inference.receptive_field`: the receptive-field radius, measured;
* :mod:`~keras_sr.inference.image_files`: image files in and out of ``keras-sr upscale``.
"""

from keras_sr.inference.borders import BORDER_MODES, DEFAULT_BORDER, border_mode
from keras_sr.inference.loading import load_model, load_predictor
from keras_sr.inference.model_info import infer_scale, input_multiple, output_scales, single_scale
from keras_sr.inference.predictor import Predictor, bicubic_predictor
from keras_sr.inference.savedmodel import is_savedmodel, savedmodel_predictor
from keras_sr.inference.tiling import super_resolve
from keras_sr.inference.upscaling import upscale
from keras_sr.presets import UntrainedModelWarning


def __getattr__(name):
    # keras_sr.presets' loaders import the architectures (Keras): on first use, not with the package
    if name in ("load_keras_file", "load_weights"):
        from keras_sr import presets

        return getattr(presets, name)
    raise AttributeError(f"module 'keras_sr.inference' has no attribute {name!r}")

__all__ = [
    "BORDER_MODES", "DEFAULT_BORDER", "Predictor", "UntrainedModelWarning", "bicubic_predictor", "border_mode",
    "infer_scale", "input_multiple", "is_savedmodel", "load_keras_file", "load_model", "load_predictor",
    "load_weights", "output_scales", "savedmodel_predictor", "single_scale", "super_resolve", "upscale"
]
