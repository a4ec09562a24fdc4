"""SRGAN's custom train_step: both networks learn, the content network does not, the losses
are the paper's, and a saved .keras model continues fit with its two optimizers."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_sr import models
from keras_sr.training import SRGAN, build_srgan, losses


def tiny_gan(**kwargs):
    keras.utils.set_random_seed(0)
    # A random, truncated VGG19 (weights=None, test only) keeps the step cheap.
    content = losses.vgg19_content_model(None, "block2_conv2")
    gan = build_srgan(scale=2, hr_patch_size=16, content_model=content,
                      generator_overrides={"num_blocks": 1, "filters": 8},
                      discriminator_overrides={"filters": 4}, **kwargs)
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return gan


def batches(rng, n=4):
    hr = rng.random((n, 16, 16, 3)).astype("float32")
    lr = hr.reshape(n, 8, 2, 8, 2, 3).mean(axis=(2, 4))
    return lr, hr


def snapshot(model):
    return [w.numpy().copy() for w in model.weights]


def changed(before, model):
    return [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.weights)]


def test_gan_step_updates_both_networks_not_vgg(rng):
    gan = tiny_gan()
    lr, hr = batches(rng)
    g0, d0, c0 = snapshot(gan.generator), snapshot(gan.discriminator), snapshot(gan.content_model)
    history = gan.fit(tf.data.Dataset.from_tensors((lr, hr)).repeat(), steps_per_epoch=2, epochs=1, verbose=0)
    assert set(history.history) >= {"d_loss", "g_loss", "content_loss", "adversarial_loss", "psnr"}
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert all(c for c, w in zip(changed(g0, gan.generator), gan.generator.weights) if w.trainable)
    assert all(c for c, w in zip(changed(d0, gan.discriminator), gan.discriminator.weights) if w.trainable)
    assert not any(changed(c0, gan.content_model))
    assert gan.optimizer.iterations.numpy() == 2 and gan.d_optimizer.iterations.numpy() == 2


def test_losses_are_the_papers(rng):
    gan = tiny_gan(pixel_weight=0.5)
    lr, hr = batches(rng)
    got = gan.evaluate(lr, hr, batch_size=4, return_dict=True, verbose=0)
    sr = gan.generator(lr).numpy()
    feats = lambda x: gan.content_model(keras.applications.vgg19.preprocess_input(x * 255.0)).numpy()  # noqa
    content = np.mean((feats(hr) / 12.75 - feats(sr) / 12.75) ** 2)
    fake = gan.discriminator(sr).numpy()
    real = gan.discriminator(hr).numpy()
    bce_one = lambda z: np.mean(np.log1p(np.exp(-z)))  # -log sigmoid(z)  # noqa
    bce_zero = lambda z: np.mean(np.log1p(np.exp(z)))  # -log(1 - sigmoid(z))  # noqa
    pixel = 4 * np.mean((hr - sr) ** 2)  # SRResNet's MSE on [-1, 1]
    assert np.isclose(got["content_loss"], content, rtol=1e-4)
    assert np.isclose(got["adversarial_loss"], bce_one(fake), rtol=1e-4)
    assert np.isclose(got["d_loss"], bce_one(real) + bce_zero(fake), rtol=1e-4)
    assert np.isclose(got["g_loss"], content + 1e-3 * bce_one(fake) + 0.5 * pixel, rtol=1e-4)


def test_save_load_continues_fit(rng, tmp_path):
    gan = tiny_gan()
    gan.d_optimizer.learning_rate = 3e-4
    ds = tf.data.Dataset.from_tensors(batches(rng)).repeat()
    gan.fit(ds, steps_per_epoch=2, epochs=1, verbose=0)
    path = tmp_path / "srgan.keras"
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, SRGAN)
    for a, b in zip(gan.weights, loaded.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert np.isclose(float(loaded.d_optimizer.learning_rate), 3e-4)
    for opt_a, opt_b in ((gan.optimizer, loaded.optimizer), (gan.d_optimizer, loaded.d_optimizer)):
        assert opt_b.iterations.numpy() == 2
        for a, b in zip(opt_a.variables, opt_b.variables):  # Adam moments came back too
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Both continue identically: the next step of the loaded model equals the original's.
    gan.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)
    loaded.fit(ds, steps_per_epoch=1, epochs=1, verbose=0)
    assert loaded.optimizer.iterations.numpy() == 3
    for a, b in zip(gan.generator.weights, loaded.generator.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_generator_from_a_trained_srresnet(tmp_path):
    srresnet = models.build("srresnet", scale=2, num_blocks=1, filters=8)
    path = tmp_path / "srresnet.weights.h5"
    srresnet.save_weights(path)
    gan = build_srgan(scale=2, hr_patch_size=16, generator=path, generator_overrides={"num_blocks": 1, "filters": 8},
                      content_model=losses.vgg19_content_model(None, "block1_conv2"),
                      discriminator_overrides={"filters": 4})
    for a, b in zip(srresnet.weights, gan.generator.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="expected a .keras model or a .weights.h5"):
        build_srgan(generator=tmp_path / "x.pth", content_model=gan.content_model)


def test_srgan_mse_needs_no_vgg_and_saves(rng, tmp_path):
    """content_layer=None: the paper's SRGAN-MSE (Table 1), MSE ×4 + 1e-3 adversarial, no VGG read."""
    keras.utils.set_random_seed(0)
    gan = build_srgan(scale=2, hr_patch_size=16, content_layer=None, vgg_weights="/nonexistent/vgg.h5",
                      pixel_weight=1.0, generator_overrides={"num_blocks": 1, "filters": 8},
                      discriminator_overrides={"filters": 4})
    assert gan.content_model is None
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    lr, hr = batches(rng)
    got = gan.evaluate(lr, hr, batch_size=4, return_dict=True, verbose=0)
    sr = gan.generator(lr).numpy()
    fake = gan.discriminator(sr).numpy()
    assert got["content_loss"] == 0
    assert np.isclose(got["g_loss"], 4 * np.mean((hr - sr) ** 2) + 1e-3 * np.mean(np.log1p(np.exp(-fake))),
                      rtol=1e-4)
    before = snapshot(gan.generator)
    gan.fit(lr, hr, batch_size=4, epochs=1, verbose=0)
    assert all(changed(before, gan.generator))
    gan.save(tmp_path / "g.keras")
    loaded = keras.models.load_model(tmp_path / "g.keras")
    assert loaded.content_model is None
    np.testing.assert_allclose(loaded.generator(lr).numpy(), gan.generator(lr).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="needs pixel_weight > 0"):
        build_srgan(scale=2, hr_patch_size=16, content_layer=None, generator_overrides={"num_blocks": 1})


