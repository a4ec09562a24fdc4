"""MATLAB bicubic imresize: numpy vs TF, vs an independent implementation, vs tf.image."""

import numpy as np
import pytest
import tensorflow as tf
from skimage import data as skdata

from keras_sr.data import contributions, cubic, matlab_imresize, matlab_imresize_tf

# Real photos, cropped small; sizes are multiples of 12 where the test needs x2/x3/x4 exact.
PHOTOS = {
    "astronaut": skdata.astronaut()[60:180, 150:246],   # 120 x 96
    "coffee": skdata.coffee()[100:220, 200:320],        # 120 x 120
    "chelsea": skdata.chelsea()[50:134, 100:208],       # 84 x 108
}
SCALES = [1 / 2, 1 / 3, 1 / 4, 2, 3, 4]


def test_cubic_kernel_is_keys_a_minus_half():
    # Keys (1981) with a = -0.5: 1 at 0, 0 at the integers, 9/16 at 1/2, -1/16 at 3/2, 0 beyond 2.
    np.testing.assert_allclose(cubic(np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, -0.5])),
                               [1.0, 0.5625, 0.0, -0.0625, 0.0, 0.0, 0.5625])


def test_contributions_by_hand():
    # Values worked out by hand from MATLAB's contributions() (1-based there, 0-based here).
    k = {0.25: 0.8671875, 0.75: 0.2265625, 1.25: -0.0703125, 1.75: -0.0234375}
    # Upscaling x2, 4 -> 8: output 1 samples u = 0.75; taps -1, 0, 1, 2 mirror to 2, 1, 1, 2.
    w, idx = contributions(4, 8, 2.0)
    assert w.shape == (8, 4)  # ceil(4) + 2 = 6 taps, the two all-zero ones removed
    np.testing.assert_allclose(w[0], [k[1.75], k[0.75], k[0.25], k[1.25]])
    assert idx[0].tolist() == [1, 0, 0, 1]
    # Downscaling x2, 8 -> 4 (antialias: kernel stretched to width 8): u = 1.5, taps -2..5.
    w, idx = contributions(8, 4, 0.5)
    assert w.shape == (4, 8)  # ceil(8) + 2 = 10 taps, two all-zero removed
    np.testing.assert_allclose(w[0], np.array([k[1.75], k[1.25], k[0.75], k[0.25],
                                               k[0.25], k[0.75], k[1.25], k[1.75]]) / 2)
    assert idx[0].tolist() == [2, 1, 0, 0, 1, 2, 3, 4]
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize("scale", SCALES)
def test_numpy_and_tf_agree(name, scale):
    img = PHOTOS[name]
    if scale > 1:
        img = img[:36, :30]  # keep the upscaled result small
    ref_u8 = matlab_imresize(img, scale)
    got_u8 = matlab_imresize_tf(tf.constant(img), scale).numpy()
    assert got_u8.dtype == np.uint8 and got_u8.shape == ref_u8.shape
    np.testing.assert_array_equal(got_u8, ref_u8)
    f = img.astype(np.float32) / 255.0
    ref = matlab_imresize(f, scale)
    got = matlab_imresize_tf(tf.constant(f), scale).numpy()
    assert got.dtype == np.float32 and ref.dtype == np.float32
    np.testing.assert_allclose(got, ref, atol=1e-5)


@pytest.mark.parametrize("scale", SCALES)
def test_numpy_and_tf_agree_on_dynamic_shapes(scale):
    # Unknown static sizes take the in-graph contributions() path (static ones use constants).
    img = PHOTOS["astronaut"][:48, :36] if scale > 1 else PHOTOS["astronaut"]
    fn = tf.function(lambda x: matlab_imresize_tf(x, scale), input_signature=[tf.TensorSpec([None, None, 3])])
    fn_u8 = tf.function(lambda x: matlab_imresize_tf(x, scale),
                        input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])
    np.testing.assert_array_equal(fn_u8(img).numpy(), matlab_imresize(img, scale))
    f = img.astype(np.float32) / 255.0
    np.testing.assert_allclose(fn(f).numpy(), matlab_imresize(f, scale), atol=1e-5)


