"""Weights keras-sr trained itself and ships inside the package (``weights="default"``).

Each shipped weight is one entry of ``index.json``, read into :data:`SHIPPED` (keyed by
preset and scale): the
``.weights.h5`` file beside this module, the builder options it needs (RT4KSR ships in its
deploy form, ``deploy=True``), its SHA-256, its model card (``.md``: data, recipe, steps,
wall time, Set5 figures) and the recipe overrides of the ``keras-sr train`` run that made
it (``.train.json``). None of them derives from another project's checkpoint.

    model = keras_sr.from_preset("rt4ksr", scale=2)   # keras_sr.presets: builds with these weights
    print(keras_sr.weights.model_card("rt4ksr", 2))
"""

import hashlib
import json
from pathlib import Path

WEIGHTS_DIR = Path(__file__).resolve().parent
INDEX = WEIGHTS_DIR / "index.json"


def _read_index():
    """``index.json`` (written by :func:`keras_sr.weights.release.release`) as {(preset, scale): entry}."""
    if not INDEX.is_file():
        return {}
    return {(e["preset"], int(e["scale"])): e for e in json.loads(INDEX.read_text()).values()}


# (preset, scale) -> {"file", "build", "sha256", "card", "train_config", "set5", ...}
SHIPPED = _read_index()


def shipped():
    """``[(preset, scale), …]`` that have shipped weights, sorted."""
    return sorted(SHIPPED)


def entry(name, scale):
    """The :data:`SHIPPED` entry of ``name`` x``scale`` (a copy).

    Raises:
        ValueError: nothing is shipped for it (the message lists what is).
    """
    key = (name, None if scale is None else int(scale))
    if key not in SHIPPED:
        have = ", ".join(f"{n} x{s}" for n, s in shipped()) or "none yet"
        raise ValueError(f"keras-sr ships no weights for {name!r} x{scale}; shipped: {have}. "
                         "Train your own with `keras-sr train` and pass the file as weights=")
    return {**SHIPPED[key], "build": dict(SHIPPED[key].get("build", {}))}


def weights_path(name, scale, verify=True):
    """Path of the shipped ``.weights.h5`` of ``name`` x``scale``.

    Args:
        verify: check the file's SHA-256 against the entry (a damaged install, or a Git LFS
            pointer instead of the file, fails here with the path named).
    """
    info = entry(name, scale)
    path = WEIGHTS_DIR / info["file"]
    if not path.is_file():
        raise FileNotFoundError(f"shipped weights file {path} is missing: reinstall keras-sr "
                                "(pip install --force-reinstall keras-sr)")
    if verify:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != info["sha256"]:
            raise ValueError(f"shipped weights file {path} is damaged (SHA-256 {digest[:12]}…, expected "
                             f"{info['sha256'][:12]}…): reinstall keras-sr")
    return path


def shipped_file(path):
    """``(preset, scale)`` when ``path`` is one of the shipped ``.weights.h5`` files, else ``None``."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):
        return None
    for key, info in SHIPPED.items():
        if (WEIGHTS_DIR / info["file"]).resolve() == resolved:
            return key
    return None


def model_card(name, scale):
    """The model card (Markdown text) of the shipped weights of ``name`` x``scale``."""
    return (WEIGHTS_DIR / entry(name, scale)["card"]).read_text()
