"""On PYTHONPATH, makes this Python behave as if TensorFlow were not installed: ``import
tensorflow`` raises ImportError and ``importlib.util.find_spec("tensorflow")`` is None
(tests/test_training_backends.py runs training in such a process)."""

import sys

for _name in ("tensorflow", "tensorboard", "tf_keras", "tf2onnx"):
    sys.modules[_name] = None  # the import system's "not importable" marker
