"""The seams between verbs, in-process: one weights rule for every verb, every file kind loads,
errors say the real problem first, progress and warnings are plain text.

(tests/test_journeys.py walks the same seams through the CLI in fresh processes.)
"""

import io
import os

import numpy as np
import pytest

from keras_sr import inference, models, presets, weights
from keras_sr.cli import main
from keras_sr.cli.model_choice import Choice, choose

SHIPPED_RT4KSR_X2 = os.path.join(os.fspath(weights.WEIGHTS_DIR), "rt4ksr_x2.weights.h5")


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


def test_choice_is_shipped_weights_or_a_refusal_naming_both_ways_out():
    assert choose("rt4ksr", 2) == Choice("rt4ksr", 2, "default")
    assert choose(None, None, None, "rt4ksr", 2) == Choice("rt4ksr", 2, "default")
    with pytest.raises(ValueError, match="rednet10 x3 has no shipped weights") as exc:
        choose("rednet10", 3)
    assert "--weights FILE" in str(exc.value) and "--weights none" in str(exc.value)
    untrained = choose("rednet10", 3, "none")
    assert untrained.untrained and untrained.weights == "none" and "untrained" in untrained.note
    assert choose("rednet10", 3, "run/best.keras") == Choice("rednet10", 3, "run/best.keras")
    assert choose("bicubic", 3, "none") == Choice("bicubic", 3)


def test_choice_says_an_unsupported_scale_first():
    with pytest.raises(ValueError, match="does not support scale 5"):
        choose(None, 5, None, "rt4ksr", 2)
    with pytest.raises(ValueError, match="does not support scale 2"):
        choose("srdensenet-h", 2, "none")
    with pytest.raises(ValueError, match="needs --scale"):
        choose("mdsr-baseline", None, "none")


def test_choice_of_files():
    # a model file brings its own weights
    with pytest.raises(ValueError, match="drop --weights"):
        choose("runs/x/checkpoints/best.keras", None, "default")
    assert choose("runs/x/checkpoints/best.keras") == Choice("runs/x/checkpoints/best.keras")
    # a shipped .weights.h5 without --model names its own preset and scale
    x4 = os.path.join(os.fspath(weights.WEIGHTS_DIR), "edsr-baseline_x4.weights.h5")
    assert choose(None, None, x4, "rt4ksr", 2) == Choice("edsr-baseline", 4, x4)
    # a checkpoint given as --weights without --model is the model itself (its own scale)
    assert choose(None, None, "run/best.keras", "rt4ksr", 2) == Choice("run/best.keras")


def test_shipped_weights_file_by_path_builds_its_deploy_form(rng):
    by_path = presets.from_preset("rt4ksr", scale=2, weights=SHIPPED_RT4KSR_X2)
    default = presets.from_preset("rt4ksr", scale=2, weights="default")
    assert by_path.count_params() == default.count_params() == 44_521
    lr = rng.random((1, 8, 10, 3), dtype=np.float32)
    np.testing.assert_array_equal(by_path(lr), default(lr))
    with pytest.raises(ValueError, match="shipped rt4ksr x2 file, not rt4ksr x3"):
        presets.from_preset("rt4ksr", scale=3, weights=SHIPPED_RT4KSR_X2)


def test_a_compiled_checkpoint_and_a_multi_scale_one_load_for_inference(tmp_path, rng):
    from keras_sr.training import get_recipe, pixel_loss

    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1)
    model.compile(optimizer="adam", loss=pixel_loss(get_recipe("rt4ksr")))  # PixelLoss + high-frequency L1
    model.save(tmp_path / "rt.keras")
    predict = inference.load_predictor(str(tmp_path / "rt.keras"), scale=2)
    lr = rng.random((6, 8, 3), dtype=np.float32)
    np.testing.assert_allclose(predict(lr), model(lr[None])[0], atol=1e-6)

    multi = models.build("mdsr-baseline", num_blocks=1, filters=8)
    multi.save(tmp_path / "mdsr.keras")
    x3 = inference.load_predictor(str(tmp_path / "mdsr.keras"), scale=3)
    assert x3.scale == 3
    np.testing.assert_allclose(x3(lr), multi(lr[None])[1][0], atol=1e-6)
    with pytest.raises(ValueError, match="output per scale"):
        inference.load_predictor(str(tmp_path / "mdsr.keras"))
    disc = models.build("srgan-discriminator", filters=4)
    disc.save(tmp_path / "disc.keras")
    with pytest.raises(ValueError, match="not a super-resolution model"):
        inference.load_predictor(str(tmp_path / "disc.keras"))
    with pytest.raises(ValueError, match="is a weights file"):
        inference.load_predictor(SHIPPED_RT4KSR_X2)


