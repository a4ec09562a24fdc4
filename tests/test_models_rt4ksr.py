"""RT4KSR against SPECS §5: parameter counts, shapes, the RB and its fusion, the high-frequency
branch, reparameterize(), serialization and TFLite export."""

import keras
import numpy as np
import pytest
from scipy import ndimage

from keras_sr import layers, models
from keras_sr.models.rt4ksr import architecture_of, reparameterize, rt4ksr

# SPECS §5.4: training form = the authors' state_dict sizes; deploy form "as coded" includes
# the (unused) high-frequency branch; "minimal" drops it (hfb = 23,160 + gamma 1 in training form).
COUNTS = {  # (scale, high_frequency): (training form, deploy form)
    (2, "unused"): (152_233, 44_521), (3, "unused"): (165_253, 57_541),
    (2, "gated"): (152_233, 44_521), (3, "gated"): (165_253, 57_541),
    (2, None): (152_233 - 23_161, 39_312), (3, None): (165_253 - 23_161, 52_332),
}
TINY = {"num_feats": 8, "num_blocks": 1}


def perturb_all_weights(model, rng, rel=0.3):
    """Move every weight (kernels, biases, LayerNorm affine, gamma) off its init, non-trivially:
    Gaussian noise of ``rel`` times the weight's spread (at least 0.05; 0.5 for scalars)."""
    for w in model.weights:
        value = np.asarray(w)
        spread = max(float(value.std()), 0.05) if value.size > 1 else 0.5
        w.assign((value + rng.normal(0.0, rel * spread, value.shape)).astype("float32"))


def to_image_range(model, x):
    """Scale the last conv (the output is linear in it) so the output spread on ``x`` is an
    image's (std 0.3), as trained models give; the 1e-5 tolerance is meant for that range."""
    conv = model.get_layer("upsample_conv")
    factor = 0.3 / float(np.asarray(model(x)).std())
    conv.set_weights([w * factor for w in conv.get_weights()])


def odd_image(rng, h, w):
    """Random content with hard edges, saturated borders and out-of-range values."""
    x = rng.random((2, h, w, 3)).astype("float32")
    x[:, ::3] *= -0.5
    x[:, :, :2] = 1.5
    x[0, -1] = 0.0
    x[1, :, -1] = rng.normal(0, 2, (h, 3))
    return x


@pytest.mark.parametrize("scale,high_frequency", sorted(COUNTS, key=str))
def test_parameter_counts(scale, high_frequency):
    model = models.build("rt4ksr", scale=scale, high_frequency=high_frequency)
    train_count, deploy_count = COUNTS[scale, high_frequency]
    assert model.count_params() == train_count
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    assert trainable == train_count - (23_161 if high_frequency == "unused" else 0)
    assert reparameterize(model).count_params() == deploy_count
    assert models.build("rt4ksr", scale=scale, high_frequency=high_frequency,
                        deploy=True).count_params() == deploy_count


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("high_frequency", ["unused", "gated", None])
def test_output_shapes(scale, high_frequency, rng):
    model = models.build("rt4ksr", scale=scale, high_frequency=high_frequency, **TINY)
    assert model.input_shape == (None, None, None, 3)
    for size in [(12, 16), (6, 10)]:
        x = rng.random((2, *size, 3), dtype="float32")
        for m in (model, reparameterize(model)):
            assert m(x).shape == (2, size[0] * scale, size[1] * scale, 3)


