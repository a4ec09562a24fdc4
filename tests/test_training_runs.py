"""train() run folders: contents, whole-image validation, refusal to overwrite, exact resume,
TerminateOnNaN; and the `keras-sr train` CLI."""

import csv
import json

import keras
import numpy as np
import pytest
from PIL import Image

from keras_sr import data, training
from keras_sr.cli import main
from keras_sr.data import psnr_y

TINY = {"model_overrides": {"num_blocks": 1, "filters": 8}, "batch_size": 2, "patch_size": 8}


@pytest.fixture
def folders(tmp_path):
    from skimage import data as skdata

    hr, val = tmp_path / "hr", tmp_path / "val"
    hr.mkdir()
    val.mkdir()
    data.write_image(str(hr / "a.png"), skdata.astronaut()[150:214, 150:214])
    data.write_image(str(hr / "b.png"), skdata.coffee()[100:164, 200:264])
    data.write_image(str(val / "c.png"), skdata.chelsea()[60:108, 100:160])
    return hr, val


def weights_of(path):
    return [w.numpy() for w in keras.models.load_model(path).weights]


def test_run_folder_and_validation(folders, tmp_path):
    hr, val = folders
    run = tmp_path / "run"
    result = training.train("edsr-baseline", 2, str(hr), str(val), epochs=2, steps_per_epoch=2, out=run,
                            verbose=0, **TINY)
    config = json.loads((run / "config.json").read_text())
    assert (config["model"], config["scale"], config["recipe"]["batch_size"]) == ("edsr-baseline", 2, 2)
    for name in ("checkpoints/best.keras", "checkpoints/final.keras", "logs/history.csv",
                 "backup/epoch-000002.weights.h5", "pictures/epoch0001_c.png", "pictures/epoch0002_c.png"):
        assert (run / name).is_file(), name
    if training.callbacks.tensorboard_available():
        assert list((run / "logs" / "train").glob("events.out.tfevents.*"))
    rows = list(csv.DictReader(open(run / "logs" / "history.csv")))
    assert len(rows) == 2 and "val_psnr" in rows[0]
    # val_psnr is the benchmark protocol on the whole image: recompute it independently.
    final = keras.models.load_model(run / "checkpoints" / "final.keras")
    hr_img = data.modcrop(data.read_image(str(val / "c.png")), 2)
    lr_img = data.matlab_imresize(hr_img, 0.5).astype("float32") / 255.0
    sr = np.clip(final.predict(lr_img[None], verbose=0)[0], 0, 1)
    assert np.isclose(result["val_psnr"], data.psnr_y(sr, hr_img, scale=2), atol=1e-4)
    assert np.isclose(float(rows[-1]["val_psnr"]), result["val_psnr"], atol=1e-4)
    assert np.isclose(result["bicubic_psnr"], data.psnr_y(data.matlab_imresize(
        data.matlab_imresize(hr_img, 0.5), 2), hr_img, scale=2), atol=0.05)
    best_epoch = int(np.argmax([float(r["val_psnr"]) for r in rows]))
    assert np.isclose(result["best_val_psnr"], float(rows[best_epoch]["val_psnr"]))
    best = keras.models.load_model(run / "checkpoints" / "best.keras")
    assert np.isclose(psnr_y(best.predict(lr_img[None], verbose=0)[0], hr_img / 255.0, 2),
                      result["best_val_psnr"], atol=1e-4)
    assert "vs bicubic" in training.summary_line(result, "edsr-baseline", 2)
    with pytest.raises(FileExistsError, match="already exists"):
        training.train("edsr-baseline", 2, str(hr), epochs=1, out=run, verbose=0, **TINY)


