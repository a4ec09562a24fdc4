"""Multi-worker training with real processes: 2 workers on localhost (free ports, a
TF_CONFIG each, CPU) against 1 process on the same global batch; a worker killed
mid-epoch; a resumed run. Each worker imports TensorFlow (~10 s on 2 busy cores)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_sr import data
from keras_sr.training import multiworker

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
import _multiworker_check as check  # noqa: E402


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from skimage import data as skdata

    root = tmp_path_factory.mktemp("images")
    (root / "hr").mkdir()
    (root / "val").mkdir()
    data.write_image(str(root / "hr" / "a.png"), skdata.astronaut()[150:214, 150:214])
    data.write_image(str(root / "hr" / "b.png"), skdata.coffee()[100:164, 200:264])
    data.write_image(str(root / "val" / "c.png"), skdata.chelsea()[60:108, 100:160])
    return str(root / "hr"), str(root / "val")


def worker_env(tmp):
    tmp.mkdir(exist_ok=True)
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    # TMPDIR: where a non-chief worker's temporary run folder goes (checked empty after).
    return {**os.environ, "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": str(tmp)}


def weights(path):
    return [w.numpy() for w in keras.models.load_model(path).weights]


def max_diff(a, b):
    assert len(a) == len(b)
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))


def files(folder):
    """Relative paths of the files under ``folder`` (TensorBoard's names carry a time and a pid)."""
    return sorted(str(p.relative_to(folder).parent / ("events" if p.name.startswith("events.out.") else p.name))
                  for p in Path(folder).rglob("*") if p.is_file())


def test_two_workers_match_one_process_and_only_the_chief_writes(images, tmp_path):
    hr, val = images
    runs, tmp = tmp_path / "two", tmp_path / "tmp"
    command = [sys.executable, str(ROOT / "tests" / "_multiworker_check.py"), "all", str(runs), hr, val]
    multiworker.launch_local_workers([command, command], env=worker_env(tmp))
    for job in ("edsr", "srgan", "mdsr"):
        one = check.run(job, tmp_path / "one" / job, hr, val)
        # Same global batch of 4 (2 per worker), same seed: the same weights after every step
        # (SRGAN's BatchNorm layers use the global batch's statistics, synchronized; MDSR
        # updates one scale per global batch, the same on both workers).
        assert max_diff(weights(runs / job / "checkpoints" / "final.keras"),
                        weights(one["final_model"])) <= 1e-5, job
        # The chief wrote the same run folder as one process (checkpoints, logs, pictures,
        # backup), nothing half-written beside it ...
        assert files(runs / job) == files(tmp_path / "one" / job), job
        assert not [f for f in files(runs / job) if ".tmp-" in f]
        history = (runs / job / "logs" / "history.csv").read_text().splitlines()
        assert len(history) == 3 and "val_psnr" in history[0]
    # ... and worker 1 wrote only to its temporary folder, which is gone.
    assert not list(tmp.glob("keras-sr-*"))


def test_killed_worker_stops_the_job_and_resume_matches(images, tmp_path):
    hr, val = images
    run, env = tmp_path / "cut", worker_env(tmp_path / "tmp")
    command = [sys.executable, str(ROOT / "tests" / "_multiworker_check.py"), "edsr3", str(run), hr, val, "2"]
    start = time.monotonic()
    with pytest.raises(multiworker.WorkerLost, match=r"worker 1 \(pid \d+\) was killed by SIGKILL.*--resume"):
        multiworker.launch_local_workers([command, command], env=env, grace=5)
    assert time.monotonic() - start < 240  # no hang: the chief is stopped, not left waiting
    # Worker 1 died in epoch 2: the backup holds epoch 1, complete (atomic writes).
    assert json.loads((run / "backup" / "training_metadata.json").read_text())["epoch"] == 1
    assert not [f for f in files(run) if ".tmp-" in f]
    assert not (run / "checkpoints" / "final.keras").exists()
    assert len(list((tmp_path / "tmp").glob("keras-sr-*"))) == 1  # the killed worker's, removed on restart
    # Both workers restarted with --resume, through the CLI launcher, finish the 3 epochs ...
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "train", "--model", "edsr-baseline",
                           "--scale", "2", "--data", hr, "--out", str(run), "--resume", "--workers", "2",
                           "--quiet"], env=env, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "starting 2 workers" in proc.stdout
    # ... with the weights of an uninterrupted run.
    whole = check.run("edsr3", tmp_path / "whole", hr, val)
    assert max_diff(weights(run / "checkpoints" / "final.keras"), weights(whole["final_model"])) <= 1e-5
    assert len((run / "logs" / "history.csv").read_text().splitlines()) == 4
    assert not list((tmp_path / "tmp").glob("keras-sr-*"))


def test_bad_multi_worker_settings_are_one_line_errors(tmp_path, capsys, monkeypatch):
    from keras_sr.cli import main

    monkeypatch.delenv("TF_CONFIG", raising=False)
    args = ["train", "--model", "edsr-baseline", "--scale", "2", "--data", str(tmp_path), "--out",
            str(tmp_path / "r")]
    assert main(args + ["--multi-worker"]) == 2
    assert "TF_CONFIG" in capsys.readouterr().err
    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker"}}')
    assert main(args + ["--multi-worker"]) == 2
    assert "TF_CONFIG is not valid" in capsys.readouterr().err
    assert main(args + ["--workers", "0"]) == 2
    assert "--workers must be >= 1" in capsys.readouterr().err
    assert main(args + ["--workers", "2", "--time-limit", "5"]) == 2
    assert "--time-limit" in capsys.readouterr().err


def test_worker_command_and_tf_configs():
    from keras_sr.cli.train_cmd import worker_command

    command = worker_command(["train", "--model", "x", "--workers", "3", "--out", "r", "--workers=3"])
    assert command[1:] == ["-m", "keras_sr.cli", "train", "--model", "x", "--out", "r", "--multi-worker"]
    configs = [json.loads(c) for c in multiworker.local_tf_configs(3)]
    ports = {c["cluster"]["worker"][0] for c in configs}
    assert len(ports) == 1 and [c["task"]["index"] for c in configs] == [0, 1, 2]
    assert len(set(configs[0]["cluster"]["worker"])) == 3
