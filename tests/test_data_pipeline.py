"""tf.data pipelines: shapes, ranges, LR/HR alignment, determinism, options, bad input, io."""

import warnings

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from skimage import data as skdata

from keras_sr import data

P = 8  # LR patch size in these tests


@pytest.fixture(scope="module")
def sources():
    photos = [skdata.astronaut()[:44, :52], skdata.coffee()[50:98, 100:140], skdata.chelsea()[30:70, 40:88],
              skdata.rocket()[100:140, 200:250]]
    return photos


@pytest.fixture
def hr_folder(tmp_path, sources):
    folder = tmp_path / "hr"
    folder.mkdir()
    for i, img in enumerate(sources):
        Image.fromarray(img).save(folder / f"{i + 1:04d}.png")
    (folder / "notes.txt").write_text("not an image, ignored in folders")
    return folder


def _find(patch, sources, scale, augment=False):
    """(image, y, x) where ``patch`` (uint8 levels) is an HR crop aligned to ``scale``."""
    variants = [patch]
    if augment:
        variants = [v for t in (patch, patch.transpose(1, 0, 2)) for v in (t, t[::-1], t[:, ::-1], t[::-1, ::-1])]
    size = patch.shape[0]
    for i, img in enumerate(sources):
        for y in range(0, img.shape[0] - size + 1, scale):
            for x in range(0, img.shape[1] - size + 1, scale):
                crop = img[y:y + size, x:x + size]
                if any(np.array_equal(crop, v) for v in variants):
                    return i, y, x
    return None


def _levels(x):
    return np.round(np.asarray(x) * 255).astype(np.uint8)


@pytest.mark.parametrize("scale", [2, 3])
def test_patches_are_aligned_crops_with_matlab_lr(hr_folder, sources, scale):
    ds = data.training_dataset(hr_folder, scale=scale, patch_size=P, batch_size=3, seed=0, augment=False)
    lr, hr = next(iter(ds))
    assert lr.shape == (3, P, P, 3) and hr.shape == (3, P * scale, P * scale, 3)
    assert lr.dtype == tf.float32 and 0 <= float(tf.reduce_min(lr)) and float(tf.reduce_max(hr)) <= 1
    for lr_i, hr_i in zip(lr.numpy(), hr.numpy()):
        hr_u8 = _levels(hr_i)
        np.testing.assert_allclose(hr_i * 255, hr_u8, atol=1e-4)  # 8-bit levels
        assert _find(hr_u8, sources, scale) is not None
        np.testing.assert_array_equal(_levels(lr_i), data.matlab_imresize(hr_u8, 1 / scale))


def test_augmentation_flips_and_rotates_consistently(hr_folder, sources):
    ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=8, seed=3)
    transformed = 0
    for lr, hr in ds.take(3):
        for lr_i, hr_i in zip(lr.numpy(), hr.numpy()):
            hr_u8 = _levels(hr_i)
            assert _find(hr_u8, sources, 2, augment=True) is not None
            transformed += _find(hr_u8, sources, 2) is None
            # Bicubic commutes with flips/transposes up to the per-pass uint8 rounding order.
            assert np.abs(data.matlab_imresize(hr_u8, 0.5).astype(int) - _levels(lr_i)).max() <= 1
    assert transformed >= 6  # of 24 patches, ~21 expected


def test_seed_makes_batches_identical(hr_folder):
    def batches(seed):
        ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=4, seed=seed)
        return [(lr.numpy(), hr.numpy()) for lr, hr in ds.take(3)]

    a, b, c = batches(7), batches(7), batches(8)
    for (la, ha), (lb, hb) in zip(a, b):
        np.testing.assert_array_equal(la, lb)
        np.testing.assert_array_equal(ha, hb)
    assert not all(np.array_equal(ha, hc) for (_, ha), (_, hc) in zip(a, c))


def test_y_mode_and_value_ranges(hr_folder):
    ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=4, seed=0, augment=False,
                               channels="y", value_range=(0, 1), hr_value_range=(-1, 1))
    lr, hr = next(iter(ds))
    assert lr.shape == (4, P, P, 1) and hr.shape == (4, 2 * P, 2 * P, 1)
    assert 16 / 255 - 1e-6 <= lr.numpy().min() and lr.numpy().max() <= 235 / 255 + 1e-6
    hr01 = (hr.numpy() + 1) / 2
    assert 16 / 255 - 1e-6 <= hr01.min() and hr01.max() <= 235 / 255 + 1e-6
    rgb = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=4, seed=0, augment=False)
    lr_rgb, hr_rgb = next(iter(rgb))
    np.testing.assert_allclose(lr.numpy(), data.rgb_to_y(lr_rgb.numpy()), atol=1e-5)
    np.testing.assert_allclose(hr01, data.rgb_to_y(hr_rgb.numpy()), atol=1e-5)


