"""Data for SR and restoration: MATLAB-exact bicubic, degradation chains (noise, JPEG, blur),
YCbCr, benchmark PSNR/SSIM, tf.data pipelines.

    from keras_sr import data
    train = data.training_dataset("DIV2K/HR", scale=2, patch_size=48, batch_size=16, seed=0)
    model.compile(optimizer="adam", loss="mae", metrics=[data.PSNR(shave=2)])
    model.fit(train, steps_per_epoch=1000)
    for lr, hr in data.evaluation_dataset("Set5/HR", scale=2):
        sr = model(lr)[0]
        print(data.psnr_y(sr.numpy(), hr[0].numpy(), scale=2))
"""

import importlib

# public name -> submodule. Loaded on first use: the numpy parts (imresize, metrics, split,
# io, color) work without TensorFlow (a JAX-only install); tf.data pipelines import it.
_NAMES = {
    "color": ("rgb_to_y", "rgb_to_ycbcr", "ycbcr_to_rgb"),
    "degradations": ("Degradation", "degrade", "jpeg_numpy", "parse_degradation", "y_levels"),
    "imresize": ("contributions", "cubic", "matlab_imresize", "matlab_imresize_tf"),
    "io": ("IMAGE_EXTENSIONS", "ImageReadError", "list_image_files", "load_image", "read_image", "write_image"),
    "metrics": ("PSNR", "SSIM", "modcrop", "psnr", "psnr_y", "shave", "ssim", "ssim_y", "texture_ratio"),
    "pipeline": ("evaluation_dataset", "training_dataset"),
    "split": ("hold_out",),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}

__all__ = [
    "Degradation", "IMAGE_EXTENSIONS", "ImageReadError", "PSNR", "SSIM", "contributions", "cubic", "degrade",
    "evaluation_dataset", "hold_out", "jpeg_numpy", "list_image_files", "load_image", "matlab_imresize",
    "matlab_imresize_tf", "modcrop", "parse_degradation", "psnr", "psnr_y", "read_image", "rgb_to_y",
    "rgb_to_ycbcr", "shave", "ssim", "ssim_y", "texture_ratio", "training_dataset", "write_image", "y_levels",
    "ycbcr_to_rgb",
]


def __getattr__(name):
    if name in _MODULE_OF:
        return getattr(importlib.import_module(f"keras_sr.data.{_MODULE_OF[name]}"), name)
    raise AttributeError(f"module 'keras_sr.data' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_MODULE_OF))