class Crash(keras.callbacks.Callback):
    """Kills the run at the start of an epoch (a stand-in for a killed process)."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("killed")


def test_resume_ends_with_the_same_weights(folders, tmp_path):
    hr, _ = folders
    args = dict(epochs=4, steps_per_epoch=2, verbose=0, pictures=0, tensorboard=False, seed=3, **TINY)
    whole = training.train("edsr-baseline", 2, str(hr), out=tmp_path / "whole", **args)
    with pytest.raises(RuntimeError, match="killed"):
        training.train("edsr-baseline", 2, str(hr), out=tmp_path / "cut", callbacks=[Crash(2)], **args)
    assert training.callbacks.backup_epoch(tmp_path / "cut") == 2
    with pytest.raises(ValueError, match="cannot change batch_size"):
        training.train("edsr-baseline", 2, str(hr), out=tmp_path / "cut", resume=True, batch_size=4, verbose=0)
    resumed = training.train("edsr-baseline", 2, str(hr), out=tmp_path / "cut", resume=True, verbose=0,
                             pictures=0, tensorboard=False)
    assert len(resumed["history"]["loss"]) == 2  # epochs 3 and 4 only
    np.testing.assert_allclose(resumed["history"]["loss"], whole["history"]["loss"][2:], rtol=1e-6)
    for a, b in zip(weights_of(whole["final_model"]), weights_of(resumed["final_model"])):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_terminate_on_nan(folders, tmp_path):
    hr, _ = folders
    result = training.train("edsr-baseline", 2, str(hr), epochs=3, steps_per_epoch=2, out=tmp_path / "nan",
                            verbose=0, pictures=0, tensorboard=False, learning_rate=1e30, **TINY)
    losses = result["history"]["loss"]
    assert len(losses) < 3 and np.isnan(losses[-1]), losses  # stopped at the first NaN batch


def test_cli_train_and_refusal(folders, tmp_path, capsys):
    hr, val = folders
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"model_overrides": {"num_blocks": 1, "filters": 8}}))
    run = tmp_path / "cli_run"
    argv = ["train", "--model", "edsr-baseline", "--scale", "2", "--data", str(hr), "--val", str(val),
            "--steps", "2", "--steps-per-epoch", "1", "--config", str(config), "--out", str(run),
            "--batch-size", "2", "--patch-size", "8", "--set", "loss=mse", "--set", "gamma=0.25", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "validation PSNR" in out and "vs bicubic" in out
    recipe = json.loads((run / "config.json").read_text())["recipe"]
    assert (recipe["patch_size"], recipe["loss"], recipe["gamma"], recipe["model_overrides"]) == (
        8, "mse", 0.25, {"num_blocks": 1, "filters": 8})
    assert (run / "checkpoints" / "final.keras").is_file()
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    resume = ["train", "--model", "edsr-baseline", "--scale", "2", "--data", str(hr), "--steps", "2",
              "--out", str(run), "--resume", "--quiet"]
    assert main(resume) == 0  # the run is complete: nothing left to train, same final line
    assert "vs bicubic" in capsys.readouterr().out


def test_gan_multiscale_and_mixed_precision_runs(folders, tmp_path):
    from keras_sr.training import losses

    hr, val = folders
    args = dict(epochs=1, steps_per_epoch=2, verbose=0, pictures=1, tensorboard=False, **TINY)
    # XLA + mixed_float16: the policy is set for the run only and restored after it.
    result = training.train("edsr-baseline", 2, str(hr), str(val), out=tmp_path / "mp", mixed_precision=True,
                            jit_compile=True, **args)
    assert keras.mixed_precision.global_policy().name == "float32"
    assert np.isfinite(result["history"]["loss"][0]) and result["steps"] == 2
    # SRGAN: validation and checkpoints use the generator (a random small VGG stand-in, test only).
    result = training.train("srgan", 2, str(hr), str(val), out=tmp_path / "gan",
                            content_model=losses.vgg19_content_model(None, "block1_conv2"),
                            discriminator_overrides={"filters": 4}, **args)
    assert {"d_loss", "g_loss", "content_loss", "adversarial_loss", "psnr", "val_psnr"} <= set(result["history"])
    generator = keras.models.load_model(tmp_path / "gan" / "checkpoints" / "final.keras")
    assert generator.output_shape == (None, None, None, 3) and generator.count_params() < 20_000
    # MDSR: trained on random scales, validated and checkpointed at the asked scale (x3 view).
    result = training.train("mdsr-baseline", 3, str(hr), str(val), out=tmp_path / "mdsr", **args)
    assert np.isfinite(result["val_psnr"])
    best = keras.models.load_model(tmp_path / "mdsr" / "checkpoints" / "best.keras")
    assert best.output_shape == (None, None, None, 3)
    lr = np.zeros((1, 5, 7, 3), "float32")
    assert best(lr).shape == (1, 15, 21, 3)
    final = keras.models.load_model(tmp_path / "mdsr" / "checkpoints" / "final.keras")
    assert final.output_names == ["sr_x2", "sr_x3", "sr_x4"]


def test_bad_input_leaves_no_run_folder(folders, tmp_path):
    hr, _ = folders
    run = tmp_path / "bad"
    with pytest.raises(FileNotFoundError):
        training.train("edsr-baseline", 2, str(tmp_path / "missing"), epochs=1, out=run, verbose=0, **TINY)
    with pytest.raises(ValueError, match="no option 'blocks'"):
        training.train("edsr-baseline", 2, str(hr), epochs=1, out=run, verbose=0,
                       model_overrides={"blocks": 1}, batch_size=2, patch_size=8)
    assert not run.exists()  # nothing half-made: the same command works once fixed


def test_validation_pads_sizes_the_model_cannot_take(tmp_path):
    """RT4KSR pixel-unshuffles by 2: a x3 validation image with an odd LR size (Set5 butterfly:
    85x85) is edge-padded and the SR cropped, as keras-sr eval does."""
    from skimage import data as skdata

    from keras_sr import models
    from keras_sr.training import ValidationImages

    folder = tmp_path / "val"
    folder.mkdir()
    data.write_image(str(folder / "odd.png"), skdata.astronaut()[:51, :45])  # LR 17x15 at x3
    images = ValidationImages(str(folder), 3)
    model = models.build("rt4ksr", scale=3, num_feats=8, num_blocks=1)
    (sr,) = images.predict(model)
    assert sr.shape == (51, 45, 3)
    assert np.isfinite(images.psnr(model))


def test_small_training_image_stops_or_is_skipped(folders, tmp_path):
    """An image smaller than the HR crop is skipped with one warning line by default; "raise" stops naming it."""
    from skimage import data as skdata

    hr, val = folders
    data.write_image(str(hr / "small.png"), skdata.coffee()[:20, :20])  # < 2 * 12 px HR crop
    tiny = {**TINY, "patch_size": 12}
    with pytest.raises(data.ImageReadError, match="small.png"):
        training.train("edsr-baseline", 2, str(hr), None, epochs=1, steps_per_epoch=1, out=tmp_path / "r1",
                       verbose=0, on_bad_file="raise", **tiny)
    with pytest.warns(UserWarning, match=r"skipped 1 of \d+ training images: .*small.png") as caught:
        training.train("edsr-baseline", 2, str(hr), None, epochs=1, steps_per_epoch=1, out=tmp_path / "r2",
                       verbose=0, **tiny)
    assert sum("small.png" in str(w.message) for w in caught) == 1  # one summary line, not one per file
    assert json.loads((tmp_path / "r2" / "config.json").read_text())["recipe"]["on_bad_file"] == "skip_small"
    assert (tmp_path / "r2" / "checkpoints" / "final.keras").is_file()


def test_comparison_pictures_pad_odd_lr_sizes_for_models_that_need_even_ones(tmp_path):
    """RT4KSR pixel-unshuffles by 2: a held-out photo whose x3 LR is 21x23 must still get its picture
    (a run crashed at the end of its first epoch on such a photo before the pictures padded as validation does)."""
    from keras_sr import models
    from keras_sr.training.callbacks import ComparisonPictures, ValidationImages

    photos = tmp_path / "val"
    photos.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (63, 69, 3), dtype=np.uint8)).save(photos / "odd.png")
    images = ValidationImages(str(photos), 3)
    assert images.pairs[0][0].shape[:2] == (21, 23)
    model = models.build("rt4ksr", scale=3)
    ComparisonPictures(images, tmp_path / "pictures", model, count=1).on_epoch_end(0)
    assert (tmp_path / "pictures" / "epoch0001_odd.png").is_file()