def test_odd_size_is_a_clear_error(rng):
    model = models.build("rt4ksr", scale=2, **TINY)
    x = rng.random((1, 9, 12, 3), dtype="float32")
    with pytest.raises(ValueError, match=r"height 9, not a multiple of 2"):
        model(x)
    with pytest.raises(ValueError, match=r"width 7, not a multiple of 2"):
        model.predict(x[:, :8, :7], verbose=0)
    with pytest.raises(ValueError, match="not a multiple of 2"):
        rt4ksr(2, high_frequency=None, **TINY).compute_output_shape((1, 10, 5, 3))


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="high_frequency must be one of"):
        rt4ksr(2, high_frequency="on")
    with pytest.raises(ValueError, match="does not support scale 5"):
        models.build("rt4ksr", scale=5)
    with pytest.raises(ValueError, match="already in deploy form"):
        reparameterize(models.build("rt4ksr", scale=2, deploy=True, **TINY))
    with pytest.raises(ValueError, match="not an RT4KSR model"):
        reparameterize(models.build("edsr-baseline", scale=2, num_blocks=1, filters=8))


def _conv_valid(x, kernel):
    """Plain numpy 'valid' correlation, x (H, W, I), kernel (kh, kw, I, O)."""
    kh, kw = kernel.shape[:2]
    h, w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    return sum(x[u:u + h, v:v + w] @ kernel[u, v] for u in range(kh) for v in range(kw))


def test_reparam_block_is_the_specs_training_form(rng):
    # SPECS §5.2: e = expand(z); t = fea(pad_b0(e)); y = reduce(t + e) + z, written out in numpy.
    block = layers.ReparamBlock(5)
    z = rng.normal(size=(1, 6, 7, 5)).astype("float32")
    block.build(z.shape)
    perturb_all_weights(block, rng, 0.3)
    (k0, b0), (k1, b1), (k2, b2) = (
        [np.asarray(w, np.float64) for w in conv.weights] for conv in (block.expand, block.fea, block.reduce))
    zz = z[0].astype(np.float64)
    e = zz @ k0[0, 0] + b0
    e_pad = np.broadcast_to(b0, (e.shape[0] + 2, e.shape[1] + 2, e.shape[2])).copy()
    e_pad[1:-1, 1:-1] = e
    t = _conv_valid(e_pad, k1) + b1
    expected = (t + e) @ k2[0, 0] + b2 + zz
    np.testing.assert_allclose(np.asarray(block(z))[0], expected, atol=1e-5)

    kernel, bias = block.fused_kernel_and_bias()
    assert kernel.shape == (3, 3, 5, 5) and bias.shape == (5,)
    fused = _conv_valid(np.pad(zz, ((1, 1), (1, 1), (0, 0))), kernel) + bias
    np.testing.assert_allclose(fused, expected, atol=1e-10)  # float64: exact up to rounding


def test_gaussian_high_pass_is_torchvision_blur_with_reflect_border(rng):
    x = rng.random((1, 9, 11, 3)).astype("float32")
    y = np.asarray(layers.GaussianHighPass(5, 1.0)(x))
    g = np.exp(-0.5 * np.arange(-2, 3) ** 2)
    kernel2d = np.outer(g, g) / np.outer(g, g).sum()
    # scipy's "mirror" is torch's "reflect": the edge pixel is not repeated.
    blurred = np.stack([ndimage.correlate(x[0, :, :, c].astype(np.float64), kernel2d, mode="mirror")
                        for c in range(3)], axis=-1)
    np.testing.assert_allclose(y[0], x[0] - blurred, atol=1e-6)
    assert layers.GaussianHighPass().weights == []


def test_unused_branch_does_not_touch_the_output_and_gated_one_does(rng):
    x = rng.random((1, 10, 12, 3), dtype="float32")
    for mode, changes in (("unused", False), ("gated", True)):
        model = models.build("rt4ksr", scale=2, high_frequency=mode, **TINY)
        before = np.asarray(model(x))
        gate = model.get_layer("hf_gate")
        assert bool(gate.trainable_weights) == changes  # the unused branch is not trained
        perturb_all_weights(gate, rng, 0.5)
        after = np.asarray(model(x))
        assert (np.abs(after - before).max() > 1e-3) == changes, mode
    # gated at init (gamma = 0): the tail sees the branch output only, so zeroing the deep
    # path's input LayerNorm scale leaves the output unchanged.
    model = models.build("rt4ksr", scale=2, high_frequency="gated", **TINY)
    before = np.asarray(model(x))
    norm = model.get_layer("body0_norm")
    norm.gamma.assign(norm.gamma * 0 + 3.0)
    np.testing.assert_allclose(np.asarray(model(x)), before, atol=1e-6)


