import subprocess
import sys

import pytest

from keras_sr.cli import main


def test_models_lists_presets_with_counts(capsys):
    assert main(["models", "edsr-baseline", "mdsr-baseline"]) == 0
    out = capsys.readouterr().out
    assert "edsr-baseline" in out and "x2 1,369,859" in out and "x4 1,517,571" in out
    assert "all 3,227,203" in out


def test_unknown_model_is_one_line_exit_2(capsys):
    assert main(["models", "edsr-huge"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "unknown model 'edsr-huge'" in err and "Traceback" not in err


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="unknown model"):
        main(["models", "edsr-huge", "--debug"])


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-verb"])
    assert exc.value.code == 2


def test_console_module_runs():
    # `python -m keras_sr.cli` is what the `keras-sr` console script calls.
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "--help"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "models" in proc.stdout


def test_set_options_parse_json_literals_and_strings():
    from keras_sr.cli.options import parse_key_values

    assert parse_key_values(["num_blocks=4", "scales=[2, 4]", "pair=(1, 2)", "act=relu", "on=true"]) == {
        "num_blocks": 4, "scales": [2, 4], "pair": (1, 2), "act": "relu", "on": True}
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_key_values(["nonsense"])
