"""The RT4KSR authors' PyTorch checkpoints -> the Keras RT4KSR training form (SPECS §5, §8).

    from keras_sr.convert import load_rt4ksr_torch
    from keras_sr.models.rt4ksr import reparameterize
    model = load_rt4ksr_torch("rt4ksr_x2.pth")      # training form, 152,233 params
    deploy = reparameterize(model)                   # inference form, 44,521 params

Reading a ``.pth`` file needs PyTorch (the ``torch`` extra: ``pip install keras-sr[torch]``);
:func:`rt4ksr_from_state_dict` does the mapping from numpy arrays and needs no torch.

Channel order: PyTorch's PixelUnshuffle/PixelShuffle are "CRD", TF's space_to_depth /
depth_to_space are "DCR" (SPECS §0.3). The head conv's input channels and the upsample
conv's output channels are permuted here, so the Keras graph needs no transposes.
"""

import re
from pathlib import Path

import numpy as np

from keras_sr.models.rt4ksr import rt4ksr

_PREFIX = "module."
_RB_CONVS = {"expand_conv": "expand", "fea_conv": "fea", "reduce_conv": "reduce"}


def dcr_from_crd(channels, block_size):
    """Index map ``p`` with ``tf_tensor[..., k] = torch_tensor[..., p[k]]`` for the channels of a
    space_to_depth output / depth_to_space input of ``channels`` image channels, block ``r``.

    TF "DCR" channel ``(i·r + j)·C + c`` holds PyTorch "CRD" channel ``c·r² + i·r + j``.
    """
    r2 = block_size * block_size
    return (np.arange(channels)[None, :] * r2 + np.arange(r2)[:, None]).ravel()


def _conv_kernel(weight):
    """PyTorch conv weight [O, I, kh, kw] -> Keras kernel [kh, kw, I, O]."""
    return np.transpose(weight, (2, 3, 1, 0))


def _rb_keys(prefix):
    return [f"{prefix}.{conv}.{p}" for conv in _RB_CONVS for p in ("weight", "bias")]


def _expected_keys(num_blocks, high_frequency):
    keys = ["head.0.weight", "head.0.bias", "tail.0.weight", "tail.0.bias",
            *_rb_keys("tail.1"), "upsample.0.weight", "upsample.0.bias"]
    for i in range(num_blocks):
        keys += [f"body.{i}.norm.weight", f"body.{i}.norm.bias", *_rb_keys(f"body.{i}.conv1")]
    if high_frequency is not None:
        keys += ["gamma", *_rb_keys("hfb.0")]
    return keys


def _set_rb(block, state, prefix):
    for torch_name, keras_name in _RB_CONVS.items():
        conv = getattr(block, keras_name)
        conv.set_weights([_conv_kernel(state[f"{prefix}.{torch_name}.weight"]),
                          state[f"{prefix}.{torch_name}.bias"]])


