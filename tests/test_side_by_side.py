"""benchmarks/side_by_side.py: the arithmetic of its table (medians of per-repeat ratios, the roof,
the re-parameterization speed-up), the prepared-files hand-over to a machine without TensorFlow,
and a real worker process serving timings."""

import json
import types

import numpy as np
import pytest
from conftest import benchmark_script


@pytest.fixture(scope="module")
def sbs():
    return benchmark_script("side_by_side")


def test_ratios_are_medians_of_per_repeat_ratios(sbs):
    # a load spike that slows one whole repeat (x3) must cancel in the ratios, not in the times
    per_repeat = [{"matmul": 0.01, "torch-eager": 0.10, "torch-eager-cl": 0.08, "litert-fp32": 0.07,
                   "litert-fp32-c32": 0.06, "litert-fp32-plain": 0.075, "litert-fp32-unfused": 0.18}
                  for _ in range(4)]
    per_repeat[1] = {k: 3 * v for k, v in per_repeat[1].items()}
    rows, roof = sbs.summarize(per_repeat, macs=1e9)
    assert rows["litert-fp32"]["vs_torch"] == pytest.approx(0.7)
    assert rows["litert-fp32"]["vs_torch_cl"] == pytest.approx(0.875)
    assert rows["litert-fp32-c32"]["reparam_speedup"] == pytest.approx(3.0)
    assert rows["litert-fp32-plain"]["reparam_speedup"] == pytest.approx(2.4)
    assert "reparam_speedup" not in rows["torch-eager"]
    assert roof == pytest.approx(2 * 1024 ** 3 / 0.01 / 1e9)  # the median repeat's, not the mean
    # share of the roof: (2 GFLOP / 0.07 s) / (matmul FLOP/s of the same repeat)
    assert rows["litert-fp32"]["roof_share"] == pytest.approx((2e9 / 0.07) / (2 * 1024 ** 3 / 0.01))
    report = {"date": "d", "cpu": "c", "repeats": 4, "iters": 1, "cases": {"rt4ksr": {
        "macs": 1e9, "quality": {"fp32": {"psnr_drop_db": 0.0, "max_abs_diff": 1e-6}},
        "threads": {1: {"rows": rows, "matmul_gflops": roof, "load_before": (0.5,), "load_after": (0.6,)}}}}}
    text = sbs.format_report(report)
    assert "litert-fp32-c32 3.00x" in text and "| 1 | litert-fp32 | 70 | 0.70x | 0.88x |" in text


def test_prepared_files_travel_with_their_index(sbs, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    files = {}
    for kind, ext in (("litert-fp32", ".tflite"), ("onnxruntime", ".onnx"), ("torch-eager", ".npz")):
        files[kind] = str(src / f"x{ext}")
        (src / f"x{ext}").write_bytes(kind.encode())
    quality = {"fp32": types.SimpleNamespace(psnr_drop=0.01, max_abs_diff=2e-6)}
    sbs.save_prepared(str(tmp_path / "prep"), "rt4ksr", files, 123, quality)
    got_files, macs, got_quality = sbs.load_prepared(str(tmp_path / "prep"), "rt4ksr")
    assert macs == 123 and got_quality == {"fp32": {"psnr_drop_db": 0.01, "max_abs_diff": 2e-6}}
    assert {k: open(p, "rb").read() for k, p in got_files.items()} == {k: k.encode() for k in files}
    assert "rt4ksr" in json.load(open(tmp_path / "prep" / "prepared.json"))


def test_a_worker_process_serves_timings(sbs):
    worker = sbs.Worker({"kind": "matmul", "threads": 1, "size": (8, 8)})
    try:
        worker.wait_ready()
        times = worker.time(3)
    finally:
        worker.close()
    assert len(times) == 3 and all(0 < t < 10 for t in times) and np.isfinite(times).all()
