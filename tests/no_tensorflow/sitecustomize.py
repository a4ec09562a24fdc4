"""On PYTHONPATH, makes this Python behave as if TensorFlow were not installed: a meta-path
finder raises ImportError for ``tensorflow`` (and ``tensorboard``, ``tf2onnx``, ``tf_keras``)
and ``importlib.util.find_spec`` of them fails (tests/test_training_backends.py and
tests/test_train_zoo_jax.py run training in such a process)."""

import sys

HIDDEN = {"tensorflow", "tensorboard", "tf_keras", "tf2onnx"}


class _HideTensorFlow:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by tests/no_tensorflow)", name=name)
        return None


sys.meta_path.insert(0, _HideTensorFlow())
