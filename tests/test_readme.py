"""Every shell command and Python snippet in the READMEs runs, so the READMEs cannot drift from the code.

What is executed: every line of every ```bash block (``\\`` continuations joined, ``&&``
chains split, comments dropped) and every ```python block of README.md,
export/README.md and notebooks/README.md. Each command runs in a fresh subprocess, in a
temporary folder that holds the files the README assumes the reader has (``photo.jpg``,
``Set5/``, ``Set14/``, ``DIV2K/HR/``, ``photos/``, ``my.json``); the Python snippets of one
file run in order in one fresh subprocess (one namespace, as a reader pasting them into
one session), after a small PRELUDE that defines what the README leaves to the reader.

Two tables say what is changed or left out, each entry with its reason:

* ``SUBSTITUTIONS``: ``(regex, replacement, why)``, applied in order to every command and
  snippet (long step counts -> 2, large export sizes -> 64x36, ``../shared`` data -> the
  real folder when present, else small generated folders, ``keras-sr`` -> this
  checkout's CLI in this interpreter). ``{python}``, ``{repo}``, ``{fixtures}``,
  ``{set5}``, ``{t91}``, ``{bsd200}`` in a replacement are filled in at run time.
* ``NOT_RUN``: ``(regex, why)``: commands that cannot run in a test (installing
  packages, the test command itself, interactive servers). Every other command must exit
  0 (or ``EXPECTED_EXIT``).

A command or snippet is either run or listed: nothing is silently skipped, and a table
entry that matches nothing fails the test (a stale entry). The only conditional case:
snippets that read ``../shared/weights`` (the RT4KSR authors' checkpoints, which
nothing can stand in for) run only when ``../shared`` is present.

**Adding a README command** needs nothing here when it runs as written in a few seconds.
Otherwise add one ``SUBSTITUTIONS`` row (e.g. ``(r"--steps 500000", "--steps 2", "long
step count")``) or, for data the reader is assumed to have, a fixture in
``_make_fixtures``; list it in ``NOT_RUN`` only when it cannot run at all.

Also here: the README's zoo table is checked against ``keras-sr models``.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED

REPO = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "export/README.md", "notebooks/README.md")
HAVE_SHARED = (SHARED / "data").is_dir()

SUBSTITUTIONS = [
    # the CLI of this checkout, run by this interpreter (the console script may belong to another install)
    (r"(?:^|(?<=do ))(\.venv/bin/)?keras-sr\b", "{python} -m keras_sr.cli",
     "this checkout's CLI in the test's interpreter (also inside a shell `for ...; do` loop)"),
    (r"^python -(m keras_sr|c)\b", r"{python} -\1", "the test's interpreter (python may be another install)"),
    (r"^(nice -n 19 env )?PYTHONPATH=\. python benchmarks/", r"\1{python} {repo}/benchmarks/",
     "the benchmark scripts of this checkout, in the test's interpreter"),
    (r"^python3? export/export\.py\b", "{python} {repo}/export/export.py", "the script of this checkout"),
    # long runs -> a few steps
    (r"--steps 300000\b", "--steps 2", "long step count"),
    (r"--steps (2000|20000)\b", "--steps 2", "long step count"),
    (r"--steps-per-epoch 500\b", "--steps-per-epoch 1", "long epochs"),
    (r"--epochs 100\b", "--epochs 1 --steps-per-epoch 2", "long step count"),
    (r"batch_size=32\b", "batch_size=2", "large batch"),
    (r"steps_per_epoch=1000\b", "steps_per_epoch=2", "long step count"),
    (r"batch_size=16, seed=0\)", "batch_size=2, seed=0)", "large batch"),
    # exports at 640x360 -> 64x36 (same graph, seconds instead of minutes)
    (r"--input-size 640x360\b", "--input-size 64x36", "export size"),
    (r"(--model edsr-baseline --scale 2 --formats \S+)( --out exports)$", r"\1 --input-size 64x36\2",
     "export size (EDSR-baseline's default 640x360 takes minutes)"),
    (r"^(\S+ -m keras_sr\.cli export --model edsr-baseline .*--out) exports$", r"\1 exports_cli",
     "export/README's `keras-sr export` line is the same export as the line above it; another folder, "
     "because an export never overwrites"),
    (r"_640x360\.tflite", "_64x36.tflite", "export size (the file names follow it)"),
    (r'"(exports/edsr_baseline_x2|rt4ksr_x2)_fp32_dynamic\.tflite"', r'"\1_fp32_64x36.tflite"',
     "the interpreter calls on the fixed-shape file the export command above wrote (no extra conversion)"),
    (r'"rt4ksr_x2_fp32_64x36\.tflite"', '"exported/rt4ksr_x2_fp32_64x36.tflite"', "where that export wrote it"),
    (r"\[1, (720, 1280|360, 640), 3\]", "[1, 36, 64, 3]", "export size"),
    # a finished training run the reader is assumed to have (tests/test_journeys.py walks train -> eval)
    (r"runs/rt4ksr/checkpoints/best\.keras", "{fixtures}/rt4ksr_x2_best.keras", "a finished RT4KSR x2 run"),
    (r"runs/x4/checkpoints/best\.keras", "{fixtures}/edsr-baseline_x4_best.keras", "a finished EDSR-baseline x4 run"),
    # ../shared data: the real folders when present, else small generated ones
    (r"\.\./shared/data/Set5", "{set5}", "benchmark images (../shared or 2 generated)"),
    (r"\.\./shared/data/train/T91", "{t91}", "training images (../shared or generated, with a 78 px one)"),
    (r"\.\./shared/data/train/BSD200", "{bsd200}", "training images (../shared or generated)"),
    (r"\.\./shared/weights/", "{shared}/weights/", "the RT4KSR authors' checkpoints: ../shared only"),
]

NOT_RUN = [
    (r"^python3 -m venv \.venv$", "creates the environment this test already runs in"),
    (r"\bpip install\b", "installs packages: CI's own step; this test runs inside that environment"),
    (r"-m pytest\b", "the test command itself: running it here would recurse"),
    (r"^jupyter lab\b", "starts an interactive server"),
    (r"train_zoo\.py --budget-minutes\b", "the GPU campaign: hours of training that writes into keras_sr/weights; "
                                           "tests/test_train_zoo.py runs this script on a tiny plan"),
    (r"gpu_campaign_data\.py --out \.gpu$", "encodes all 291 training images (minutes); tests/test_train_zoo_jax.py "
                                            "runs it on three photos"),
    (r"train_zoo_jax\.py .*--seconds 545\b", "the 9-minute GPU campaign (KERAS_BACKEND=jax); "
                                              "tests/test_train_zoo_jax.py runs a tiny lane of it"),
    (r"ship_jax_campaign\.py --results runs/zoo_gpu\b", "writes into keras_sr/weights; tests/test_train_zoo_jax.py "
                                                        "ships a tiny lane into a temporary folder"),
    (r"recipe_race\.py --minutes 8\b", "a 40-minute benchmark (4 runs of 8 min) whose table is in the README; the "
                                        "paper and fast recipes it races are tested in tests/test_recipes_fast.py"),
    (r"^papermill\b", "papermill is no keras-sr dependency; tests/test_notebooks.py executes the notebooks "
                      "with their parameters cell overridden the same way"),
]

EXPECTED_EXIT = {}  # regex on the substituted command -> exit code (default 0)

PRELUDE = {
    "README.md": "import numpy as np\nlr_batch = np.random.default_rng(0).random((1, 24, 32, 3), dtype=np.float32)\n",
    "export/README.md": "import numpy as np\nlr = np.random.default_rng(0).random((1, 36, 64, 3), dtype=np.float32)\n",
}


# ---- extraction -------------------------------------------------------------------------------

def blocks(doc):
    """``[(line, lang, text)]`` of the ```bash / ```python blocks of ``doc``."""
    out, lang, start, buf = [], None, 0, []
    for i, line in enumerate((REPO / doc).read_text().splitlines(), 1):
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence and lang is None:
            lang, start, buf = fence.group(1) or "text", i, []
        elif fence:
            if lang in ("bash", "python"):
                out.append((start, lang, "\n".join(buf)))
            lang = None
        elif lang is not None:
            buf.append(line)
    return out


def commands(doc):
    """``[(line, command)]``: every command of the bash blocks (normalized by shlex, comments dropped;
    a loop or a line with ``;``/``&``/``|`` kept as written, for bash)."""
    out = []
    for start, lang, text in blocks(doc):
        if lang != "bash":
            continue
        logical, first = "", None
        for i, line in enumerate(text.splitlines(), start + 1):
            first = first or i
            logical += line[:-1] + " " if line.rstrip().endswith("\\") else line
            if line.rstrip().endswith("\\"):
                continue
            tokens = shlex.split(logical, comments=True)
            if logical.lstrip().startswith("for ") or any(t in (";", "&", "|") or t.endswith(";") for t in tokens):
                out.append((first, logical.split(" #")[0].strip()))  # shell syntax: run as written, by bash
                logical, first = "", None
                continue
            part = []
            for tok in tokens + ["&&"]:
                if tok == "&&":
                    if part:
                        out.append((first, shlex.join(part)))
                    part = []
                else:
                    part.append(tok)
            logical, first = "", None
    return out


def snippets(doc):
    return [(start, text) for start, lang, text in blocks(doc) if lang == "python"]


def substitute(text, places, used):
    for i, (pattern, replacement, _) in enumerate(SUBSTITUTIONS):
        for key, value in places.items():
            replacement = replacement.replace("{" + key + "}", str(value))
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        if n:
            used.add(i)
    return text


def not_run(command, used):
    for i, (pattern, why) in enumerate(NOT_RUN):
        if re.search(pattern, command):
            used.add(i)
            return why
    return None


# ---- fixtures: what the README assumes the reader has ------------------------------------------

def _photo(name, size=None):
    from skimage import data as skdata

    img = getattr(skdata, name)()
    return img if size is None else img[:size[0], :size[1]]


def _make_fixtures(root):
    from keras_sr import data, models

    fx = root / "fixtures"
    fx.mkdir()
    data.write_image(root / "photo.jpg", _photo("chelsea", (96, 128)))
    for folder, names in (("Set5/HR", ("astronaut", "coffee")), ("Set14", ("chelsea", "rocket")),
                          ("DIV2K/HR", ("astronaut", "coffee", "chelsea")), ("photos", ("coffee", "rocket"))):
        (root / folder).mkdir(parents=True)
        for name in names:
            data.write_image(root / folder / f"{name}.png", _photo(name, (144, 160)))
    (root / "my.json").write_text(json.dumps({"patch_size": 24}) + "\n")
    models.build("rt4ksr", scale=2).save(fx / "rt4ksr_x2_best.keras")
    models.build("edsr-baseline", scale=4).save(fx / "edsr-baseline_x4_best.keras")
    places = {"python": sys.executable, "repo": REPO, "fixtures": fx, "shared": SHARED}
    if HAVE_SHARED:
        places.update(set5=SHARED / "data" / "Set5", t91=SHARED / "data" / "train" / "T91",
                      bsd200=SHARED / "data" / "train" / "BSD200")
    else:
        for folder, names in (("T91", ("coffee", "rocket")), ("BSD200", ("astronaut", "chelsea"))):
            (fx / folder).mkdir()
            for name in names:
                data.write_image(fx / folder / f"{name}.png", _photo(name, (200, 200)))
        data.write_image(fx / "T91" / "t20.png", _photo("coffee", (78, 78)))  # smaller than a 96 px crop
        (fx / "Set5" / "HR").mkdir(parents=True)
        for name in ("astronaut", "coffee"):
            data.write_image(fx / "Set5" / "HR" / f"{name}.png", _photo(name, (96, 120)))
        places.update(set5=fx / "Set5", t91=fx / "T91", bsd200=fx / "BSD200")
    return places


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    return root, _make_fixtures(root)


def _env():
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("KERAS_BACKEND", None)
    return env


# ---- the tests ------------------------------------------------------------------------------------

SNIPPET_RUNNER = textwrap.dedent("""
    import json, sys, traceback
    snippets = json.load(open(sys.argv[1]))
    namespace = {"__name__": "__readme__"}
    for label, code in snippets:
        try:
            exec(compile(code, label, "exec"), namespace)
        except BaseException:
            print("SNIPPET FAILED " + label + "\\n" + traceback.format_exc(), file=sys.stderr)
            sys.exit(1)
        print("SNIPPET OK " + label, flush=True)