@pytest.mark.parametrize("scale,high_frequency", [(2, "unused"), (3, "gated"), (4, None)])
def test_deploy_form_equals_training_form(scale, high_frequency, rng):
    model = models.build("rt4ksr", scale=scale, high_frequency=high_frequency)  # C=24, N=4
    perturb_all_weights(model, rng)
    if high_frequency == "gated":
        model.get_layer("hf_gate").gamma.assign([0.7])
    x = odd_image(rng, 14, 18)
    to_image_range(model, x)
    weights_before = [np.asarray(w).copy() for w in model.weights]
    expected = np.asarray(model(x))
    deploy = reparameterize(model)
    assert architecture_of(deploy)["deploy"] and not architecture_of(model)["deploy"]
    got = np.asarray(deploy(x))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)  # every pixel, borders included
    for before, w in zip(weights_before, model.weights):
        np.testing.assert_array_equal(np.asarray(w), before)  # the input model is untouched


@pytest.mark.parametrize("kwargs", [
    {"scale": 2, "high_frequency": "unused"},
    {"scale": 3, "high_frequency": "gated"},
    {"scale": 4, "high_frequency": None, "deploy": True},
])
def test_keras_save_load_safe_mode(tmp_path, kwargs, rng):
    model = models.build("rt4ksr", **kwargs, **TINY)
    perturb_all_weights(model, rng)
    x = rng.random((1, 10, 14, 3), dtype="float32")
    expected = model.predict(x, verbose=0)
    path = tmp_path / "rt4ksr.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert architecture_of(loaded) == architecture_of(model)
    assert len(loaded.trainable_weights) == len(model.trainable_weights)
    if not kwargs.get("deploy"):  # a loaded training form still re-parameterizes
        np.testing.assert_allclose(np.asarray(reparameterize(loaded)(x)), expected, atol=1e-5)


def test_tflite_deploy_form_builtin_ops_only(rng):
    from tflite_utils import run_tflite, tflite_ops, to_tflite

    shape = (1, 32, 48, 3)
    x = rng.random(shape, dtype="float32")
    released = reparameterize(models.build("rt4ksr", scale=2))
    perturb_all_weights(released, rng)
    flatbuffer = to_tflite(released, shape)  # fails on any Flex op
    np.testing.assert_allclose(run_tflite(flatbuffer, x)[0], np.asarray(released(x)), atol=1e-4)
    ops = tflite_ops(flatbuffer)
    assert ops.count("CONV_2D") == 7  # head, 4 blocks, tail, upsample: one conv each
    assert "DEPTHWISE_CONV_2D" not in ops and "MIRROR_PAD" not in ops  # no blur computed
    # The unused branch costs nothing: the same ops as the model without the branch.
    minimal = models.build("rt4ksr", scale=2, high_frequency=None, deploy=True)
    perturb_all_weights(minimal, rng)  # (default LayerNorm affine would be folded away)
    assert tflite_ops(to_tflite(minimal, shape)) == ops


def test_tflite_gated_branch_builtin_ops_only(rng):
    from tflite_utils import run_tflite, tflite_ops, to_tflite

    shape = (1, 16, 20, 3)
    model = reparameterize(models.build("rt4ksr", scale=3, high_frequency="gated", **TINY))
    perturb_all_weights(model, rng)
    x = rng.random(shape, dtype="float32")
    flatbuffer = to_tflite(model, shape)
    np.testing.assert_allclose(run_tflite(flatbuffer, x)[0], np.asarray(model(x)), atol=1e-4)
    ops = tflite_ops(flatbuffer)
    assert {"MIRROR_PAD", "DEPTHWISE_CONV_2D", "SUB"} <= set(ops)  # the high-pass is computed
