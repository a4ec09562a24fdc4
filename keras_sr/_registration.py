"""What ``import keras_sr`` does first: register every serializable keras-sr class.

Keras finds the classes of a ``.keras`` file (``keras_sr>PixelUnshuffle``,
``keras_sr>PixelLoss``, ``keras_sr>SRGAN``, ...) only among registered objects, so every
file keras-sr writes opens with ``keras.saving.load_model(path, safe_mode=True)`` after a
plain ``import keras_sr`` only if importing the package registers them all. That imports
Keras (and TensorFlow under the TF backend); the ``keras-sr`` command line hides
TensorFlow's native start-up log lines while it does (:func:`quiet_stderr`).
"""

import contextlib
import importlib
import os
import sys

# Modules whose import registers serializable classes (register_keras_serializable).
SERIALIZABLE_MODULES = ("keras_sr.layers", "keras_sr.data.metrics", "keras_sr.training.losses",
                        "keras_sr.training.multiscale", "keras_sr.training.srgan")


@contextlib.contextmanager
def quiet_stderr(quiet=True):
    """Park file descriptor 2 on /dev/null inside the block (native C++ log lines included).

    TF 2.21 prints oneDNN/absl notices from C++ before its log level applies, so parking
    fd 2 is the only way to keep them off a command-line user's terminal.
    """
    if not quiet:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


# Lines TensorFlow / LiteRT write straight to file descriptor 2 from C++ while a verb runs
# (converter, interpreter, oneDNN): noise for a command-line user, whatever the log level.
NATIVE_NOISE = (b"oneDNN supports DT_UINT8 only", b"Created TensorFlow Lite XNNPACK delegate",
                b"fully_quantize: ", b"All log messages before absl::InitializeLog()",
                b"cpu_feature_guard.cc", b"rebuild TensorFlow with the appropriate compiler flags")


@contextlib.contextmanager
def filtered_stderr(active=True, noise=NATIVE_NOISE):
    """Inside the block, lines written to file descriptor 2 that contain one of ``noise`` are
    dropped; every other line reaches stderr as it is written (a pipe and a reader thread)."""
    if not active:
        yield
        return
    import threading

    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to filter (closed file descriptor 2)
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump():
        with os.fdopen(read_end, "rb") as source:
            for line in source:
                if not any(pattern in line for pattern in noise):
                    os.write(saved, line)

    reader = threading.Thread(target=pump, name="keras-sr-stderr", daemon=True)
    reader.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last writer closes: the reader sees its end
        reader.join(timeout=5)
        if not reader.is_alive():
            os.close(saved)


def _is_cli():
    argv = list(getattr(sys, "orig_argv", sys.argv))
    if os.path.basename(sys.argv[0] or "") in ("keras-sr", "keras-sr.exe"):
        return True
    return any(a == "-m" and b in ("keras_sr.cli", "keras_sr.cli.__main__") for a, b in zip(argv, argv[1:]))


def started_as_cli():
    """True when this process is the ``keras-sr`` command (console script or
    ``python -m keras_sr.cli``) without ``--debug``."""
    return _is_cli() and "--debug" not in list(getattr(sys, "orig_argv", sys.argv))


BACKENDS = ("tensorflow", "jax", "torch")


def backend_from_argv():
    """``keras-sr train --backend NAME``: set ``KERAS_BACKEND`` before Keras is imported (the
    first thing ``import keras_sr`` does). Returns the name, or ``None`` without the flag."""
    if not _is_cli():
        return None
    argv = sys.argv[1:]
    for i, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--backend=") else (
            argv[i + 1] if arg == "--backend" and i + 1 < len(argv) else None)
        if value in BACKENDS:  # anything else: the parser refuses it with its usage line
            os.environ["KERAS_BACKEND"] = value
            return value
    return None


def register_all(quiet=False):
    """Import every module that registers serializable classes (with fd 2 parked if ``quiet``)."""
    backend_from_argv()
    if quiet:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a user's own setting wins
    with quiet_stderr(quiet):
        try:
            import keras  # noqa: F401
        except ImportError as exc:
            raise ImportError("Keras 3 with a backend is needed: pip install 'keras-sr[cpu]' "
                              "(or 'keras-sr[gpu]' on an NVIDIA machine)") from exc
        for name in SERIALIZABLE_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                # Training and the data pipeline need TensorFlow; on a JAX/PyTorch-only install
                # the layers still register (models build and load), training classes do not.
                if exc.name != "tensorflow" or name == "keras_sr.layers":
                    raise
