"""Every recipe kind trains on JAX and PyTorch too (#24): SRGAN's adversarial step and MDSR's
per-batch scale run through ``keras_sr.training.train`` in fresh processes, the JAX one where
``import tensorflow`` fails (tests/no_tensorflow/sitecustomize.py: the numpy input pipeline,
no TensorFlow anywhere); their losses fall and TensorFlow opens the files they write. From one
saved initialisation on the same numpy batches, an EDSR run on JAX and on PyTorch takes the
steps TensorFlow takes (#24 item 3), and JAX compiles its step by default (``jax.jit``)."""

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


# EDSR-baseline (tiny) from one saved initialisation, 4 updates of the same numpy batches
SAME_START = dict(input="numpy", epochs=4, steps_per_epoch=1, verbose=0, pictures=0, tensorboard=False,
                  learning_rate=1e-3, batch_size=2, patch_size=8, model_overrides={"num_blocks": 1, "filters": 8})


@pytest.fixture(scope="module")
def tensorflow_run(photos, tmp_path_factory):
    """The initialisation (built once here) and TensorFlow's run from it."""
    from keras_sr import models, training

    assert keras.backend.backend() == "tensorflow"
    folder = tmp_path_factory.mktemp("same-start")
    keras.utils.set_random_seed(1)
    init = folder / "init.weights.h5"
    models.build("edsr-baseline", scale=2, **SAME_START["model_overrides"]).save_weights(str(init))
    result = training.train("edsr-baseline", 2, str(photos), out=folder / "tf", init_weights=str(init), **SAME_START)
    return init, result


def run_backend(backend, data, out, hide_tensorflow, same_start=None):
    path = [str(ROOT / "tests" / "no_tensorflow")] if hide_tensorflow else []
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": os.pathsep.join(path + [str(ROOT)])}
    extra = [json.dumps({"init": str(same_start), "settings": SAME_START})] if same_start else []
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "_backend_run.py"), str(data), str(out)] + extra,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line.removeprefix("RESULT "))


@pytest.mark.parametrize("backend, hide_tensorflow", [("jax", True), ("torch", False)])
def test_gan_and_multiscale_train_on_backend(backend, hide_tensorflow, photos, tmp_path, tensorflow_run):
    pytest.importorskip(backend)
    init, reference = tensorflow_run
    report = run_backend(backend, photos, tmp_path, hide_tensorflow, same_start=init)
    assert report["backend"] == backend and report["tensorflow"] is not hide_tensorflow
    assert report["srgan"]["pixel_loss"][-1] < report["srgan"]["pixel_loss"][0]
    assert report["srgan"]["g_loss"][-1] < report["srgan"]["g_loss"][0]
    assert report["mdsr"][-1] < report["mdsr"][0]
    config = json.loads((tmp_path / "mdsr" / "config.json").read_text())
    assert config["backend"] == backend and config["input"] == ("numpy" if hide_tensorflow else "tf")
    # JAX compiles the step by default (jax.jit; eager JAX runs it op by op), PyTorch stays eager
    assert config["jit_compile"] is (backend == "jax")
    # the same start and batches: the same losses and weights as TensorFlow's run, step after step
    np.testing.assert_allclose(report["edsr"]["loss"], reference["history"]["loss"], rtol=1e-5)
    ours = keras.saving.load_model(report["edsr"]["final"], safe_mode=True).get_weights()
    theirs = keras.saving.load_model(reference["final_model"], safe_mode=True).get_weights()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # the files open here (TensorFlow, the verbs' backend) and upscale
    lr = np.random.default_rng(0).random((1, 12, 12, 3)).astype("float32")
    generator = keras.saving.load_model(report["files"][0], safe_mode=True)
    assert generator(lr).shape == (1, 24, 24, 3)
    mdsr = keras.saving.load_model(report["files"][1], safe_mode=True)
    assert [tuple(o.shape[1:3]) for o in mdsr(lr)] == [(24, 24), (36, 36)]
    assert (tmp_path / "srgan" / "checkpoints" / "final_discriminator.keras").is_file()
