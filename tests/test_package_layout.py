"""The package layout: subpackages only at the root (no alias modules since 0.2, see CHANGELOG.md),
``models/`` below ``presets/``, ``weights/`` and ``inference/``, and ``import keras_sr`` loads none of
them (the lazy ``_SUBMODULES``)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import keras_sr

PACKAGE = Path(keras_sr.__file__).parent
# removed in 0.2: the old root names of modules that moved into inference/ and evaluation/
REMOVED = ("baselines", "demo", "receptive_field", "samples", "self_ensemble", "upscaling", "visualize")


def test_public_functions_keep_their_paths():
    from keras_sr.evaluation import evaluate
    from keras_sr.inference import load_model, load_predictor, upscale
    from keras_sr.inference.loading import load_predictor as loader
    from keras_sr.presets import from_preset

    assert keras_sr.upscale is upscale and keras_sr.evaluate is evaluate and keras_sr.from_preset is from_preset
    assert keras_sr.inference.load_model is load_model and load_predictor is loader
    for name in keras_sr._SUBMODULES:
        assert getattr(keras_sr, name).__name__ == f"keras_sr.{name}", name


def test_the_root_holds_only_the_package_entry():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == {"__init__", "_registration"}, sorted(modules)
    for old in REMOVED:  # keras_sr.<old> is gone: no module at the root, no lazy attribute
        assert not (PACKAGE / f"{old}.py").exists(), old
        with pytest.raises(AttributeError):
            getattr(keras_sr, old)


def _imports(path):
    """Every keras_sr module a file imports, at module or function level (read with ast, not run)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("keras_sr.")}


def test_models_import_neither_inference_nor_weights_nor_presets():
    """The architectures sit below what loads weights into them: no arrow up, not even in a function."""
    upward = ("keras_sr.inference", "keras_sr.weights", "keras_sr.presets", "keras_sr.cli")
    for path in sorted((PACKAGE / "models").glob("*.py")):
        bad = sorted(m for m in _imports(path) if m.startswith(upward))
        assert not bad, f"{path.name} imports {bad}"


def test_import_keras_sr_loads_no_inference_or_evaluation_module():
    code = ("import sys, keras_sr; print(sorted(m for m in sys.modules if m.startswith("
            "('keras_sr.inference', 'keras_sr.evaluation', 'keras_sr.presets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    assert out.strip() == "[]", out