def test_phase_offset_loss_sees_a_grid_and_a_cast_not_texture(rng):
    """PhaseOffsetLoss (issue #28): SR's mean offset from HR at each LR-grid phase. A period-4 dot grid
    or a colour cast costs its mean square; zero-mean texture spread over every phase costs ~nothing."""
    hr = rng.random((2, 32, 32, 3)).astype("float32")
    loss = losses.PhaseOffsetLoss(4)
    grid = np.zeros((4, 4), "float32")
    grid[1, 1], grid[2, 3] = 0.02, -0.02
    dotted = hr + np.tile(grid, (8, 8))[None, :, :, None]
    assert float(loss(hr, dotted)) == pytest.approx(2 * 0.02 ** 2 / 16, rel=1e-4)
    assert float(loss(hr, hr + np.array([0.01, 0, 0], "float32"))) == pytest.approx(0.01 ** 2 / 3, rel=1e-4)
    texture = rng.normal(0, 0.05, (2, 32, 32, 3)).astype("float32")
    assert float(loss(hr, hr + texture)) < 0.05 ** 2 / 40   # per-phase means of 64 pixels
    with pytest.raises(ValueError, match="multiples of 4"):
        loss(hr[:, :30], dotted[:, :30])


def test_phase_offset_weight_adds_the_term_and_saves(rng, tmp_path):
    keras.utils.set_random_seed(0)
    common = dict(scale=2, hr_patch_size=16, content_layer=None, pixel_weight=1.0,
                  generator_overrides={"num_blocks": 1, "filters": 8}, discriminator_overrides={"filters": 4})
    plain, weighted = build_srgan(**common), build_srgan(phase_offset_weight=100.0, **common)
    weighted.set_weights(plain.get_weights())
    for gan in (plain, weighted):
        gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    lr, hr = batches(rng)
    a = plain.evaluate(lr, hr, batch_size=4, return_dict=True, verbose=0)["g_loss"]
    b = weighted.evaluate(lr, hr, batch_size=4, return_dict=True, verbose=0)["g_loss"]
    sr = weighted.generator(lr).numpy()
    expected = np.mean(np.mean((sr - hr).reshape(4, 8, 2, 8, 2, 3), axis=(1, 3)) ** 2)
    assert b - a == pytest.approx(100.0 * expected, rel=1e-3) and b > a
    weighted.save(tmp_path / "w.keras")
    loaded = keras.models.load_model(tmp_path / "w.keras")
    assert loaded.phase_offset_weight == 100.0 and loaded.scale == 2


def test_network_interpolation_between_psnr_and_gan_models(rng):
    from keras_sr.training.interpolation import interpolate_weights

    build = lambda: models.build("srresnet", scale=2, num_blocks=1, filters=8)  # noqa: E731
    psnr_model, gan_model = build(), build()
    lr = rng.random((1, 8, 8, 3)).astype("float32")
    original = [w.copy() for w in gan_model.get_weights()]
    half = interpolate_weights(psnr_model, build(), 0.0)
    np.testing.assert_allclose(half(lr).numpy(), psnr_model(lr).numpy(), atol=1e-6)
    interpolate_weights(psnr_model, gan_model, 0.25)
    for p, g, w in zip(psnr_model.get_weights(), original, gan_model.get_weights()):
        np.testing.assert_allclose(w, 0.75 * p + 0.25 * g, atol=1e-7)
    with pytest.raises(ValueError, match="alpha"):
        interpolate_weights(psnr_model, gan_model, 1.5)
    with pytest.raises(ValueError, match="same weights"):
        interpolate_weights(psnr_model, models.build("srresnet", scale=2, num_blocks=2, filters=8), 0.5)
