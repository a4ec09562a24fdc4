"""Shared test fixtures. Tests use tiny configs; data from ../shared is optional."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

# ../shared sits beside the clone in CI and in development; a user's clone has none.
SHARED = Path(os.environ.get("KERAS_SR_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def benchmark_script(name):
    """``benchmarks/NAME.py`` as a module (benchmarks/ is scripts, not a package)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_path(*parts):
    """Path under ../shared, or skip the calling test with the reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present (../shared is only beside the project in CI/dev)")
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def photo():
    """A real photo in [0, 1], float32, (512, 512, 3): skimage's astronaut."""
    from skimage import data

    return data.astronaut().astype(np.float32) / 255.0
