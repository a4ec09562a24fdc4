"""benchmarks/train_zoo.py with a tiny plan: one tiny model, a few steps, shipped into a tmp
folder; a second call skips it; --dry-run lists the plan."""

import json
from pathlib import Path

import pytest
from conftest import benchmark_script

from keras_sr import data

ROOT = Path(__file__).resolve().parents[1]




@pytest.fixture
def folders(tmp_path):
    from skimage import data as skdata

    hr, bench = tmp_path / "hr", tmp_path / "bench"
    hr.mkdir()
    bench.mkdir()
    for i, photo in enumerate([skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.astronaut()]):
        data.write_image(str(hr / f"img{i}.png"), photo[50 * i:50 * i + 40, 40 * i:40 * i + 40])
    data.write_image(str(bench / "c.png"), skdata.chelsea()[60:100, 100:140])
    return hr, bench


def test_tiny_campaign_ships_and_resumes(folders, tmp_path, capsys):
    zoo = benchmark_script("train_zoo")
    hr, bench = folders
    tiny = {"model_overrides": {"num_blocks": 1, "filters": 8}, "batch_size": 2, "patch_size": 8}
    plan = (zoo.Entry("edsr-baseline_x2", "edsr-baseline", 2, tiny, target=40.0),)
    out, dest = tmp_path / "campaign", tmp_path / "weights"
    args = ["--out", str(out), "--dest", str(dest), "--data", str(hr), "--set5", str(bench), "--steps", "4",
            "--validations", "2", "--val-split", "0.25", "--verbose", "0"]
    assert zoo.main(args, plan=plan) == 0
    printed = capsys.readouterr().out
    assert "samples/s" in printed and "GPU visible: False" in printed
    for name in ("edsr-baseline_x2.weights.h5", "edsr-baseline_x2.md", "index.json"):
        assert (dest / name).is_file(), name
    state = json.loads((out / "campaign.json").read_text())
    assert state["edsr-baseline_x2"]["steps"] == 4 and state["edsr-baseline_x2"]["samples_per_s"] > 0
    config = json.loads((out / "runs" / "edsr-baseline_x2" / "config.json").read_text())
    assert config["selection"] == "val_split" and config["recipe"]["variant"] == "fast"
    assert "held-out" in (dest / "edsr-baseline_x2.md").read_text()
    assert zoo.main(args, plan=plan) == 0  # resumable: a shipped entry is skipped
    assert "shipped already" in capsys.readouterr().out
    assert zoo.main(args + ["--dry-run"], plan=plan) == 0
    assert capsys.readouterr().out.strip().endswith("shipped")


def test_dry_run_lists_the_issue_plan_and_refuses_unknown_names(capsys):
    zoo = benchmark_script("train_zoo")
    assert zoo.main(["--dry-run", "--out", "/nonexistent/campaign"]) == 0
    listed = capsys.readouterr().out
    for name in ("rt4ksr_x4", "edsr-baseline_x3", "srgan_x4", "rednet30_x4", "srdensenet-all_x4",
                 "mdsr-baseline", "srcnn_x3"):
        assert name in listed
    with pytest.raises(SystemExit):
        zoo.main(["--dry-run", "--only", "vdsr_x2"])
