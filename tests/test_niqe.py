"""NIQE (keras_sr.evaluation.niqe) and ``keras-sr eval --no-reference``: quality ranking on
scikit-image photos (no ../shared), the fits it is built from, errors."""

import subprocess
import sys

import numpy as np
import pytest

from keras_sr.data import degrade
from keras_sr.evaluation import niqe as nq


@pytest.fixture(scope="module")
def photos():
    from skimage import data as skdata

    return [skdata.chelsea(), skdata.astronaut()[:288, :384]]


def test_ranks_clean_jpeg30_jpeg10_and_blur(photos):
    for photo in photos:
        clean, q30, q10 = nq.niqe(photo), nq.niqe(degrade(photo, "jpeg:30")), nq.niqe(degrade(photo, "jpeg:10"))
        blurred = nq.niqe(degrade(photo, "blur:1.5"))
        assert clean < q30 < q10, (clean, q30, q10)
        assert clean + 1 < blurred, (clean, blurred)


def test_features_and_shipped_pristine_model(photos):
    feats = nq.features(photos[0])  # 300x451: 3x4 patches of 96 px
    assert feats.shape == (12, 36) and np.isfinite(feats).all()
    sharp = nq.features(photos[0], select_sharp=True)
    assert 1 <= len(sharp) < 12
    mean, cov = nq.pristine_model()
    assert mean.shape == (36,) and cov.shape == (36, 36)
    np.testing.assert_allclose(cov, cov.T)
    assert np.linalg.eigvalsh(cov).min() > -1e-9
    # grey and float inputs give the same score as uint8 RGB's luma
    assert nq.niqe(photos[0]) == pytest.approx(nq.niqe(photos[0].astype(np.float32) / 255), abs=1e-6)


def test_generalized_gaussian_fits_recover_the_shape():
    rng = np.random.default_rng(0)
    x = np.stack([rng.standard_normal(20000), rng.laplace(size=20000)])
    alpha, var = nq.ggd_features(x).T
    assert abs(alpha[0] - 2) < 0.1 and abs(alpha[1] - 1) < 0.1 and abs(var[0] - 1) < 0.05
    # asymmetric Gaussian (AGGD, shape 2): left spread 0.5 with mass 0.5/(0.5+2), right spread 2
    skewed = np.abs(x[:1]) * np.where(rng.random(20000) < 0.2, -0.5, 2.0)
    a, eta, left, right = nq.aggd_features(skewed)[0]
    assert abs(a - 2) < 0.15 and abs(left - 0.25) < 0.02 and abs(right - 4) < 0.2 and eta > 0


def test_small_images_are_refused_with_their_size():
    with pytest.raises(ValueError, match="at least 96x96.*got 120x80"):
        nq.niqe(np.zeros((80, 120, 3), np.uint8))


def test_eval_no_reference_scores_a_folder_without_hr(tmp_path, photos, capsys):
    from PIL import Image

    folder = tmp_path / "outputs"
    folder.mkdir()
    Image.fromarray(photos[0]).save(folder / "a_clean.png")
    Image.fromarray(photos[0]).save(folder / "b_q10.jpg", quality=10)
    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "eval", "--no-reference", str(folder),
                           "--per-image"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    scores = {line.split()[0]: float(line.split()[1]) for line in proc.stdout.splitlines()[1:]}
    assert set(scores) == {"a_clean.png", "b_q10.jpg"} and scores["a_clean.png"] < scores["b_q10.jpg"]
    assert "not MATLAB" in proc.stdout
    from keras_sr.cli import main

    Image.fromarray(photos[0][:50, :50]).save(folder / "c_tiny.png")
    assert main(["eval", "--no-reference", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "c_tiny.png" in err and "96x96" in err and err.count("\n") == 0
    assert main(["eval", "--data", str(folder)]) == 2  # neither --model nor --no-reference
    assert "--no-reference" in capsys.readouterr().err
