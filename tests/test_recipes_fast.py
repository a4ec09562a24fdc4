"""Fast recipes (warm-up + cosine, EMA), held-out selection (--val-split) and RT4KSR's init
near bicubic: tiny models, a few steps."""

import json

import keras
import numpy as np
import pytest

from keras_sr import data, models, training
from keras_sr.cli import main
from keras_sr.training.callbacks import averaged_weights
from keras_sr.training.recipes import ARCH_RECIPES, FAST_RECIPES, RECIPES, make_optimizer, resolve_for_run

TINY = {"model_overrides": {"num_blocks": 1, "filters": 8}, "batch_size": 2, "patch_size": 8}


@pytest.fixture
def images(tmp_path):
    """Five small photo crops to train on, one to benchmark on."""
    from skimage import data as skdata

    hr, bench = tmp_path / "hr", tmp_path / "bench"
    hr.mkdir()
    bench.mkdir()
    photos = [skdata.astronaut(), skdata.coffee(), skdata.chelsea()]
    for i in range(5):
        photo = photos[i % 3]
        data.write_image(str(hr / f"img{i}.png"), photo[40 * i:40 * i + 48, 60 * i:60 * i + 48])
    data.write_image(str(bench / "c.png"), skdata.chelsea()[60:108, 100:148])
    return hr, bench


def test_paper_recipes_stay_and_every_family_has_a_fast_one():
    # every family a model preset trains with has a fast variant (named one-off recipes such as
    # rednet-fast, the shipped restoration weights' schedule, are recipes of their own)
    families = set(ARCH_RECIPES.values()) | {"srgan"}
    assert families <= set(FAST_RECIPES) <= set(RECIPES)
    paper = training.get_recipe("edsr-baseline")
    assert (paper.variant, paper.learning_rate, paper.schedule, paper.ema_momentum) == ("paper", 1e-4, "step", 0)
    fast = training.get_recipe("edsr-baseline", variant="fast")
    assert (fast.variant, fast.schedule, fast.learning_rate) == ("fast", "cosine", 1e-3)
    assert fast.loss == paper.loss and fast.steps == paper.steps
    assert training.get_recipe("rt4ksr", variant="fast").model_overrides == {"init": "bicubic"}
    with pytest.raises(ValueError, match="variant"):
        training.get_recipe("edsr", variant="quick")
    with pytest.raises(ValueError, match="ema_momentum"):
        training.get_recipe("srgan", ema_momentum=0.9)
    with pytest.raises(ValueError, match="val_split"):
        training.get_recipe("edsr", val_split=1.5)


def test_cosine_schedule_values():
    recipe = resolve_for_run(training.get_recipe("edsr", variant="fast"), 1000)
    assert recipe.decay_steps == 1000
    schedule = training.learning_rate_schedule(recipe)
    lr = {step: float(schedule(step)) for step in (0, 10, 20, 510, 1000)}
    assert lr[0] == 0.0
    assert lr[10] == pytest.approx(0.5e-3, rel=1e-5)         # halfway up the 20-step warm-up
    assert lr[20] == pytest.approx(1e-3, rel=1e-5)           # the peak
    assert lr[510] == pytest.approx(1e-3 * (0.01 + 0.99 * 0.5), rel=1e-4)  # cosine midpoint
    assert lr[1000] == pytest.approx(1e-5, rel=1e-4)         # final_lr_fraction · peak


def test_ema_is_active_capped_and_swapped_in(rng):
    recipe = training.get_recipe("edsr", variant="fast")
    assert resolve_for_run(recipe, 100).ema_momentum == pytest.approx(0.9)  # 1 - 10/100 < 0.999
    assert resolve_for_run(recipe, 100_000).ema_momentum == 0.999
    optimizer = make_optimizer(resolve_for_run(recipe.replace(learning_rate=0.1), 100))
    assert optimizer.use_ema and optimizer.ema_momentum == pytest.approx(0.9)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    x = rng.normal(size=(32, 4)).astype("float32")
    model.train_on_batch(x, x.sum(axis=1, keepdims=True))
    model.train_on_batch(x, x.sum(axis=1, keepdims=True))
    raw = [v.numpy().copy() for v in model.trainable_variables]
    averages = [a.numpy().copy() for a in optimizer._model_variables_moving_average]
    assert not np.allclose(raw[0], averages[0])
    with averaged_weights(model, optimizer) as swapped:
        assert swapped
        assert all(np.array_equal(v.numpy(), a) for v, a in zip(model.trainable_variables, averages))
    assert all(np.array_equal(v.numpy(), r) for v, r in zip(model.trainable_variables, raw))