def rt4ksr_from_state_dict(state_dict, scale=None, high_frequency=None, source="state_dict"):
    """Build the Keras RT4KSR (training form) holding the weights of an authors' state dict.

    Args:
        state_dict: ``{name: numpy array}`` of ``RT4KSR_Rep`` in training form, names as in
            the authors' checkpoints (a ``module.`` prefix is dropped).
        scale: expected upscaling factor; ``None`` infers it from ``upsample.0.weight``.
        high_frequency: ``None`` infers ``"unused"`` when the checkpoint holds the branch
            (``hfb.*``, ``gamma``; the released ``forget=False``), else no branch; pass
            ``"gated"`` for a checkpoint trained with ``forget=True``.
        source: what to call the weights in error messages (e.g. the file name).

    Returns:
        ``keras.Model`` from :func:`keras_sr.models.rt4ksr.rt4ksr`, RGB [0, 1] in and out.
    """
    state = {k[len(_PREFIX):] if k.startswith(_PREFIX) else k: np.asarray(v, np.float32)
             for k, v in state_dict.items()}
    if "head.0.weight" not in state or "upsample.0.weight" not in state:
        raise ValueError(f"{source}: not an RT4KSR checkpoint (no head.0.weight / upsample.0.weight; "
                         f"keys: {', '.join(sorted(state)[:8])}{', ...' if len(state) > 8 else ''})")
    num_feats, in_channels = state["head.0.weight"].shape[:2]
    channels = in_channels // 4
    num_blocks = len({m.group(1) for k in state if (m := re.match(r"body\.(\d+)\.", k))})
    if high_frequency is None and any(k.startswith("hfb.") for k in state):
        high_frequency = "unused"
    shuffle_channels = state["upsample.0.weight"].shape[0]
    r = int(round(np.sqrt(shuffle_channels / max(channels, 1))))
    if channels < 1 or in_channels % 4 or r % 2 or channels * r * r != shuffle_channels:
        raise ValueError(f"{source}: head ({in_channels} in) and upsample ({shuffle_channels} out) "
                         f"shapes do not fit RT4KSR's pixel-unshuffle(2) / pixel-shuffle(2·scale)")
    found_scale = r // 2
    if scale is not None and scale != found_scale:
        raise ValueError(f"{source}: checkpoint is for scale {found_scale}, not the requested {scale}")

    expected = set(_expected_keys(num_blocks, high_frequency))
    missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unexpected:
        raise ValueError(f"{source}: not an RT4KSR training-form checkpoint of the expected layout "
                         f"(C={num_feats}, N={num_blocks}, high_frequency={high_frequency!r}); "
                         f"missing keys: {missing or 'none'}; unexpected keys: {unexpected or 'none'}")

    model = rt4ksr(found_scale, num_feats=int(num_feats), num_blocks=num_blocks,
                   high_frequency=high_frequency, channels=int(channels),
                   name=f"rt4ksr_x{found_scale}")
    head_kernel = _conv_kernel(state["head.0.weight"])[:, :, dcr_from_crd(channels, 2), :]
    model.get_layer("head").set_weights([head_kernel, state["head.0.bias"]])
    for i in range(num_blocks):
        model.get_layer(f"body{i}_norm").set_weights(
            [state[f"body.{i}.norm.weight"], state[f"body.{i}.norm.bias"]])
        _set_rb(model.get_layer(f"body{i}_conv"), state, f"body.{i}.conv1")
    if high_frequency is not None:
        gate = model.get_layer("hf_gate")
        _set_rb(gate.block, state, "hfb.0")
        gate.gamma.assign(state["gamma"].reshape(1))
    model.get_layer("tail_norm").set_weights([state["tail.0.weight"], state["tail.0.bias"]])
    _set_rb(model.get_layer("tail_conv"), state, "tail.1")
    out_perm = dcr_from_crd(channels, r)
    model.get_layer("upsample_conv").set_weights(
        [_conv_kernel(state["upsample.0.weight"])[..., out_perm], state["upsample.0.bias"][out_perm]])
    return model


def read_torch_state_dict(path):
    """``{name: numpy array}`` from a PyTorch checkpoint (its ``state_dict`` entry if it has one)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"RT4KSR checkpoint not found: {path}")
    try:
        import torch
    except ImportError as err:
        raise ImportError(f"reading {path} needs PyTorch: pip install keras-sr[torch] "
                          f"(or pip install torch)") from err
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickle / zip errors differ between torch versions
        raise ValueError(f"{path}: not a readable PyTorch checkpoint ({err})") from err
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ValueError(f"{path}: no state dict of tensors in the checkpoint")
    return {k: v.detach().cpu().numpy() for k, v in state.items()}


def load_rt4ksr_torch(path, scale=None, high_frequency=None):
    """Load an RT4KSR authors' checkpoint (e.g. ``rt4ksr_x2.pth``) as a Keras training-form model.

    Args:
        path: the ``.pth`` file (``{"state_dict": {"module.head.0.weight": ...}, ...}``).
        scale: expected scale (error naming the file when the checkpoint differs);
            ``None`` infers it.
        high_frequency: see :func:`rt4ksr_from_state_dict`.

    Returns:
        ``keras.Model`` (training form; :func:`keras_sr.models.rt4ksr.reparameterize` gives the
        deploy form). RGB in [0, 1] in and out, H and W even.
    """
    return rt4ksr_from_state_dict(read_torch_state_dict(path), scale=scale,
                                  high_frequency=high_frequency, source=str(path))
