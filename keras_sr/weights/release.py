"""Ship trained weights: the one writer of a ``.weights.h5`` file, its model card and its ``index.json``
entries (what :data:`keras_sr.weights.SHIPPED` reads and ``keras_sr.from_preset`` loads).

    from keras_sr.weights.release import write_release
    write_release(model, "edsr-baseline", {2: {"set5": {"psnr": 37.29, "ssim": 0.9581}, "steps": 11050}},
                  card=lambda f: f"# EDSR-baseline x2\\n\\n`{f['file']}`, SHA-256 `{f['sha256']}`\\n",
                  train_config={"variant": "fast"})

Every shipping path (``benchmarks/ship_weights.py``, ``ship_restoration_weights.py``,
``ship_jax_campaign.py``) calls :func:`write_release`; it imports no model code (it takes a built
model or a file), so it sits above ``keras_sr.models`` like the rest of ``keras_sr.weights``.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

from keras_sr.utils import atomic

INDEX_NAME = "index.json"


def write_release(weights, preset, metadata, card, *, build=None, train_config=None, training_form=None,
                  figures=None, stem=None, dest=None, float16=False):
    """Write a weights file, its model card and its index entries (one per scale) into ``dest``.

    Everything is made in memory first (the card names the file's size and SHA-256); then each
    file is written atomically (no half-written file), ``index.json`` last: until it is written
    the index still names the old file's SHA-256, so a crash in between leaves a file that
    :func:`keras_sr.weights.weights_path` refuses as damaged, never a silently wrong entry.

    Args:
        weights: a ``keras.Model`` (its ``save_weights``) or the path of a ``.weights.h5`` file.
        preset: the preset the file loads into (``keras_sr.from_preset(preset, scale)``).
        metadata: ``{scale: {field: value}}``: one index entry per scale (MDSR: one file for
            x2/x3/x4), with these fields after the ones written here (``preset``, ``scale``,
            ``file``, ``build``, ``sha256``, ``card``, ``train_config``, ``training_form``), e.g.
            ``set5`` (the measured figures), ``steps``, ``train_seconds``, ``date``, ``checkpoint``.
        card: the model card (Markdown): a ``str``, or ``card(info) -> str`` with ``info`` =
            ``{"file", "size", "sha256", "stem"}`` of the weights file as written.
        build: the builder options the file needs (``{"deploy": True}``, ``{"multiscale": True}``).
        train_config: the run's recipe overrides, written as ``{stem}.train.json`` (``None``: none).
        training_form: a trainable form (a ``keras.Model`` or a ``.keras`` path), written as
            ``{stem}.training.keras`` (RT4KSR ships its deploy form, which cannot train further).
        figures: ``{file name: bytes or path}``: more files beside the card (a PNG it shows, the
            recipe of an earlier stage).
        stem: the files' common name (default ``{preset}_x{scale}``; ``preset`` for several scales).
        dest: the folder (default: the package's ``keras_sr/weights``).
        float16: store a model's float32 weights as float16 (Keras loads them into float32).

    Returns:
        ``{index key: entry}`` written (keys ``{preset}_x{scale}``).
    """
    from keras_sr.weights import WEIGHTS_DIR

    dest = Path(WEIGHTS_DIR if dest is None else dest)
    scales = sorted(int(s) for s in metadata)
    if not scales:
        raise ValueError("metadata needs one entry per shipped scale, e.g. {2: {'set5': {...}}}")
    stem = stem or (f"{preset}_x{scales[0]}" if len(scales) == 1 else preset)
    files = {}  # name -> bytes, written in this order, index.json last
    for name, content in (figures or {}).items():
        files[name] = _read(content)
    if training_form is not None:
        files[f"{stem}.training.keras"] = _model_bytes(training_form, ".keras", lambda m, p: m.save(p))
    if train_config is not None:
        files[f"{stem}.train.json"] = (json.dumps(train_config, indent=2) + "\n").encode()
    weights_name = f"{stem}.weights.h5"
    data = _model_bytes(weights, ".weights.h5", _save_float16 if float16 else lambda m, p: m.save_weights(p))
    files[weights_name] = data
    digest = hashlib.sha256(data).hexdigest()
    info = {"file": weights_name, "size": len(data), "sha256": digest, "stem": stem}
    files[f"{stem}.md"] = (card(info) if callable(card) else card).encode()

    index_path = dest / INDEX_NAME
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    written = {}
    for s in scales:
        written[f"{preset}_x{s}"] = {
            "preset": preset, "scale": s, "file": weights_name, "build": dict(build or {}), "sha256": digest,
            "card": f"{stem}.md", "train_config": None if train_config is None else f"{stem}.train.json",
            "training_form": None if training_form is None else f"{stem}.training.keras",
            **metadata[s]}
    index.update(written)
    dest.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        atomic.write_bytes(dest / name, content, overwrite=True)
    atomic.write_text(index_path, index_text(index), overwrite=True)
    return written


def index_text(index):
    """``index.json``'s text: entries sorted by key, two-space indent, a final newline."""
    return json.dumps(dict(sorted(index.items())), indent=2) + "\n"


def _read(content):
    return content if isinstance(content, bytes) else Path(content).read_bytes()


def _model_bytes(model_or_path, suffix, save):
    """The bytes of a file: read from a path, or what ``save(model, path)`` writes."""
    if isinstance(model_or_path, (str, os.PathLike)):
        return Path(model_or_path).read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"file{suffix}")
        save(model_or_path, path)
        return Path(path).read_bytes()


def _save_float16(model, path):
    """``model.save_weights(path)`` with every float32 dataset stored as float16."""
    import h5py
    import numpy as np

    model.save_weights(path)
    with h5py.File(path, "r+") as h5:
        names = []
        h5.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for name in names:
            data = h5[name]
            if data.dtype == np.float32:
                value, parent, key = data[()], data.parent, name.split("/")[-1]
                del parent[key]
                parent.create_dataset(key, data=value.astype(np.float16))
    # h5py leaves the freed space in the file: copy into a fresh one
    packed = path + ".packed"
    with h5py.File(path, "r") as src, h5py.File(packed, "w") as dst:
        for key in src.attrs:
            dst.attrs[key] = src.attrs[key]
        for key in src:
            src.copy(src[key], dst, name=key)
    os.replace(packed, path)
