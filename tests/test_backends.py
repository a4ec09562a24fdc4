"""Models are written with keras.ops only, so they run on other Keras backends too.

Builds tiny EDSR and MDSR on TensorFlow, saves the weights, then rebuilds them in a
subprocess on the PyTorch backend and checks the outputs agree. Runs when torch is
installed (CI installs it); skipped with the reason otherwise.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_sr import models

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
    pytest.importorskip("torch", reason="the PyTorch backend needs torch (pip install torch)")
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
