"""The RT4KSR authors' checkpoints in Keras (SPECS §5, §8): channel order, errors, an independent
PyTorch forward of SPECS §5.2 on real images, and Set5 PSNR."""

import sys

import numpy as np
import pytest
from conftest import shared_path
from keras import ops
from PIL import Image

from keras_sr.convert import load_rt4ksr_torch, rt4ksr_from_state_dict
from keras_sr.convert.rt4ksr_torch import dcr_from_crd
from keras_sr.models.rt4ksr import reparameterize

COUNTS = {2: (152_233, 44_521), 3: (165_253, 57_541)}  # SPECS §5.4: checkpoint / deploy as coded
SET5_PSNR_Y = {2: 36.15, 3: 32.21}  # SPECS §8: the official models, bicubic LR, Y, shave = scale


def checkpoint(scale):
    return shared_path("weights", "RT4KSR", f"rt4ksr_x{scale}.pth")


def set5_image(name):
    return np.asarray(Image.open(shared_path("data", "Set5", "HR", f"{name}.png")).convert("RGB"))


# --- channel order (no torch needed) -----------------------------------------------------------

def _unshuffle_crd(x, r):
    """PyTorch's pixel_unshuffle on NHWC numpy: output channel c·r² + i·r + j = x[h·r+i, w·r+j, c]."""
    b, h, w, c = x.shape
    y = x.reshape(b, h // r, r, w // r, r, c).transpose(0, 1, 3, 5, 2, 4)
    return y.reshape(b, h // r, w // r, c * r * r)


@pytest.mark.parametrize("channels,r", [(3, 2), (3, 4), (3, 6), (2, 3)])
def test_dcr_from_crd_maps_torch_to_tf_channels(channels, r, rng):
    x = rng.random((1, 2 * r, 3 * r, channels)).astype("float32")
    tf_order = np.asarray(ops.space_to_depth(x, r))
    torch_order = _unshuffle_crd(x, r)
    np.testing.assert_array_equal(tf_order, torch_order[..., dcr_from_crd(channels, r)])
    # depth_to_space is its inverse, so the same map serves the conv feeding the shuffle
    np.testing.assert_array_equal(np.asarray(ops.depth_to_space(tf_order, r)), x)


# --- errors (no torch needed) ------------------------------------------------------------------

def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.pth"):
        load_rt4ksr_torch(tmp_path / "nothere.pth")


def test_without_torch_the_error_says_how_to_install(tmp_path, monkeypatch):
    path = tmp_path / "rt4ksr_x2.pth"
    path.write_bytes(b"not read")
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(ImportError, match=r"pip install keras-sr\[torch\]"):
        load_rt4ksr_torch(path)


def test_state_dict_of_another_architecture(rng):
    edsr_like = {"head.0.weight": rng.random((64, 3, 3, 3)), "tail.0.weight": rng.random((3, 64, 3, 3))}
    with pytest.raises(ValueError, match="edsr.pth: not an RT4KSR checkpoint"):
        rt4ksr_from_state_dict(edsr_like, source="edsr.pth")
    c = 8  # RT4KSR-shaped head/upsample, but a block with other parts
    odd = {"module.head.0.weight": rng.random((c, 12, 3, 3)), "module.head.0.bias": rng.random(c),
           "module.upsample.0.weight": rng.random((48, c, 3, 3)),
           "module.upsample.0.bias": rng.random(48), "module.body.0.conv2.weight": rng.random((c, c, 3, 3))}
    with pytest.raises(ValueError, match=r"other.pth: .*missing keys: .*tail\.1\.fea_conv\.weight"
                                         r".*unexpected keys: \['body\.0\.conv2\.weight'\]"):
        rt4ksr_from_state_dict(odd, source="other.pth")


# --- the authors' checkpoints (torch and ../shared) -------------------------------------------

def _torch_state(path):
    import torch  # in the test extra: a missing torch fails, never skips

    state = torch.load(path, map_location="cpu", weights_only=True)["state_dict"]
    return torch, {k.removeprefix("module."): v.double() for k, v in state.items()}


def reference_forward(torch, state, x, scale):
    """RT4KSR training form (forget=False) written from SPECS §5.2 with torch.nn.functional.
    x: (B, 3, H, W) float64 in [0, 1]."""
    F = torch.nn.functional

    def layer_norm_2d(z, p):  # per pixel over channels, biased variance, eps 1e-6
        mu = z.mean(1, keepdim=True)
        var = ((z - mu) ** 2).mean(1, keepdim=True)
        return (z - mu) / torch.sqrt(var + 1e-6) * state[p + ".weight"].view(1, -1, 1, 1) \
            + state[p + ".bias"].view(1, -1, 1, 1)

    def rb(z, p):  # e = expand(z); t = fea(pad_b0(e)); reduce(t + e) + z
        b0 = state[p + ".expand_conv.bias"].view(1, -1, 1, 1)
        e = F.conv2d(z, state[p + ".expand_conv.weight"], state[p + ".expand_conv.bias"])
        e_pad = F.pad(e - b0, (1, 1, 1, 1)) + b0
        t = F.conv2d(e_pad, state[p + ".fea_conv.weight"], state[p + ".fea_conv.bias"])
        return F.conv2d(t + e, state[p + ".reduce_conv.weight"], state[p + ".reduce_conv.bias"]) + z

    h = F.conv2d(F.pixel_unshuffle(x, 2), state["head.0.weight"], state["head.0.bias"], padding=1)
    for i in range(4):
        h = F.gelu(rb(layer_norm_2d(h, f"body.{i}.norm"), f"body.{i}.conv1"))
    h = rb(layer_norm_2d(h, "tail.0"), "tail.1")
    h = F.conv2d(h, state["upsample.0.weight"], state["upsample.0.bias"], padding=1)
    return F.pixel_shuffle(h, 2 * scale)


@pytest.mark.parametrize("scale", [2, 3])
def test_converted_weights_match_an_independent_torch_forward(scale):
    path = checkpoint(scale)
    torch, state = _torch_state(path)
    model = load_rt4ksr_torch(path)  # scale inferred from the checkpoint
    deploy = reparameterize(model)
    assert (model.count_params(), deploy.count_params()) == COUNTS[scale]
    assert model.output_shape == (None, None, None, 3)
    for name, crop in (("butterfly", np.s_[:, :]), ("woman", np.s_[40:200, :])):
        img = (set5_image(name)[crop] / 255.0).astype(np.float32)  # real photos as LR input
        expected = reference_forward(torch, state, torch.from_numpy(img).permute(2, 0, 1)[None].double(),
                                     scale)[0].permute(1, 2, 0).numpy()
        assert expected.shape == (img.shape[0] * scale, img.shape[1] * scale, 3)
        for keras_model in (model, deploy):
            got = np.asarray(keras_model(img[None]))[0]
            assert np.abs(got - expected).max() < 1e-4, (name, keras_model.name)


def test_checkpoint_scale_mismatch_and_foreign_checkpoint(tmp_path):
    path = checkpoint(2)
    torch, state = _torch_state(path)
    with pytest.raises(ValueError, match=r"rt4ksr_x2.pth: checkpoint is for scale 2, not the requested 3"):
        load_rt4ksr_torch(path, scale=3)
    foreign = tmp_path / "foreign.pth"
    torch.save({"state_dict": {"module.conv.weight": torch.zeros(3, 3, 3, 3)}}, foreign)
    with pytest.raises(ValueError, match="foreign.pth: not an RT4KSR checkpoint"):
        load_rt4ksr_torch(foreign)


@pytest.mark.parametrize("scale", [2, 3])
def test_set5_psnr_of_the_converted_models(scale):
    from keras_sr.data import matlab_imresize, psnr_y

    _torch_state(checkpoint(scale))  # fails without torch
    model = reparameterize(load_rt4ksr_torch(checkpoint(scale), scale=scale))
    psnrs = []
    for name in ("baby", "bird", "butterfly", "head", "woman"):
        hr = set5_image(name)
        m = 2 * scale  # HR crop so that the LR is even (RT4KSR's pixel-unshuffle by 2)
        hr = hr[:hr.shape[0] - hr.shape[0] % m, :hr.shape[1] - hr.shape[1] % m]
        lr = matlab_imresize(hr, 1 / scale)  # uint8 in, uint8 out, as MATLAB
        sr = model.predict(lr[None].astype(np.float32) / 255.0, verbose=0)[0]
        sr = np.clip(np.round(sr * 255.0), 0, 255).astype(np.uint8)
        psnrs.append(psnr_y(sr, hr, shave=scale))
    assert abs(np.mean(psnrs) - SET5_PSNR_Y[scale]) <= 0.05, psnrs
