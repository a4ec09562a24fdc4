"""Every recipe kind trains on JAX and PyTorch too (#24): SRGAN's adversarial step and MDSR's
per-batch scale run through ``keras_sr.training.train`` in fresh processes, the JAX one where
``import tensorflow`` fails (tests/no_tensorflow/sitecustomize.py: the numpy input pipeline,
no TensorFlow anywhere); their losses fall and TensorFlow opens the files they write."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    from skimage import data as skdata

    from keras_sr.data import write_image

    folder = tmp_path_factory.mktemp("hr")
    for i, img in enumerate((skdata.astronaut(), skdata.coffee(), skdata.chelsea())):
        write_image(str(folder / f"p{i}.png"), img[100:164, 100:164])
    return folder


def run_backend(backend, data, out, hide_tensorflow):
    path = [str(ROOT / "tests" / "no_tensorflow")] if hide_tensorflow else []
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": os.pathsep.join(path + [str(ROOT)])}
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "_backend_run.py"), str(data), str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.parametrize("backend, hide_tensorflow", [("jax", True), ("torch", False)])
def test_gan_and_multiscale_train_on_backend(backend, hide_tensorflow, photos, tmp_path):
    pytest.importorskip(backend)
    report = run_backend(backend, photos, tmp_path, hide_tensorflow)
    assert report["backend"] == backend and report["tensorflow"] is not hide_tensorflow
    assert report["srgan"]["pixel_loss"][-1] < report["srgan"]["pixel_loss"][0]
    assert report["srgan"]["g_loss"][-1] < report["srgan"]["g_loss"][0]
    assert report["mdsr"][-1] < report["mdsr"][0]
    config = json.loads((tmp_path / "mdsr" / "config.json").read_text())
    assert config["backend"] == backend and config["input"] == ("numpy" if hide_tensorflow else "tf")
    # the files open here (TensorFlow, the verbs' backend) and upscale
    lr = np.random.default_rng(0).random((1, 12, 12, 3)).astype("float32")
    generator = keras.saving.load_model(report["files"][0], safe_mode=True)
    assert generator(lr).shape == (1, 24, 24, 3)
    mdsr = keras.saving.load_model(report["files"][1], safe_mode=True)
    assert [tuple(o.shape[1:3]) for o in mdsr(lr)] == [(24, 24), (36, 36)]
    assert (tmp_path / "srgan" / "checkpoints" / "final_discriminator.keras").is_file()
