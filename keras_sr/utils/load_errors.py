"""What went wrong loading a model or weights file, in one line that says it truly.

Keras and h5py describe a damaged file in misleading words ("File not found" for a ``.keras``
file that exists but is not a zip archive; a truncated ``.weights.h5`` looks like weights of
another architecture), and bury the cause of a refused ``.keras`` file ("Could not locate
function 'system'") under several generic "could not be deserialized" paragraphs. These
helpers check a file before it loads and dig the cause out of the exception after.
"""

import os
import zipfile


def _size(path):
    try:
        return f"{os.path.getsize(path)} bytes"
    except OSError:
        return "unreadable"


def keras_file_problem(path):
    """Why ``path`` (an existing file) cannot be a ``.keras`` model, or ``None`` when it may be one."""
    if os.path.isdir(path):
        return f"model file {path} is a folder, not a .keras file"
    try:
        if not zipfile.is_zipfile(path):
            return (f"model file {path} exists but is not a .keras archive (damaged, truncated or another "
                    f"format; {_size(path)})")
    except OSError as exc:
        return f"model file {path} cannot be read: {exc.strerror or exc}"
    return None


def keras_load_cause(exc):
    """The cause of a ``keras.saving.load_model`` failure: the innermost "Exception
    encountered:" of Keras' nested deserialization message (or of the exception chain), first
    sentence only."""
    deepest = exc
    seen = set()
    while deepest.__cause__ is not None or deepest.__context__ is not None:
        if id(deepest) in seen:
            break
        seen.add(id(deepest))
        deepest = deepest.__cause__ or deepest.__context__
    text = str(deepest).strip() or str(exc).strip()
    if "Exception encountered:" in text:
        text = text.rsplit("Exception encountered:", 1)[1].strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    return first.split(". ")[0].rstrip(".")


def weights_file_problem(path):
    """Why ``path`` (an existing file) cannot be a ``.weights.h5`` file, or ``None``."""
    try:
        import h5py
    except ImportError:
        return None
    try:
        with h5py.File(path, "r"):
            pass
    except OSError as exc:
        text = str(exc)
        why = "truncated" if "truncated" in text else "damaged or not HDF5"
        detail = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        return f"weights file {path} is {why} ({_size(path)}): it cannot be opened ({detail})"
    return None


def savedmodel_signature(path, fn):
    """``(input key, input spec)`` of a SavedModel's ``serve`` function: one float image input
    ``(batch, height, width, channels)``. Raises ``ValueError`` saying what was expected."""
    inputs = fn.structured_input_signature[1]
    expected = ("keras-sr runs a 'serve' signature with one float32 input of shape (batch, height, width, "
                "channels) and one output, as `keras-sr export --formats savedmodel` writes")
    if len(inputs) != 1 or len(fn.structured_outputs) != 1:
        raise ValueError(f"SavedModel {path}: its 'serve' signature has {len(inputs)} input(s) "
                         f"({', '.join(sorted(inputs)) or 'none'}) and {len(fn.structured_outputs)} output(s); "
                         f"{expected}")
    (key, spec), = inputs.items()
    if spec.shape.rank != 4 or spec.shape[-1] not in (1, 3) or not spec.dtype.is_floating:
        raise ValueError(f"SavedModel {path}: its 'serve' input {key!r} is {spec.dtype.name} {spec.shape}; "
                         f"{expected}")
    return key, spec
