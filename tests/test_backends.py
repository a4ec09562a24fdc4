"""Models are written with keras.ops only, so they run on other Keras backends too.

PyTorch: builds tiny EDSR and MDSR on TensorFlow, saves the weights, then rebuilds them in
a subprocess on the PyTorch backend and checks the outputs agree.
JAX: one subprocess on the JAX backend builds every preset (paper configuration; EDSR and
MDSR with 2 blocks) and
predicts a small image with it, and runs the shipped RT4KSR x2 and EDSR-baseline x2 on a
photo crop, which must agree with TensorFlow within 1e-5 (RT4KSR's lean export graph too).

torch and jax are in the ``test`` extra (``pip install -e ".[cpu,test]"``): these tests
import them and fail, never skip, when they are missing.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_sr import models, presets

CASES = [("edsr-baseline", {"scale": 3, "num_blocks": 2, "filters": 8}),
         ("mdsr-baseline", {"scale": 4, "num_blocks": 2, "filters": 8})]

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import keras
    assert keras.backend.backend() == "torch", keras.backend.backend()
    from keras_sr import models
    name, kwargs, weights, x_path, out_path = json.loads(sys.argv[1])
    model = models.build(name, **kwargs)
    model.load_weights(weights)
    y = model.predict(np.load(x_path), verbose=0)
    np.save(out_path, y)
""")


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_same_output_on_torch_backend(tmp_path, name, kwargs):
    import torch  # noqa: F401  (the test extra has it: a missing torch fails, never skips)

    model = models.build(name, **kwargs)
    weights = str(tmp_path / "w.weights.h5")
    model.save_weights(weights)
    x = np.random.default_rng(0).random((1, 9, 11, 3), dtype="float32")
    np.save(tmp_path / "x.npy", x)
    expected = model.predict(x, verbose=0)
    args = json.dumps([name, kwargs, weights, str(tmp_path / "x.npy"), str(tmp_path / "y.npy")])
    env = {**os.environ, "KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, args], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected, atol=1e-4)


JAX_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import keras
    assert keras.backend.backend() == "jax", keras.backend.backend()
    from keras_sr import models, presets
    out_dir, x_path = sys.argv[1], sys.argv[2]
    small = {"edsr": {"num_blocks": 2}, "mdsr": {"num_blocks": 2}}  # the same layers, 40x fewer weights
    shapes = {}
    for name in models.list():
        scales = models.supported_scales(name)
        kw = small.get(name, {})
        if not scales:  # the SRGAN discriminator: a 96 px HR patch -> one logit
            model, x = models.build(name), np.full((1, 96, 96, 3), 0.5, "float32")
        else:
            scale = None if models.is_multi_scale(name) else scales[0]
            model = models.build(name, scale=scale, **kw)
            x = np.full((1, 8, 8, model.input_shape[-1]), 0.5, "float32")
        y = model.predict(x, verbose=0)
        ys = y if isinstance(y, list) else [y]
        assert all(np.isfinite(np.asarray(v)).all() for v in ys), name
        shapes[name] = [list(np.shape(v)) for v in ys]
        keras.backend.clear_session()
    x = np.load(x_path)
    for name in ("rt4ksr", "edsr-baseline"):
        model = presets.from_preset(name, scale=2, weights="default")
        np.save(f"{out_dir}/{name}.npy", np.asarray(model.predict(x, verbose=0)))
    from keras_sr.models.rt4ksr_lean import lean_form
    lean = lean_form(presets.from_preset("rt4ksr", scale=2, weights="default"), 32)
    np.save(f"{out_dir}/rt4ksr-lean.npy", np.asarray(lean.predict(x, verbose=0)))
    print(json.dumps(shapes))
""")


def test_every_preset_and_the_shipped_weights_on_jax(tmp_path):
    import jax  # noqa: F401  (the test extra has it: a missing jax fails, never skips)
    from skimage import data as skdata

    x = (skdata.chelsea()[100:148, 150:214].astype("float32") / 255.0)[None]  # a 48x64 photo crop
    np.save(tmp_path / "x.npy", x)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, "-c", JAX_SCRIPT, str(tmp_path), str(tmp_path / "x.npy")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shapes = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(shapes) == set(models.list())
    assert shapes["edsr"] == [[1, 16, 16, 3]] and shapes["mdsr"] == [[1, 16, 16, 3], [1, 24, 24, 3], [1, 32, 32, 3]]
    assert shapes["srcnn"] == [[1, 16, 16, 1]] and shapes["srgan-discriminator"] == [[1, 1]]
    for name in ("rt4ksr", "edsr-baseline", "rt4ksr-lean"):  # the lean export graph runs there too
        expected = presets.from_preset(name.replace("-lean", ""), scale=2, weights="default").predict(x, verbose=0)
        on_jax = np.load(tmp_path / f"{name}.npy")
        assert on_jax.shape == expected.shape == (1, 96, 128, 3)
        np.testing.assert_allclose(on_jax, expected, atol=1e-5, rtol=0, err_msg=name)
