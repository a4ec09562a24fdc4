"""Training: paper recipes, losses, SRGAN, MDSR multi-scale, callbacks and runs.

    from keras_sr import training
    result = training.train("edsr-baseline", scale=2, data="DIV2K/HR", val="Set5/HR",
                            steps=300_000, out="runs/edsr_x2")
    print(training.summary_line(result, "edsr-baseline", 2))

or by hand: ``recipe = training.get_recipe("edsr-baseline", batch_size=8)``,
``model.compile(optimizer=training.make_optimizer(recipe), loss=training.pixel_loss(recipe))``.
"""

from keras_sr.training.callbacks import (BestPSNRCheckpoint, ComparisonPictures, ValidationImages,
                                         run_callbacks)
from keras_sr.training.losses import (HighFrequencyL1, PixelLoss, content_loss, pixel_loss,
                                      vgg19_content_model, vgg19_weights_path, vgg_preprocess)
from keras_sr.training.multiscale import MultiScaleTrainer
from keras_sr.training.recipes import (FAST_RECIPES, RECIPES, Recipe, get_recipe, learning_rate_schedule,
                                       list_recipes, make_optimizer, read_config, resolve_for_run)
from keras_sr.training.srgan import SRGAN, build_srgan, load_generator
from keras_sr.training.train import build_trainable, summary_line, train

__all__ = [
    "BestPSNRCheckpoint", "ComparisonPictures", "FAST_RECIPES", "HighFrequencyL1", "MultiScaleTrainer", "PixelLoss", "RECIPES",
    "Recipe", "SRGAN", "ValidationImages", "build_srgan", "build_trainable", "content_loss",
    "get_recipe", "learning_rate_schedule", "list_recipes", "load_generator", "make_optimizer", "pixel_loss",
    "read_config", "resolve_for_run", "run_callbacks", "summary_line", "train", "vgg19_content_model", "vgg19_weights_path",
    "vgg_preprocess",
]
