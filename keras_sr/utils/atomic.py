"""Write outputs so that a reader never sees half a file: temp file in the same folder + rename.

Every file keras-sr writes (images, JSON, TFLite, SavedModel folders, run files) goes through here."""

import contextlib
import os
import shutil
import tempfile


def check_writable(path, overwrite):
    """Raise ``FileExistsError`` when ``path`` exists and ``overwrite`` is False."""
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite (overwrite=True) to replace it")


def write_bytes(path, data, overwrite=False):
    """Write ``data`` to ``path`` atomically (``os.replace`` of a temp file beside it)."""
    check_writable(path, overwrite)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the mode open() would
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path, text, overwrite=False):
    write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


@contextlib.contextmanager
def atomic_dir(path, overwrite=False):
    """Yield a temp folder beside ``path``; on success it replaces ``path`` (a rename).

    On an exception the temp folder is removed and ``path`` is left as it was.
    """
    check_writable(path, overwrite)
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=parent)
    try:
        yield tmp
        if os.path.lexists(path):
            old = tempfile.mkdtemp(prefix=".old-", dir=parent)
            os.rename(path, os.path.join(old, "x"))
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save_model(model, path, weights_only=False):
    """``model.save(path)`` (``.keras``) or ``model.save_weights(path)`` (``.weights.h5``)
    atomically: Keras writes a temp file beside ``path`` (same ending), then ``os.replace``.
    A process killed mid-save leaves the previous file (or none), never half a model."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=folder)
    os.close(fd)
    try:
        (model.save_weights if weights_only else model.save)(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
