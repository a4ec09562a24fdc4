"""The numpy training pipeline (no TensorFlow): seeded and reproducible whatever the number of
worker threads, aligned crops with MATLAB-bicubic LR, one scale per MDSR batch, degradation
chains, and a resumed run starting at the batches an uninterrupted run would use."""

import numpy as np
import pytest

from keras_sr.data import write_image
from keras_sr.data.imresize import matlab_imresize
from keras_sr.data.numpy_pipeline import numpy_training_dataset


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    from skimage import data as skdata

    folder = tmp_path_factory.mktemp("hr")
    for i, img in enumerate((skdata.astronaut(), skdata.coffee(), skdata.chelsea())):
        write_image(str(folder / f"p{i}.png"), img[50:130, 60:150])
    return folder


def test_batches_repeat_with_the_seed_whatever_the_threads(photos):
    one = numpy_training_dataset(photos, scale=2, patch_size=12, batch_size=3, seed=5, workers=1, steps_per_epoch=4)
    four = numpy_training_dataset(photos, scale=2, patch_size=12, batch_size=3, seed=5, workers=4, steps_per_epoch=4)
    other = numpy_training_dataset(photos, scale=2, patch_size=12, batch_size=3, seed=6, workers=1, steps_per_epoch=4)
    for i in (0, 1, 5, 2):  # out of order too: a batch depends on (seed, index) only
        for a, b in zip(one[i], four[i]):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(one[0][1], other[0][1])
    four.close()
    # resume: epoch 2 of a resumed run starts at global batch 2 * steps_per_epoch
    resumed = numpy_training_dataset(photos, scale=2, patch_size=12, batch_size=3, seed=5, steps_per_epoch=4,
                                     initial_epoch=2, workers=1)
    np.testing.assert_array_equal(resumed[0][0], one[8][0])


def test_patches_are_aligned_crops_with_matlab_lr(photos):
    from keras_sr.data import read_image

    ds = numpy_training_dataset(photos, scale=3, patch_size=10, batch_size=4, seed=0, augment=False, workers=1)
    lr, hr = ds[0]
    assert lr.shape == (4, 10, 10, 3) and hr.shape == (4, 30, 30, 3) and lr.dtype == np.float32
    images = [read_image(str(p)) for p in sorted(photos.iterdir())]
    for l, h in zip(lr, hr):
        h8 = np.round(h * 255).astype(np.uint8)
        np.testing.assert_allclose(l, matlab_imresize(h8, output_shape=(10, 10)) / 255.0, atol=1e-6)
        found = False  # the HR patch is a crop of one image at a multiple of the scale
        for img in images:
            for y in range(0, img.shape[0] - 29, 3):
                for x in range(0, img.shape[1] - 29, 3):
                    if np.array_equal(img[y:y + 30, x:x + 30], h8):
                        found = True
        assert found


def test_multiscale_batches_and_degradation_chains(photos):
    ds = numpy_training_dataset(photos, scales=(2, 3), patch_size=8, batch_size=2, seed=0, workers=1)
    sides = {ds[i]["hr"].shape[1] for i in range(8)}
    assert sides == {16, 24} and all(ds[i]["lr"].shape[1:] == (8, 8, 3) for i in range(3))
    noisy = numpy_training_dataset(photos, scale=1, patch_size=16, batch_size=2, seed=0, channels="y",
                                   degradation="noise:25", workers=1)
    lr, hr = noisy[0]
    assert lr.shape == hr.shape == (2, 16, 16, 1)
    assert 15 < np.std(lr - hr) * 255 < 35
