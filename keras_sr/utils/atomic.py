"""Write outputs so that a reader never sees half a file: temp file in the same folder + rename.

Every file keras-sr writes (images, JSON, TFLite, SavedModel folders, run files) goes through here."""

import contextlib
import errno
import io
import os
import shutil
import tempfile

_FULL = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(OSError):
    """No space left (or quota exceeded) while writing ``path``: one line naming it."""

    def __init__(self, path, hint=""):
        self.path = os.fspath(path)
        try:
            free = f" ({shutil.disk_usage(os.path.dirname(os.path.abspath(self.path)) or '.').free // 1024} KiB free)"
        except OSError:
            free = ""
        super().__init__(errno.ENOSPC, f"no space left on device writing {self.path}{free}{hint}")

    def __str__(self):
        return self.strerror


def is_disk_full(exc):
    """True when ``exc`` (or an exception it was raised from) says the disk or quota is full:
    an ``OSError`` with ENOSPC/EDQUOT, or h5py's / TensorFlow's text for it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL:
            return True
        text = str(exc)
        if "No space left on device" in text or "errno = 28" in text or "Disk quota exceeded" in text:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextlib.contextmanager
def naming_disk_full(path, hint=""):
    """Inside the block, a full disk raises :class:`DiskFullError` naming ``path``."""
    try:
        yield
    except DiskFullError:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise DiskFullError(path, hint) from exc
        raise


def check_writable(path, overwrite):
    """Raise ``FileExistsError`` when ``path`` exists and ``overwrite`` is False."""
    if os.path.lexists(path) and not overwrite:
        raise FileExistsError(f"{path} exists; pass --overwrite (overwrite=True) to replace it")


def write_bytes(path, data, overwrite=False):
    """Write ``data`` to ``path`` atomically (``os.replace`` of a temp file beside it)."""
    check_writable(path, overwrite)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with naming_disk_full(path):
        _write_new(path, folder, data)


def _write_new(path, folder, data):
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
        with naming_disk_full(path):
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
    A process killed mid-save leaves the previous file (or none), never half a model; a full
    disk raises :class:`DiskFullError` naming ``path``.

    A ``.weights.h5`` file is made in memory and written with :func:`write_bytes`: h5py
    writing straight to a full disk floods stderr with one traceback per buffer it cannot
    flush and can crash the process at exit."""
    if weights_only:
        data = _weights_bytes(model)
        if data is not None:
            write_bytes(path, data, overwrite=True)
            return
    with replaced_file(path) as tmp:
        (model.save_weights if weights_only else model.save)(tmp)


@contextlib.contextmanager
def replaced_file(path):
    """Yield a temporary path beside ``path`` (same ending) for a writer that needs a file name;
    on success it replaces ``path`` (``os.replace``), on any failure it is removed. A full disk
    raises :class:`DiskFullError` naming ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + os.path.basename(path), dir=folder)
    os.close(fd)
    try:
        with naming_disk_full(path):
            yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _weights_bytes(model):
    """``model.save_weights``'s ``.weights.h5`` content as bytes, made in memory (Keras'
    own H5 store on a ``BytesIO``); ``None`` where this Keras has no such store."""
    try:
        from keras.src.saving import saving_lib

        buffer = io.BytesIO()
        store = saving_lib.H5IOStore(buffer, mode="w")
        saving_lib._save_state(model, weights_store=store, assets_store=None, inner_path="",  # noqa: SLF001
                               visited_saveables=set())
        store.close()
    except (ImportError, AttributeError, TypeError):
        return None
    return buffer.getvalue()
