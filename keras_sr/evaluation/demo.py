"""``keras-sr demo``: a short, honest EDSR-baseline run from scratch (no shipped weights used).

Trains EDSR-baseline ×2 from scratch for a few minutes on photos that scikit-image ships
(nothing is downloaded), upscales a held-out photo, writes LR / bicubic / EDSR images and
a side-by-side comparison, and reports PSNR/SSIM on Y against MATLAB bicubic. A few
hundred steps on a CPU is ~0.1 % of the paper's 10⁶ updates, so the printed figures say
where a short run stands, not what EDSR reaches.
"""

import os
import time

import numpy as np

from keras_sr.evaluation.samples import photo_path as skimage_photo

# skimage ships these in skimage/data (no download): training photos and a held-out one.
TRAIN_PHOTOS = ("chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg")
TEST_PHOTO = "astronaut.png"
DETAIL = (24, 136, 200, 200)  # (top, left, height, width) of the HR test photo: face and hair


def run_demo(out_dir, steps=800, scale=2, patch_size=24, batch_size=16, learning_rate=1e-3,
             seed=0, jit_compile=False, verbose=1):
    """Train EDSR-baseline ×``scale`` for ``steps`` and evaluate it on a held-out photo.

    Returns a dict with the figures and the written file paths.
    """
    import keras

    from keras_sr import data, models
    from keras_sr.evaluation import visualize

    keras.utils.set_random_seed(seed)
    dataset = data.training_dataset([skimage_photo(p) for p in TRAIN_PHOTOS], scale=scale,
                                    patch_size=patch_size, batch_size=batch_size, seed=seed)
    model = models.build("edsr-baseline", scale=scale)
    # EDSR's L1 and Adam; a 10x larger learning rate than the paper's 1e-4 because the run
    # is short.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mae",
                  metrics=[data.PSNR(channel="y", shave=scale)], jit_compile=jit_compile)
    start = time.perf_counter()
    epochs = max(1, steps // 100)
    from keras_sr.utils.progress import fit_verbose

    model.fit(dataset, steps_per_epoch=steps // epochs, epochs=epochs, verbose=fit_verbose(verbose),
              shuffle=False)
    train_seconds = time.perf_counter() - start

    hr = data.modcrop(data.read_image(skimage_photo(TEST_PHOTO)), scale)
    lr = data.matlab_imresize(hr, 1 / scale)
    bicubic = data.matlab_imresize(lr, scale)
    sr = model.predict(lr[None].astype("float32") / 255.0, verbose=0)[0]
    sr = np.clip(np.round(sr * 255.0), 0, 255).astype(np.uint8)

    stem = os.path.splitext(TEST_PHOTO)[0]
    os.makedirs(out_dir, exist_ok=True)
    files = {
        "lr": os.path.join(out_dir, f"{stem}_lr_x{scale}.png"),
        "bicubic": os.path.join(out_dir, f"{stem}_bicubic_x{scale}.png"),
        "sr": os.path.join(out_dir, f"{stem}_edsr_baseline_x{scale}.png"),
        "comparison": os.path.join(out_dir, f"{stem}_comparison_x{scale}.png"),
    }
    for key in ("lr", "bicubic", "sr"):
        data.write_image(files[key], {"lr": lr, "bicubic": bicubic, "sr": sr}[key])
    figures = {
        "steps": steps, "train_seconds": train_seconds,
        "psnr_sr": data.psnr_y(sr, hr, scale=scale), "ssim_sr": data.ssim_y(sr, hr, scale=scale),
        "psnr_bicubic": data.psnr_y(bicubic, hr, scale=scale),
        "ssim_bicubic": data.ssim_y(bicubic, hr, scale=scale),
    }
    visualize.write_comparison(
        files["comparison"], [bicubic, sr, hr],
        [f"bicubic {figures['psnr_bicubic']:.2f} dB", f"EDSR-baseline {figures['psnr_sr']:.2f} dB", "HR"],
        crop=DETAIL)
    return {**figures, "files": files}
