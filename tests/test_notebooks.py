"""The notebooks run end to end in a smoke setting, and are committed without outputs.

Each notebook has a cell tagged ``parameters`` (papermill style). Like ``papermill -p``, the
test inserts a cell right after it that overrides those values with smoke settings: a few
steps, tiny models, tiny images cut from photos scikit-image ships, outputs in ``tmp_path``.
The notebooks end with assertions, so a broken step fails the run. Each one runs in a fresh
kernel of this interpreter (``sys.executable``) with ``tmp_path`` as its working directory, so
nothing is written into the clone.
"""

import ast
import json
import sys
import time
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb"))

# Smoke settings per notebook (every key must be a name the parameters cell assigns).
TINY_EDSR = {"num_blocks": 2, "filters": 16}
SMOKE = {
    "01_quickstart_edsr.ipynb": dict(
        STEPS=4, STEPS_PER_EPOCH=2, BATCH_SIZE=2, PATCH_SIZE=12, MODEL_OVERRIDES=TINY_EDSR,
        EXPORT_INPUT_SIZE=(32, 24)),
    "02_srgan.ipynb": dict(
        PRETRAIN_STEPS=2, GAN_STEPS=2, STEPS_PER_EPOCH=2, BATCH_SIZE=2, HR_PATCH_SIZE=32,
        VGG_WEIGHTS=None, GENERATOR_OVERRIDES={"num_blocks": 1, "filters": 8},
        DISCRIMINATOR_OVERRIDES={"filters": 4}),
    "03_rt4ksr_realtime.ipynb": dict(
        STEPS=4, STEPS_PER_EPOCH=2, BATCH_SIZE=2, HR_PATCH_SIZE=32, EXPORT_INPUT_SIZE=(32, 24),
        LATENCY_RUNS=2, LATENCY_THREADS=(1,)),
    "04_mdsr_multiscale.ipynb": dict(
        STEPS=6, STEPS_PER_EPOCH=3, BATCH_SIZE=2, PATCH_SIZE=12, MODEL_OVERRIDES=TINY_EDSR),
    "05_rednet_restoration.ipynb": dict(
        STEPS=4, STEPS_PER_EPOCH=2, BATCH_SIZE=2, PATCH_SIZE=16, MODEL_OVERRIDES={"num_layers": 2, "filters": 4}),
    "06_real_world.ipynb": dict(STEPS=4, STEPS_PER_EPOCH=2, BATCH_SIZE=2, HR_PATCH_SIZE=32),
}
TIMEOUT = 600  # seconds per cell


def read(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def parameters_cell(cells):
    found = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"expected one cell tagged 'parameters', found {len(found)}"
    return found[0]


def assigned_names(source):
    tree = ast.parse(source)
    return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
            if isinstance(t, ast.Name)}


def test_every_notebook_has_smoke_settings():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"
    assert sorted(SMOKE) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name):
    nb = read(NOTEBOOK_DIR / name)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{name} cell {i} has outputs (clear them before committing)"
            assert cell.get("execution_count") is None, f"{name} cell {i} has an execution count"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_assigns_the_smoke_keys(name):
    cells = read(NOTEBOOK_DIR / name)["cells"]
    source = "".join(cells[parameters_cell(cells)]["source"])
    names = assigned_names(source)
    missing = set(SMOKE[name]) | {"TRAIN_DATA", "EVAL_DATA", "OUT_DIR"}
    assert missing <= names, f"{name}: parameters cell lacks {sorted(missing - names)}"


@pytest.fixture(scope="module")
def tiny_images(tmp_path_factory):
    """Small HR images cut from photos scikit-image ships: 4 for training, 2 for evaluation."""
    from keras_sr.data import read_image, write_image
    from keras_sr.evaluation.demo import TEST_PHOTO, TRAIN_PHOTOS, skimage_photo

    root = tmp_path_factory.mktemp("tiny_images")
    train, evaluation = root / "train", root / "eval"
    train.mkdir()
    evaluation.mkdir()
    for name in TRAIN_PHOTOS:
        img = read_image(skimage_photo(name))
        h, w = img.shape[:2]
        write_image(train / f"{Path(name).stem}.png", img[(h - 96) // 2:(h + 96) // 2, (w - 96) // 2:(w + 96) // 2])
    # 96 x 72 (and 72 x 96): multiples of 2·scale at x2, x3 and x4, so every model's LR is even.
    img = read_image(skimage_photo(TEST_PHOTO))
    write_image(evaluation / "face.png", img[40:112, 180:276])
    write_image(evaluation / "coffee.png", read_image(skimage_photo("coffee.png"))[100:196, 200:272])
    return train, evaluation


@pytest.fixture(scope="module")
def kernel_specs(tmp_path_factory):
    """A kernel spec named python3 that runs this interpreter (whatever other specs are installed)."""
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(root / "python3")
    return root


def run_notebook(path, overrides, cwd, kernel_dir):
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    index = parameters_cell(nb.cells)
    lines = ["# Smoke parameters injected by tests/test_notebooks.py",
             "import sys",
             f"assert sys.prefix == {sys.prefix!r}, sys.prefix  # the kernel runs the test's interpreter"]
    lines += [f"{key} = {value!r}" for key, value in overrides.items()]
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell("\n".join(lines),
                                                         metadata={"tags": ["injected-parameters"]}))
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    assert specs.get_kernel_spec("python3").argv[0] == sys.executable
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(nb, km=km, timeout=TIMEOUT, resources={"metadata": {"path": str(cwd)}})
    client.execute()
    return nb


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_smoke_setting(name, tmp_path, tiny_images, kernel_specs):
    train, evaluation = tiny_images
    out = tmp_path / "out"
    overrides = {**SMOKE[name], "TRAIN_DATA": str(train), "EVAL_DATA": str(evaluation), "OUT_DIR": str(out)}
    start = time.perf_counter()
    nb = run_notebook(NOTEBOOK_DIR / name, overrides, tmp_path, kernel_specs)
    seconds = time.perf_counter() - start
    print(f"{name}: executed in {seconds:.0f} s")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    last = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert "all checks passed" in last, last  # the notebook's own assertions ran to the end
    assert any(out.rglob("*")), "the notebook wrote nothing into OUT_DIR"
