"""Training under tf.distribute.MirroredStrategy on two logical CPU devices (in a subprocess:
the devices must be set before TensorFlow initialises)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def test_mirrored_strategy_matches_one_device(tmp_path):
    out = tmp_path / "result.json"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, str(root / "tests" / "_distributed_check.py"), str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["replicas"] == 2
    # Plain training: the same losses step by step and the same weights as one device on the
    # same global batch (each replica's loss is divided by the replica count, gradients summed).
    np.testing.assert_allclose(result["plain_two"], result["plain_one"], rtol=1e-5)
    assert result["plain_one"][-1] < result["plain_one"][0]
    assert result["weights_max_diff"] < 1e-5
    # SRGAN: the GAN step runs under the strategy and updates both networks; its losses are
    # reduced over the global batch (inference-mode losses equal one device's). Training-mode
    # steps differ from one device here: built by hand, BatchNorm uses per-replica batch statistics
    # (train() synchronizes it; tests/test_training_multiworker.py checks SRGAN weights to 1e-5).
    assert result["gan_changed"] == [True, True]
    assert all(np.isfinite(v) for v in result["gan_two"].values())
    for key in ("d_loss", "g_loss", "content_loss", "adversarial_loss", "psnr"):
        assert np.isclose(result["gan_eval_two"][key], result["gan_eval_one"][key], rtol=1e-4), key
    # MDSR: one scale per global batch; the same weights as one device, and a x4 step changes
    # the shared modules and x4's own only (not x2/x3's, not even through Adam's moments).
    assert result["ms_steps_two"] == result["ms_steps_one"] == 4
    assert result["ms_max_diff"] < 1e-5
    assert result["ms_changed_two"] == result["ms_changed_one"]
    assert {"_x4" in p or not any(f"_x{s}" in p for s in (2, 3)) for p, c in result["ms_changed_two"].items()
            if c} == {True}
    assert not any(c for p, c in result["ms_changed_two"].items() if "_x2" in p or "_x3" in p)
