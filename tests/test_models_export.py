"""Every architecture of the zoo, tiny: .keras round trip (safe_mode) and TFLite builtins.

RT4KSR has its own, deeper versions of both in test_models_rt4ksr.py."""

import keras
import numpy as np
import pytest

from keras_sr import models
from tflite_utils import assert_tflite_matches_keras

# (preset, build kwargs, input shape): tiny configs, all scales the graph treats differently
# are covered by the shape tests; here one scale each.
TINY = [
    ("edsr-baseline", {"scale": 3, "num_blocks": 2, "filters": 8}, (1, 8, 10, 3)),
    ("mdsr-baseline", {"scale": 4, "num_blocks": 2, "filters": 8}, (1, 8, 10, 3)),
    ("bicubic", {"scale": 3}, (1, 10, 12, 3)),
    ("srcnn", {"scale": 2, "filters": (6, 4)}, (1, 10, 12, 1)),
    ("rednet10", {"scale": 3, "filters": 6}, (1, 8, 10, 1)),
    ("srdensenet-all", {"num_blocks": 2, "num_layers": 2, "growth_rate": 4, "bottleneck_filters": 6},
     (1, 8, 10, 1)),
    ("srdensenet-hl", {"num_blocks": 2, "num_layers": 2, "growth_rate": 4, "bottleneck_filters": 6},
     (1, 8, 10, 1)),
    ("srresnet", {"scale": 4, "num_blocks": 2, "filters": 8}, (1, 8, 10, 3)),
    ("srgan-discriminator", {"input_size": 32, "filters": 4}, (2, 32, 32, 3)),
]
IDS = [name for name, _, _ in TINY]


def test_every_architecture_is_covered():
    covered = {models.get_preset(name)["arch"] for name in IDS} | {"rt4ksr"}
    assert {models.get_preset(name)["arch"] for name in models.list()} <= covered


def randomized(model, seed=0):
    """Non-trivial weights everywhere (BN statistics and PReLU slopes included)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path:
            w.assign(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            w.assign((np.asarray(w) + 0.1 * rng.standard_normal(shape)).astype("float32"))
    return model


@pytest.mark.parametrize("name,kwargs,shape", TINY, ids=IDS)
def test_keras_save_load_safe_mode(tmp_path, name, kwargs, shape):
    model = randomized(models.build(name, **kwargs))
    x = np.random.default_rng(1).random(shape, dtype="float32")
    expected = model.predict(x, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


@pytest.mark.parametrize("name,kwargs,shape", TINY, ids=IDS)
def test_tflite_builtins_match_keras(name, kwargs, shape):
    model = randomized(models.build(name, **kwargs))
    x = np.random.default_rng(2).random(shape, dtype="float32")
    ops = assert_tflite_matches_keras(model, x, atol=1e-4)
    if name in ("bicubic", "srcnn", "rednet10"):
        # in-graph bicubic: no MIRROR_PAD (GPU delegate: REFLECT only), no resize op
        assert "MIRROR_PAD" not in ops and not any(op.startswith("RESIZE") for op in ops)
        assert "DEPTH_TO_SPACE" in ops
    if name == "rednet10":
        assert "TRANSPOSE_CONV" in ops
    if name == "srresnet":
        assert "PRELU" in ops