def test_paired_lr_folder_div2k_naming(hr_folder, tmp_path, sources):
    lr_dir = tmp_path / "X2"
    lr_dir.mkdir()
    lr_images = [data.matlab_imresize(img, 0.5) for img in sources]
    for i, img in enumerate(lr_images):
        Image.fromarray(img).save(lr_dir / f"{i + 1:04d}x2.png")
    ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=4, seed=1, augment=False, lr_dir=lr_dir)
    lr, hr = next(iter(ds))
    for lr_i, hr_i in zip(lr.numpy(), hr.numpy()):
        i, y, x = _find(_levels(hr_i), sources, 2)
        np.testing.assert_array_equal(_levels(lr_i), lr_images[i][y // 2:y // 2 + P, x // 2:x // 2 + P])
    for (lr, hr), lr_ref, img in zip(data.evaluation_dataset(hr_folder, 2, lr_dir=lr_dir), lr_images, sources):
        np.testing.assert_array_equal(_levels(lr[0]), lr_ref[:img.shape[0] // 2, :img.shape[1] // 2])
        np.testing.assert_array_equal(_levels(hr[0]), data.modcrop(img, 2))
    (lr_dir / "0002x2.png").unlink()
    with pytest.raises(data.ImageReadError, match="0002.png.*no paired LR"):
        data.training_dataset(hr_folder, scale=2, patch_size=P, lr_dir=lr_dir)


def test_multi_scale_batches(hr_folder):
    ds = data.training_dataset(hr_folder, scales=(2, 3, 4), patch_size=P, batch_size=2, seed=0, augment=False)
    seen = set()
    for batch in ds.take(8):
        s = int(batch["scale"])
        seen.add(s)
        assert batch["lr"].shape == (2, P, P, 3) and batch["hr"].shape == (2, P * s, P * s, 3)
        hr_u8 = _levels(batch["hr"][1])
        np.testing.assert_array_equal(_levels(batch["lr"][1]), data.matlab_imresize(hr_u8, 1 / s))
    assert len(seen) >= 2


@pytest.mark.parametrize("cache", ["file", False])
def test_file_cache_and_no_cache(hr_folder, tmp_path, sources, cache):
    cache = str(tmp_path / "cache") if cache == "file" else cache
    ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=4, seed=0, augment=False,
                               cache=cache, repeat=False)
    batches = list(ds)
    assert len(batches) == 1  # 4 images, one pass, batch 4
    for hr_i in batches[0][1].numpy():
        assert _find(_levels(hr_i), sources, 2) is not None
    if cache:
        assert list(tmp_path.glob("cache*"))


def test_evaluation_dataset_whole_images(hr_folder, sources):
    ds = data.evaluation_dataset(hr_folder, scale=3)
    pairs = list(ds)
    assert len(pairs) == len(sources)
    for (lr, hr), img in zip(pairs, sources):
        ref = data.modcrop(img, 3)
        np.testing.assert_array_equal(_levels(hr[0]), ref)
        np.testing.assert_array_equal(_levels(lr[0]), data.matlab_imresize(ref, 1 / 3))
    lr_y, hr_y = next(iter(data.evaluation_dataset(hr_folder, scale=3, channels="y")))
    assert lr_y.shape[-1] == 1 and hr_y.shape[1:3] == pairs[0][1].shape[1:3]


# ---- bad input ----

def test_bad_files_are_named_before_training(hr_folder, tmp_path):
    (hr_folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(data.ImageReadError, match="broken.png"):
        data.training_dataset(hr_folder, scale=2, patch_size=P)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=2, on_bad_file="skip", seed=0)
    assert any("broken.png" in str(w.message) for w in caught)
    assert next(iter(ds))[0].shape == (2, P, P, 3)


def test_truncated_non_image_and_small_files(tmp_path, sources):
    good = tmp_path / "good.jpg"
    Image.fromarray(sources[0]).save(good, quality=95)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[:400])
    text = tmp_path / "readme.txt"
    text.write_text("hello")
    small = tmp_path / "small.png"
    Image.fromarray(sources[0][:10, :10]).save(small)
    for bad, message in [(truncated, "truncated.jpg"), (text, "readme.txt"), (small, "small.png.*smaller")]:
        with pytest.raises(data.ImageReadError, match=message):
            data.training_dataset([good, bad], scale=2, patch_size=P, on_bad_file="raise")
    for bad, message in [(truncated, "truncated.jpg"), (text, "readme.txt")]:  # the default raises too
        with pytest.raises(data.ImageReadError, match=message):
            data.training_dataset([good, bad], scale=2, patch_size=P)
    # ... but leaves out images smaller than the crop, in one summary warning line
    with pytest.warns(UserWarning, match=r"^skipped 1 of 2 training images: .*small.png: image 10x10 is smaller"):
        ds = data.training_dataset([good, small], scale=2, patch_size=P, batch_size=1, seed=0)
    assert next(iter(ds))[0].shape == (1, P, P, 3)
    with pytest.raises(ValueError, match="every training image is smaller than the crop"):
        data.training_dataset([small], scale=2, patch_size=P)


def test_empty_or_imageless_sources(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="has no images"):
        data.training_dataset(empty)
    (empty / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="has no images"):
        data.evaluation_dataset(empty, 2)
    nested = tmp_path / "nested"
    (nested / "T91").mkdir(parents=True)
    data.write_image(str(nested / "T91" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match=r"nested has no images .*its subfolders T91 have images"):
        data.training_dataset(nested)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.training_dataset(tmp_path / "missing")
    with pytest.raises(ValueError, match="cache.*does not exist"):
        data.training_dataset(empty, cache=str(tmp_path / "no" / "cache"))
    with pytest.raises(FileNotFoundError, match="matches no files"):
        data.training_dataset(str(tmp_path / "*.png"))
    (empty / "b.png").write_bytes(b"junk")
    with pytest.warns(UserWarning, match="b.png"), pytest.raises(ValueError, match="no usable images"):
        data.training_dataset(empty, on_bad_file="skip")


# ---- image reading conversions ----

def test_read_image_conversions(tmp_path, sources):
    rgb = sources[1][:20, :24]
    grey = rgb[..., 0]
    Image.fromarray(grey).save(tmp_path / "grey.png")
    np.testing.assert_array_equal(data.read_image(tmp_path / "grey.png"), np.repeat(grey[..., None], 3, -1))
    rgba = np.dstack([rgb, np.full(grey.shape, 128, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(data.read_image(tmp_path / "rgba.png"), rgb)
    white = data.read_image(tmp_path / "rgba.png", alpha="white").astype(int)
    np.testing.assert_allclose(white, rgb.astype(float) * 128 / 255 + 255 * 127 / 255, atol=0.51)
    assert data.read_image(tmp_path / "rgba.png", alpha="black").max() <= 128
    Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=16).save(tmp_path / "pal.png")
    pal = data.read_image(tmp_path / "pal.png")
    assert pal.shape == rgb.shape and len(np.unique(pal.reshape(-1, 3), axis=0)) <= 16
    for ext in ("bmp", "webp"):
        Image.fromarray(rgb).save(tmp_path / f"img.{ext}", **({"lossless": True} if ext == "webp" else {}))
        np.testing.assert_array_equal(data.read_image(tmp_path / f"img.{ext}"), rgb)
    deep = rgb.astype(np.uint16) * 257 + 3
    (tmp_path / "rgb16.png").write_bytes(tf.io.encode_png(deep).numpy())
    np.testing.assert_array_equal(data.read_image(tmp_path / "rgb16.png"), deep)
    Image.fromarray(deep[..., 0]).save(tmp_path / "grey16.png")
    loaded = data.load_image(tmp_path / "grey16.png")
    assert loaded.dtype == np.float32
    np.testing.assert_allclose(loaded[..., 1], deep[..., 0] / 65535, atol=1e-7)


def test_sixteen_bit_training_keeps_depth_or_rounds(tmp_path, sources):
    deep = sources[0].astype(np.uint16) * 257 + 100
    (tmp_path / "a.png").write_bytes(tf.io.encode_png(deep).numpy())
    lr8, hr8 = next(iter(data.training_dataset(tmp_path, patch_size=P, batch_size=1, seed=0, augment=False)))
    np.testing.assert_allclose(hr8.numpy() * 255, np.round(hr8.numpy() * 255), atol=1e-4)
    lr16, hr16 = next(iter(data.training_dataset(tmp_path, patch_size=P, batch_size=1, seed=0, augment=False,
                                                 bit_depth=16)))
    assert np.abs(hr16.numpy() * 255 - np.round(hr16.numpy() * 255)).max() > 0.1  # finer than 8-bit levels
    np.testing.assert_allclose(lr16.numpy()[0], data.matlab_imresize(hr16.numpy()[0], 0.5), atol=1e-5)


def test_feeds_model_fit_with_metrics(hr_folder):
    import keras

    from keras_sr.layers import PixelShuffle

    ds = data.training_dataset(hr_folder, scale=2, patch_size=P, batch_size=2, seed=0)
    inputs = keras.Input((None, None, 3))
    outputs = PixelShuffle(2)(keras.layers.Conv2D(12, 3, padding="same")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mae", metrics=[data.PSNR(shave=2), data.SSIM(shave=2)])
    history = model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(history.history["psnr"][0]) and -1 <= history.history["ssim"][0] <= 1
