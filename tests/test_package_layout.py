"""The package layout: inference/ and evaluation/ subpackages, the old module names still import,
and ``import keras_sr`` loads neither (the lazy ``_SUBMODULES``)."""

import importlib
import subprocess
import sys
from pathlib import Path

import keras_sr

PACKAGE = Path(keras_sr.__file__).parent
# old module -> (new module, a name it must give)
MOVED = {
    "upscaling": ("inference.upscaling", "upscale"),
    "receptive_field": ("inference.receptive_field", "receptive_field"),
    "self_ensemble": ("inference.self_ensemble", "self_ensemble"),
    "baselines": ("evaluation.baselines", "bm3d_denoise"),
    "samples": ("evaluation.samples", "sample_path"),
    "visualize": ("evaluation.visualize", "sr_comparison"),
    "demo": ("evaluation.demo", "run_demo"),
}


def test_old_module_names_give_the_moved_objects():
    for old, (new, name) in MOVED.items():
        moved = importlib.import_module(f"keras_sr.{new}")
        assert getattr(importlib.import_module(f"keras_sr.{old}"), name) is getattr(moved, name), old
    from keras_sr.upscaling import border_mode, model_receptive_field, read_for_upscale, super_resolve  # noqa: F401
    assert set(keras_sr._MOVED) <= set(MOVED)
    for name in keras_sr._SUBMODULES + keras_sr._MOVED:
        assert getattr(keras_sr, name).__name__.startswith("keras_sr."), name


def test_public_functions_keep_their_paths():
    from keras_sr.evaluation import evaluate
    from keras_sr.inference import load_model, load_predictor, upscale
    from keras_sr.inference.loading import load_predictor as loader

    assert keras_sr.upscale is upscale and keras_sr.evaluate is evaluate
    assert keras_sr.inference.load_model is load_model and load_predictor is loader


def test_the_root_holds_only_the_package_entry_and_aliases():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == {"__init__", "_registration"} | set(MOVED), sorted(modules)
    for old in MOVED:  # aliases stay thin: no code of their own
        assert len((PACKAGE / f"{old}.py").read_text().splitlines()) <= 12, old


def test_import_keras_sr_loads_no_inference_or_evaluation_module():
    code = ("import sys, keras_sr; print(sorted(m for m in sys.modules if m.startswith("
            "('keras_sr.inference', 'keras_sr.evaluation'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    assert out.strip() == "[]", out
