"""Run in a fresh process by tests/test_training_backends.py (KERAS_BACKEND set by the test):
tiny SRGAN, MDSR and (given a start) EDSR runs through ``keras_sr.training.train``; prints one JSON
line with the per-epoch losses, the backend, whether TensorFlow was importable and the files."""

import json
import sys

import keras

from keras_sr import training

data, out = sys.argv[1], sys.argv[2]
same_start = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None  # {"init": FILE, "settings": {...}}
report = {"backend": keras.backend.backend(), "tensorflow": True}
try:
    import tensorflow  # noqa: F401
except ImportError:
    report["tensorflow"] = False

common = dict(epochs=3, steps_per_epoch=3, verbose=0, pictures=0, learning_rate=1e-3, batch_size=2, patch_size=8)
keras.utils.set_random_seed(0)
content = training.losses.vgg19_content_model(None, "block1_conv2")  # random and tiny: test only
gan = training.train("srgan", 2, data, out=f"{out}/srgan", content_model=content, pixel_weight=1.0,
                     model_overrides={"num_blocks": 1, "filters": 8},
                     discriminator_overrides={"filters": 4}, **common)
mdsr = training.train("mdsr-baseline", 2, data, out=f"{out}/mdsr", scales=[2, 3],
                      model_overrides={"num_blocks": 1, "filters": 8}, **common)
report["srgan"] = {k: gan["history"][k] for k in ("g_loss", "d_loss", "pixel_loss")}
report["mdsr"] = mdsr["history"]["loss"]
report["files"] = [gan["final_model"], mdsr["final_model"]]
if same_start is not None:  # EDSR from the test's weights on the numpy batches (compared with TensorFlow's run)
    edsr = training.train("edsr-baseline", 2, data, out=f"{out}/edsr", init_weights=same_start["init"],
                          **same_start["settings"])
    report["edsr"] = {"loss": edsr["history"]["loss"], "final": edsr["final_model"]}
print("RESULT " + json.dumps(report))