""")

USED_SUBS, USED_NOT_RUN = set(), set()  # filled by the runs (test_every_table_entry_is_still_used recomputes)


@pytest.mark.parametrize("doc", DOCS)
def test_readme_commands_and_snippets_run(doc, workdir):
    root, places = workdir
    failures, ran, listed = [], [], []
    for line, command in commands(doc):
        why = not_run(command, USED_NOT_RUN)
        if why:
            listed.append(f"{doc}:{line} {command}  ({why})")
            continue
        cmd = substitute(command, places, USED_SUBS)
        expected = next((rc for p, rc in EXPECTED_EXIT.items() if re.search(p, cmd)), 0)
        shell = bool(re.search(r"[;&|$]|^for ", cmd))  # a loop or `&`: the reader's shell runs it
        proc = subprocess.run(cmd if shell else shlex.split(cmd), shell=shell,
                              executable="/bin/bash" if shell else None, cwd=root, env=_env(),
                              capture_output=True, text=True, timeout=900)
        ran.append(cmd)
        if proc.returncode != expected:
            failures.append(f"{doc}:{line} `{command}`\n  ran: {cmd}\n  exit {proc.returncode} (expected "
                            f"{expected}):\n{(proc.stdout + proc.stderr)[-2500:]}")
    todo = []
    for line, code in snippets(doc):
        code = substitute(code, places, USED_SUBS)
        if str(SHARED) in code and not HAVE_SHARED:
            listed.append(f"{doc}:{line} python snippet (needs ../shared, absent here)")
            continue
        todo.append((f"{doc}:{line}", code))
    if todo:
        todo.insert(0, (f"{doc}:prelude", PRELUDE.get(doc, "")))
        spec = root / f"snippets_{doc.replace('/', '_')}.json"
        spec.write_text(json.dumps(todo))
        proc = subprocess.run([sys.executable, "-c", SNIPPET_RUNNER, str(spec)], cwd=root, env=_env(),
                              capture_output=True, text=True, timeout=900)
        ran.extend(label for label, _ in todo)
        if proc.returncode != 0:
            failures.append(f"{doc} python snippets:\n{proc.stdout[-1000:]}\n{proc.stderr[-3000:]}")
    print(f"{doc}: ran {len(ran)}; not run (listed): " + "; ".join(listed))
    assert not failures, "\n\n".join(failures)


def test_every_table_entry_is_still_used():
    """Run after the commands above (file order): a substitution or NOT_RUN row that matched nothing is stale."""
    places = {"python": "PY", "repo": "REPO", "fixtures": "FX", "set5": "S5", "t91": "T", "bsd200": "B",
              "shared": "SH"}
    used_subs, used_not_run = set(), set()
    for doc in DOCS:
        for _, command in commands(doc):
            if not not_run(command, used_not_run):
                substitute(command, places, used_subs)
        for _, code in snippets(doc):
            substitute(code, places, used_subs)
    stale = [SUBSTITUTIONS[i][0] for i in range(len(SUBSTITUTIONS)) if i not in used_subs]
    stale += [NOT_RUN[i][0] for i in range(len(NOT_RUN)) if i not in used_not_run]
    assert not stale, f"table rows that match no README command any more: {stale}"
    assert len(commands("README.md")) >= 8 and len(snippets("README.md")) >= 5  # the extraction finds them


def test_command_extraction():
    assert commands("README.md")[:3] == [  # the main command: an && chain on line 18
        (18, "python3 -m venv .venv"), (18, ".venv/bin/pip install -q -e '.[cpu]'"),
        (18, ".venv/bin/keras-sr upscale --sample chelsea -o outputs/chelsea_x2.png --compare")]
    assert not any("#" in c for _, c in commands("README.md"))  # comments dropped


# ---- the zoo table vs `keras-sr models` ---------------------------------------------------------

def _zoo_rows():
    text = (REPO / "README.md").read_text()
    section = text[text.index("## The model zoo"):]
    section = section[:section.index("\n\n", section.index("| Preset"))]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    out = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[0])
        full = [names[0]] + [names[0].rsplit("-", 1)[0] + n if n.startswith("-") else n for n in names[1:]]
        out.append((full, cells[3], cells[4]))
    return out


def test_zoo_table_matches_keras_sr_models():
    """Each row's scales and trainable-parameter counts (before any parenthesis) are what `keras-sr models` prints."""
    from keras_sr import models

    proc = subprocess.run([sys.executable, "-m", "keras_sr.cli", "models"], cwd=REPO, env=_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = {}
    for line in proc.stdout.splitlines()[1:]:
        name = line.split()[0]
        pairs = re.findall(r"(?<!\S)(all|x\d|-) ([\d,]+)", line)
        printed[name] = [(label, int(n.replace(",", ""))) for label, n in pairs]
    rows = _zoo_rows()
    assert sorted(n for names, _, _ in rows for n in names) == sorted(models.list()) == sorted(printed)
    for names, scales, counts in rows:
        expected = []
        for name in names:
            got = [n for label, n in printed[name] if label == "all" or not models.is_multi_scale(name)]
            expected += [n for i, n in enumerate(got) if n not in got[:i]]  # a count equal at every scale: once
        numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", counts.split("(")[0])]
        assert numbers == expected, (names, counts, expected)
        digits = sorted(int(d) for d in re.findall(r"\d", scales))
        for name in names:
            assert digits == sorted(models.supported_scales(name)), (name, scales)