@pytest.mark.parametrize("shape", [(50, 23), (17, 61), (41, 41)])
def test_numpy_and_tf_agree_on_odd_and_anisotropic_sizes(shape):
    img = PHOTOS["coffee"][:37, :29]
    ref = matlab_imresize(img, output_shape=shape)
    assert ref.shape == shape + (3,)
    dynamic = matlab_imresize_tf(tf.constant(img), output_shape=tf.constant(shape)).numpy()
    static = matlab_imresize_tf(tf.constant(img), output_shape=shape).numpy()
    np.testing.assert_array_equal(dynamic, ref)
    np.testing.assert_array_equal(static, ref)


def test_tf_op_runs_on_dynamic_shapes_in_tf_data():
    crops = [PHOTOS["coffee"][:24, :36], PHOTOS["chelsea"][:48, :12]]
    ds = tf.data.Dataset.from_generator(lambda: iter(crops),
                                        output_signature=tf.TensorSpec([None, None, 3], tf.uint8))
    out = list(ds.map(lambda x: matlab_imresize_tf(x, 0.25)))
    assert [tuple(o.shape) for o in out] == [(6, 9, 3), (12, 3, 3)]
    np.testing.assert_array_equal(out[0].numpy(), matlab_imresize(PHOTOS["coffee"][:24, :36], 0.25))


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize("scale", SCALES)
def test_matches_resize_right_symmetric(name, scale):
    resize_right = pytest.importorskip("resize_right.resize_right")
    interp_methods = pytest.importorskip("resize_right.interp_methods")
    img = PHOTOS[name].astype(np.float64) / 255.0
    if scale > 1:
        img = img[:24, :36]
    ours = matlab_imresize(img, scale)
    theirs = resize_right.resize(img, scale_factors=[scale, scale, 1], interp_method=interp_methods.cubic,
                                 antialiasing=True, pad_mode="symmetric")
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=1e-10)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_tf_image_resize_differs_at_the_border(scale):
    # The motivation: tf.image.resize(antialias=True) matches MATLAB inside, not in the border.
    img = skdata.astronaut()[100:292, 100:292].astype(np.float32)  # 192 = 12 * 16
    ours = matlab_imresize(img, 1 / scale)
    tfs = tf.image.resize(img[None], [192 // scale] * 2, method="bicubic", antialias=True).numpy()[0]
    diff = np.abs(ours - tfs)
    assert diff[4:-4, 4:-4].max() < 1e-3
    assert diff.max() > 3.0  # grey levels, enough to move PSNR


def test_uint8_is_rounded_per_pass_and_saturated():
    # A hard edge overshoots: uint8 output saturates at 0/255 where float goes beyond.
    img = np.zeros((12, 12), np.uint8)
    img[:, 6:] = 255
    up_f = matlab_imresize(img.astype(np.float64), 2)
    up_u8 = matlab_imresize(img, 2)
    assert up_f.min() < 0 and up_f.max() > 255
    assert up_u8.dtype == np.uint8
    np.testing.assert_array_equal(up_u8, np.floor(np.clip(up_f, 0, 255) + 0.5))


def test_bad_arguments():
    img = np.zeros((8, 8, 3), np.float32)
    with pytest.raises(ValueError, match="exactly one"):
        matlab_imresize(img)
    with pytest.raises(ValueError, match="exactly one"):
        matlab_imresize(img, 2, output_shape=(4, 4))
    with pytest.raises(TypeError, match="dtype int32"):
        matlab_imresize(img.astype(np.int32), 2)
    with pytest.raises(ValueError, match="positive"):
        matlab_imresize_tf(img, -1)