def test_hold_out_is_seeded_whole_images(images):
    hr, _ = images
    files = data.list_image_files(str(hr))
    train_a, held_a = data.hold_out(str(hr), 0.4, seed=3)
    train_b, held_b = data.hold_out(str(hr), 0.4, seed=3)
    assert (train_a, held_a) == (train_b, held_b) and len(held_a) == 2
    assert sorted(train_a + held_a) == sorted(files) and not set(train_a) & set(held_a)
    assert {tuple(data.hold_out(str(hr), 0.4, seed=s)[1]) for s in range(8)} != {tuple(held_a)}
    with pytest.raises(ValueError, match="leaves none"):
        data.hold_out(str(hr), 0.95)


def test_val_split_selects_and_val_only_reports(images, tmp_path):
    hr, bench = images
    run = tmp_path / "run"
    result = training.train("edsr-baseline", 2, str(hr), str(bench), epochs=2, steps_per_epoch=2, out=run,
                            verbose=0, variant="fast", val_split=0.4, pictures=0, tensorboard=False, **TINY)
    config = json.loads((run / "config.json").read_text())
    assert config["selection"] == "val_split" and config["recipe"]["variant"] == "fast"
    assert config["held_out"] == result["held_out"] == data.hold_out(str(hr), 0.4, seed=0)[1]
    assert not set(config["held_out"]) & set(config["train_images"])
    assert config["recipe"]["decay_steps"] == 4 and config["recipe"]["ema_momentum"] == 0.0  # 4 steps: EMA off
    # val_psnr is on the held-out images; the benchmark is only reported
    held = training.ValidationImages(config["held_out"], 2)
    final = keras.models.load_model(run / "checkpoints" / "final.keras")
    assert result["val_psnr"] == pytest.approx(held.psnr(final), abs=1e-4)
    assert result["benchmark_psnr"] == pytest.approx(training.ValidationImages(str(bench), 2).psnr(final), abs=1e-4)
    best = json.loads((run / "checkpoints" / "best.keras.json").read_text())["val_psnr"]
    assert best == pytest.approx(result["best_val_psnr"])
    assert "held-out split (2 images" in training.summary_line(result, "edsr-baseline", 2)
    assert "reported only" in training.summary_line(result, "edsr-baseline", 2)


def test_cli_recipe_and_val_split(images, tmp_path, capsys):
    hr, _ = images
    run = tmp_path / "cli"
    code = main(["train", "--model", "edsr-baseline", "--scale", "2", "--data", str(hr), "--val-split", "0.4",
                 "--recipe", "fast", "--steps", "2", "--steps-per-epoch", "2", "--batch-size", "2",
                 "--patch-size", "8", "--set", 'model_overrides={"num_blocks": 1, "filters": 8}', "--quiet",
                 "--out", str(run)])
    assert code in (0, None)
    assert "held-out split" in capsys.readouterr().out
    config = json.loads((run / "config.json").read_text())
    assert config["recipe"]["val_split"] == 0.4 and config["recipe"]["schedule"] == "cosine"
    assert main(["train", "--model", "edsr-baseline", "--scale", "2", "--data", str(hr), "--recipe", "paper",
                 "--resume", "--out", str(run)]) == 2
    assert "variant fast -> paper (--recipe paper)" in capsys.readouterr().err


def _lr_hr(photo, scale):
    hr = photo[100:100 + 24 * scale, 180:180 + 24 * scale]
    lr = data.matlab_imresize(np.round(hr * 255).astype(np.uint8), 1 / scale).astype("float32") / 255.0
    return lr, hr


@pytest.mark.parametrize("scale", [2, 4])
def test_rt4ksr_starts_near_bicubic(photo, scale):
    lr, hr = _lr_hr(photo, scale)
    model = models.build("rt4ksr", scale=scale, init="bicubic")
    assert model.count_params() == models.build("rt4ksr", scale=scale).count_params()
    sr = np.asarray(model(lr[None]))[0]
    bicubic = np.asarray(models.build("bicubic", scale=scale)(lr[None]))[0]
    assert data.psnr_y(sr, hr, scale) > data.psnr_y(bicubic, hr, scale) - 0.6
    assert data.psnr_y(sr, bicubic, scale) > 40
    fresh = np.asarray(models.build("rt4ksr", scale=scale)(lr[None]))[0]
    assert data.psnr_y(fresh, hr, scale) < data.psnr_y(bicubic, hr, scale) - 10


def test_rt4ksr_nearest_init_and_refusals(photo):
    lr, hr = _lr_hr(photo, 2)
    sr = np.asarray(models.build("rt4ksr", scale=2, init="nearest")(lr[None]))[0]
    nearest = np.repeat(np.repeat(lr, 2, axis=0), 2, axis=1)
    assert data.psnr_y(sr, nearest, 2) > 40
    with pytest.raises(ValueError, match="init must be one of"):
        models.build("rt4ksr", scale=2, init="lanczos")
    with pytest.raises(ValueError, match="gated"):
        models.build("rt4ksr", scale=2, init="bicubic", high_frequency="gated")
    with pytest.raises(ValueError, match="num_feats"):
        models.build("rt4ksr", scale=2, init="bicubic", num_feats=8)