def test_export_refuses_odd_sizes_before_any_work(tmp_path, capsys):
    out = tmp_path / "exp"
    assert main(["export", "--model", "rt4ksr", "--scale", "2", "--formats", "fp32", "--input-size", "641x361",
                 "--out", str(out)]) == 2
    one_line_error(capsys, "H and W must be even (got 641x361)")
    assert not out.exists()


def test_untrained_runs_only_when_asked_and_says_so(tmp_path, capsys):
    from skimage import data as skdata
    from PIL import Image

    folder = tmp_path / "hr"
    folder.mkdir()
    Image.fromarray(skdata.astronaut()[100:148, 180:228]).save(folder / "a.png")
    base = ["eval", "--data", str(folder), "--scale", "3", "--model", "rednet10"]  # no shipped x3
    assert main(base) == 2
    one_line_error(capsys, "--weights FILE", "--weights none")
    assert main(base + ["--weights", "none"]) == 0
    said = capsys.readouterr()
    assert "rednet10 x3, Y channel, shave 3 (untrained: random weights (--weights none))" in said.out
    assert 'weights="none"' not in said.err  # the verb says it; the Python API's warning is not repeated
    assert main(["upscale", str(folder / "a.png"), "-o", str(tmp_path / "o.png"), "--scale", "5"]) == 2
    err = one_line_error(capsys, "does not support scale 5")
    assert "--weights" not in err


def test_progress_is_plain_text_off_a_terminal(capsys):
    from keras_sr.utils import progress

    bar = progress.progress_bar(3, unit_name="image")  # pytest's stdout is not a terminal
    assert isinstance(bar, progress.PlainProgress)
    for i in range(3):
        bar.update(i + 1)
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("3/3 images") and "\x1b" not in out and "\r" not in out
    assert progress.fit_verbose(1) == 2 and progress.fit_verbose(0) == 0


def test_progress_is_keras_bar_on_a_terminal(monkeypatch):
    import keras

    from keras_sr.utils import progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdout", Terminal())
    assert isinstance(progress.progress_bar(3), keras.utils.Progbar)
    assert progress.fit_verbose(1) == 1


def test_cli_warnings_are_one_line_without_source(monkeypatch, capsys):
    import sys
    import warnings

    from keras_sr.cli import models_cmd

    def warn_then_run(args):  # what Python prints for a warning while a verb runs
        sys.stderr.write(warnings.formatwarning("skipping t20.png: too small", UserWarning, "pipeline.py", 88,
                                                'warnings.warn(f"skipping {result}", stacklevel=3)'))

    monkeypatch.setattr(models_cmd, "run", warn_then_run)
    assert main(["models"]) == 0
    assert capsys.readouterr().err == "keras-sr: warning: skipping t20.png: too small\n"
    assert "pipeline.py" in warnings.formatwarning("x", UserWarning, "pipeline.py", 88)  # restored after


def test_savedmodel_folder_runs_in_eval_and_upscale(tmp_path, rng):
    from keras_sr.export import export_savedmodel

    model = models.build("rt4ksr", scale=2, num_feats=8, num_blocks=1)
    export_savedmodel(model, str(tmp_path / "sm"))
    predict = inference.load_predictor(str(tmp_path / "sm"))
    assert (predict.scale, predict.channels, predict.multiple) == (2, 3, 2)
    lr = rng.random((7, 9, 3), dtype=np.float32)  # odd: padded to even like the Keras model
    np.testing.assert_allclose(predict(lr), inference.load_predictor(model)(lr), atol=1e-5)
    export_savedmodel(model, str(tmp_path / "fixed"), input_size=(10, 8))
    fixed = inference.load_predictor(str(tmp_path / "fixed"), scale=2)
    with pytest.raises(ValueError, match="fixed-shape export for 10x8"):
        fixed(lr)


def test_shipped_weights_refuse_a_model_changed_by_overrides(capsys):
    # a 1-block EDSR-baseline would take the first layers of the shipped 16-block file and
    # silently drop the rest: refused, for keras_sr.from_preset and for the CLI
    with pytest.raises(ValueError, match="num_blocks=1 builds another model"):
        presets.from_preset("edsr-baseline", scale=2, weights="default", num_blocks=1)
    assert presets.from_preset("rt4ksr", scale=2, weights="default", deploy=True).count_params() > 0  # as shipped
    assert main(["export", "--model", "edsr-baseline", "--scale", "2", "--set", "num_blocks=1",
                 "--formats", "fp32", "--out", "unused"]) == 2
    one_line_error(capsys, "builds another model", "--weights none")
