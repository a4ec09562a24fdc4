"""Every shell command and Python snippet of the docs runs, so the docs cannot drift from the code.

**Which pages.** README.md, export/README.md, notebooks/README.md and every ``docs/*.md`` (a glob: a page
added to docs/ is covered without touching this file). One test per page.

**What is executed.** Every line of every ```bash block (``\\`` continuations joined, ``&&`` chains split,
comments dropped) and every ```python block. Output blocks (```text, or ``` with no language) are not run;
any other shell/Python spelling (```sh, ```console, ```py, ...) or a fence not at column 0 fails the page,
so nothing meant to run is skipped by accident. Each command runs in a fresh subprocess, in a temporary
folder that holds the files the docs assume the reader has (``photo.jpg``, ``Set5/``, ``Set14/``,
``DIV2K/HR/``, ``photos/``, ``my.json``, two finished training runs); the commands of a page run first, in
order, then its Python snippets in order in one fresh subprocess (one namespace, as a reader pasting them
into one session), after that page's ``PRELUDE`` (what the page leaves to the reader, e.g. ``lr_batch``).

**What is changed or left out: three tables keyed by (page, regex)**, page being a path relative to the
repository (``"docs/training.md"``) or a glob (``"*"``: every page, present and future). Each row says why.

* ``REWRITES``: ``{(page, regex): (replacement, why)}``, applied in the order written to every command and
  snippet of the pages that match: the reader's environment (``keras-sr`` -> this checkout's CLI in this
  interpreter, ``../shared`` data -> the real folder when present, else small generated folders) on every
  page, then per page: long step counts -> 2, export sizes -> 64x36, ... ``{python}``, ``{repo}``,
  ``{fixtures}``, ``{set5}``, ``{t91}``, ``{bsd200}``, ``{shared}`` in a replacement are filled in at run time.
* ``NOT_RUN``: ``{(page, regex): why}``: commands that cannot run in a test (installing packages, the test
  command itself, interactive servers, hour-long campaigns tested elsewhere). Every other command must exit
  0 (or what ``EXPECTED_EXIT`` ``{(page, regex): exit code}`` says).
* ``PRELUDE``: ``{page: code}`` run before the page's snippets.

A command or snippet is either run or listed: nothing is silently skipped, and a row whose regex matches
nothing on its pages fails ``test_every_table_entry_is_still_used`` (a stale row: the page changed). The
only conditional case: snippets that read ``../shared/weights`` (the RT4KSR authors' checkpoints, which
nothing can stand in for) run only when ``../shared`` is present.

**Adding a page or a command** needs nothing here when every block runs as written in a few seconds.
Otherwise add a row keyed by your page, e.g.::

    ("docs/video.md", r"--frames 3000\\b"): ("--frames 4", "long video: 4 frames show the same path"),

or, for data the reader is assumed to have, a fixture in ``_make_fixtures``; list a command in ``NOT_RUN``
only when it cannot run at all. Keep the whole file's runtime as it is (CI runs the suite on 2 cores): a new
command should take seconds after its rewrite.

Also here: README.md stays within 350 lines; its zoo table's scales and parameter counts match
``keras-sr models`` and its *Shipped* column matches ``keras_sr/weights/index.json``; its layout table names
every subpackage of ``keras_sr``; every relative link (and ``#anchor``) of the pages resolves. The README's
block between ``<!-- coming-pages`` and ``<!-- /coming-pages -->`` lists pages other developers add the same
day: a missing page there is reported as xfail, not a failure, until the lead prunes the block and removes
its markers (then those links are checked like any other).
"""

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED

REPO = Path(__file__).resolve().parents[1]
PAGES = ["README.md", "export/README.md", "notebooks/README.md"] + sorted(
    p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))
HAVE_SHARED = (SHARED / "data").is_dir()
README_MAX_LINES = 350

REWRITES = {
    # ---- every page: the reader's environment -> this test's
    ("*", r"(?:^|(?<=do ))(\.venv/bin/)?keras-sr\b"): (
        "{python} -m keras_sr.cli", "this checkout's CLI in the test's interpreter (also inside a shell `for ...; do` loop)"),
    ("*", r"^python -(m keras_sr|c)\b"): (r"{python} -\1", "the test's interpreter (python may be another install)"),
    ("*", r"^(nice -n 19 env )?PYTHONPATH=\. python benchmarks/"): (
        r"\1{python} {repo}/benchmarks/", "the benchmark scripts of this checkout, in the test's interpreter"),
    ("*", r"^python3? export/export\.py\b"): ("{python} {repo}/export/export.py", "the script of this checkout"),
    ("*", r"runs/rt4ksr/checkpoints/best\.keras"): (
        "{fixtures}/rt4ksr_x2_best.keras", "a finished RT4KSR x2 run (tests/test_journeys.py walks train -> eval)"),
    ("*", r"runs/x4/checkpoints/best\.keras"): ("{fixtures}/edsr-baseline_x4_best.keras", "a finished EDSR-baseline x4 run"),
    ("*", r"\.\./shared/data/Set5"): ("{set5}", "benchmark images (../shared or 2 generated)"),
    ("*", r"\.\./shared/data/train/T91"): ("{t91}", "training images (../shared or generated, with a 78 px one)"),
    ("*", r"\.\./shared/data/train/BSD200"): ("{bsd200}", "training images (../shared or generated)"),
    ("*", r"\.\./shared/weights/"): ("{shared}/weights/", "the RT4KSR authors' checkpoints: ../shared only"),
    # ---- docs/data.md
    ("docs/data.md", r"batch_size=16, seed=0\)"): ("batch_size=2, seed=0)", "large batch"),
    ("docs/data.md", r"steps_per_epoch=1000\b"): ("steps_per_epoch=2", "long step count"),
    # ---- docs/training.md
    ("docs/training.md", r"--steps 300000\b"): ("--steps 2", "long step count (the paper's recipe)"),
    ("docs/training.md", r"--epochs 100\b"): ("--epochs 1 --steps-per-epoch 2", "long step count"),
    ("docs/training.md", r"batch_size=32\b"): ("batch_size=2", "large batch"),
    ("docs/training.md", r"--steps 20000\b"): ("--steps 2", "long step count (the fast recipe with --val-split)"),
    ("docs/training.md", r"--init-weights keras_sr/weights/"): (
        "--init-weights {repo}/keras_sr/weights/", "the shipped weights of this checkout (commands run elsewhere)"),
    ("docs/training.md", r"--steps 2800 --steps-per-epoch 200\b"): (
        "--steps 2 --steps-per-epoch 2", "long step count (MDSR from EDSR-baseline x2)"),
    # ---- docs/scaling-out.md
    ("docs/scaling-out.md", r"--steps 2000\b"): ("--steps 2", "long step count (2 workers)"),
    ("docs/scaling-out.md", r"--steps-per-epoch 500\b"): ("--steps-per-epoch 1", "long epochs"),
    # ---- docs/restoration.md
    ("docs/restoration.md", r"--steps 2000\b"): ("--steps 2", "long step count (a blind denoiser)"),
    # ---- docs/export.md: exports at 640x360 -> 64x36 (same graph, seconds instead of minutes)
    ("docs/export.md", r"--input-size 640x360\b"): ("--input-size 64x36", "export size"),
    ("docs/export.md", r"_640x360\.tflite"): ("_64x36.tflite", "export size (the file names follow it)"),
    ("docs/export.md", r'"rt4ksr_x2_fp32_dynamic\.tflite"'): (
        '"exported/rt4ksr_x2_fp32_64x36.tflite"',
        "the interpreter calls on the fixed-shape file the export command above wrote (no extra conversion)"),
    ("docs/export.md", r"\[1, 720, 1280, 3\]"): ("[1, 36, 64, 3]", "export size"),
    # ---- export/README.md
    ("export/README.md", r"(--model edsr-baseline --scale 2 --formats \S+)( --out exports)$"): (
        r"\1 --input-size 64x36\2", "export size (EDSR-baseline's default 640x360 takes minutes)"),
    ("export/README.md", r"^(\S+ -m keras_sr\.cli export --model edsr-baseline .*--out) exports$"): (
        r"\1 exports_cli", "the `keras-sr export` line is the same export as the line above it; another folder, "
                           "because an export never overwrites"),
    ("export/README.md", r"_640x360\.tflite"): ("_64x36.tflite", "export size (the file names follow it)"),
    ("export/README.md", r'"exports/edsr_baseline_x2_fp32_dynamic\.tflite"'): (
        '"exports/edsr_baseline_x2_fp32_64x36.tflite"',
        "the interpreter calls on the fixed-shape file the export command above wrote (no extra conversion)"),
    ("export/README.md", r"\[1, 360, 640, 3\]"): ("[1, 36, 64, 3]", "export size"),
}

NOT_RUN = {
    ("*", r"^python3 -m venv \.venv$"): "creates the environment this test already runs in",
    ("*", r"\bpip install\b"): "installs packages: CI's own step; this test runs inside that environment",
    ("*", r"-m pytest\b"): "the test command itself: running it here would recurse",
    ("notebooks/README.md", r"^jupyter lab\b"): "starts an interactive server",
    ("notebooks/README.md", r"^papermill\b"): "papermill is no keras-sr dependency; tests/test_notebooks.py executes "
                                             "the notebooks with their parameters cell overridden the same way",
    ("docs/training.md", r"train_zoo\.py --budget-minutes\b"): (
        "the GPU campaign: hours of training that writes into keras_sr/weights; tests/test_train_zoo.py runs this "
        "script on a tiny plan"),
    ("docs/training.md", r"gpu_campaign_data\.py --out \.gpu$"): (
        "encodes all 291 training images (minutes); tests/test_train_zoo_jax.py runs it on three photos"),
    ("docs/training.md", r"train_zoo_jax\.py .*--seconds 545\b"): (
        "the 9-minute GPU campaign (KERAS_BACKEND=jax); tests/test_train_zoo_jax.py runs a tiny lane of it"),
    ("docs/training.md", r"ship_jax_campaign\.py --results runs/zoo_gpu\b"): (
        "writes into keras_sr/weights; tests/test_train_zoo_jax.py ships a tiny lane into a temporary folder"),
    ("docs/training.md", r"recipe_race\.py --minutes 8\b"): (
        "a 40-minute benchmark (4 runs of 8 min) whose table is on the page; the paper and fast recipes it races "
        "are tested in tests/test_recipes_fast.py"),
}

EXPECTED_EXIT = {}  # {(page, regex on the rewritten command): exit code}; default 0

PRELUDE = {
    "README.md": "import numpy as np\nlr_batch = np.random.default_rng(0).random((1, 24, 32, 3), dtype=np.float32)\n",
    "export/README.md": "import numpy as np\nlr = np.random.default_rng(0).random((1, 36, 64, 3), dtype=np.float32)\n",
}

RUN_LANGS = ("bash", "python")
OUTPUT_LANGS = ("text", "")  # shown, never run
MISSPELLED_LANGS = ("sh", "shell", "console", "zsh", "py", "python3", "pycon", "ipython")


def _on(page, key_page):
    return fnmatch.fnmatch(page, key_page)


# ---- extraction -------------------------------------------------------------------------------

def fences(page):
    """``[(line, lang, text)]`` of every fenced block of ``page`` (lang ``""`` for a bare fence)."""
    out, lang, start, buf = [], None, 0, []
    for i, line in enumerate((REPO / page).read_text().splitlines(), 1):
        fence = re.match(r"^```([\w+-]*)\s*$", line)
        if fence and lang is None:
            lang, start, buf = fence.group(1), i, []
        elif fence:
            out.append((start, lang, "\n".join(buf)))
            lang = None
        elif lang is not None:
            buf.append(line)
    return out


def blocks(page):
    """``[(line, lang, text)]`` of the ```bash / ```python blocks of ``page``."""
    return [(start, lang, text) for start, lang, text in fences(page) if lang in RUN_LANGS]


def fence_problems(page):
    """Blocks this test would not see or would not run although they look runnable."""
    problems = [f"{page}:{start}: ```{lang} is neither run nor output: write ```bash / ```python to run it, "
                f"```text for output" for start, lang, _ in fences(page)
                if lang not in RUN_LANGS + OUTPUT_LANGS and lang.lower() in MISSPELLED_LANGS]
    in_block = False
    for i, line in enumerate((REPO / page).read_text().splitlines(), 1):
        if re.match(r"^```", line):
            in_block = not in_block
        elif not in_block and re.match(r"^\s+```", line):
            problems.append(f"{page}:{i}: an indented fence: start it at column 0 so that this test sees it")
    return problems


def commands(page):
    """``[(line, command)]``: every command of the bash blocks (normalized by shlex, comments dropped;
    a loop or a line with ``;``/``&``/``|`` kept as written, for bash)."""
    out = []
    for start, lang, text in blocks(page):
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


def snippets(page):
    return [(start, text) for start, lang, text in blocks(page) if lang == "python"]


def substitute(page, text, places, used):
    for key, (replacement, _) in REWRITES.items():
        key_page, pattern = key
        if not _on(page, key_page):
            continue
        for name, value in places.items():
            replacement = replacement.replace("{" + name + "}", str(value))
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        if n:
            used.add(key)
    return text


def not_run(page, command, used):
    for key, why in NOT_RUN.items():
        key_page, pattern = key
        if _on(page, key_page) and re.search(pattern, command):
            used.add(key)
            return why
    return None


def expected_exit(page, command):
    return next((rc for (key_page, pattern), rc in EXPECTED_EXIT.items()
                 if _on(page, key_page) and re.search(pattern, command)), 0)


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


# ---- running every page -----------------------------------------------------------------------------

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


@pytest.mark.parametrize("page", PAGES)
def test_page_commands_and_snippets_run(page, workdir):
    assert not fence_problems(page), "\n".join(fence_problems(page))
    if not blocks(page):
        return  # nothing to run (a page of tables and prose)
    root, places = workdir
    failures, ran, listed = [], [], []
    for line, command in commands(page):
        why = not_run(page, command, set())
        if why:
            listed.append(f"{page}:{line} {command}  ({why})")
            continue
        cmd = substitute(page, command, places, set())
        expected = expected_exit(page, cmd)
        shell = bool(re.search(r"[;&|$]|^for |^\w+=\S* ", cmd))  # a loop, `&`, `VAR=x cmd`: the reader's shell runs it
        proc = subprocess.run(cmd if shell else shlex.split(cmd), shell=shell,
                              executable="/bin/bash" if shell else None, cwd=root, env=_env(),
                              capture_output=True, text=True, timeout=900)
        ran.append(cmd)
        if proc.returncode != expected:
            failures.append(f"{page}:{line} `{command}`\n  ran: {cmd}\n  exit {proc.returncode} (expected "
                            f"{expected}):\n{(proc.stdout + proc.stderr)[-2500:]}")
    todo = []
    for line, code in snippets(page):
        code = substitute(page, code, places, set())
        if str(SHARED) in code and not HAVE_SHARED:
            listed.append(f"{page}:{line} python snippet (needs ../shared, absent here)")
            continue
        todo.append((f"{page}:{line}", code))
    if todo:
        todo.insert(0, (f"{page}:prelude", PRELUDE.get(page, "")))
        spec = root / f"snippets_{page.replace('/', '_')}.json"
        spec.write_text(json.dumps(todo))
        proc = subprocess.run([sys.executable, "-c", SNIPPET_RUNNER, str(spec)], cwd=root, env=_env(),
                              capture_output=True, text=True, timeout=900)
        ran.extend(label for label, _ in todo)
        if proc.returncode != 0:
            failures.append(f"{page} python snippets:\n{proc.stdout[-1000:]}\n{proc.stderr[-3000:]}")
    print(f"{page}: ran {len(ran)}; not run (listed): " + "; ".join(listed))
    assert not failures, "\n\n".join(failures)


def test_every_table_entry_is_still_used():
    """A REWRITES / NOT_RUN / EXPECTED_EXIT / PRELUDE row that matches nothing on its pages is stale."""
    places = {"python": "PY", "repo": "REPO", "fixtures": "FX", "set5": "S5", "t91": "T", "bsd200": "B",
              "shared": "SH"}
    used_rewrites, used_not_run = set(), set()
    for page in PAGES:
        for _, command in commands(page):
            if not not_run(page, command, used_not_run):
                substitute(page, command, places, used_rewrites)
        for _, code in snippets(page):
            substitute(page, code, places, used_rewrites)
    stale = [key for key in REWRITES if key not in used_rewrites]
    stale += [key for key in NOT_RUN if key not in used_not_run]
    stale += [key for key in EXPECTED_EXIT
              if not any(_on(p, key[0]) and re.search(key[1], substitute(p, c, places, set()))
                         for p in PAGES for _, c in commands(p))]
    stale += [page for page in PRELUDE if page not in PAGES or not snippets(page)]
    assert not stale, f"rows that match no command or snippet of their pages any more: {stale}"
    # the extraction finds them
    assert sum(len(commands(p)) for p in PAGES) >= 25 and sum(len(snippets(p)) for p in PAGES) >= 10


def test_command_extraction():
    assert commands("README.md")[:3] == [  # the main command: an && chain on line 18
        (18, "python3 -m venv .venv"), (18, ".venv/bin/pip install -q -e '.[cpu]'"),
        (18, ".venv/bin/keras-sr upscale --sample rocket -o outputs/rocket_x2.png --compare")]
    assert not any("#" in c for p in PAGES for _, c in commands(p))  # comments dropped
    assert "docs/training.md" in PAGES and "docs/export.md" in PAGES  # the docs/ glob finds the pages


def test_keys_name_real_pages():
    """A table row keyed by a page that does not exist (renamed, or another developer's page that did not land)."""
    keys = [k[0] for k in REWRITES] + [k[0] for k in NOT_RUN] + [k[0] for k in EXPECTED_EXIT] + list(PRELUDE)
    missing = sorted({k for k in keys if not any(_on(p, k) for p in PAGES)})
    assert not missing, f"table rows keyed by pages that do not exist: {missing}"


# ---- the README itself ----------------------------------------------------------------------------

def test_readme_is_short():
    lines = (REPO / "README.md").read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): move the detail to a page in docs/ "
        f"and link it from the README's map")
    text = "\n".join(lines)
    assert "<!-- main-command -->\n```bash\n" in text and "<!-- test-command -->\n```bash\n" in text  # .ci/run


def _table_after(text, heading, first_cell):
    section = text[text.index(heading):]
    section = section[:section.index("\n\n", section.index(first_cell))]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
            for row in section.splitlines() if row.startswith("| `")]


def _zoo_rows():
    rows = _table_after((REPO / "README.md").read_text(), "## The model zoo", "| Preset")
    out = []
    for cells in rows:
        names = re.findall(r"`([^`]+)`", cells[0])
        full = [names[0]] + [names[0].rsplit("-", 1)[0] + n if n.startswith("-") else n for n in names[1:]]
        out.append((full, cells[3], cells[4], cells[5] if len(cells) > 5 else ""))
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
    assert sorted(n for names, _, _, _ in rows for n in names) == sorted(models.list()) == sorted(printed)
    for names, scales, counts, _ in rows:
        expected = []
        for name in names:
            got = [n for label, n in printed[name] if label == "all" or not models.is_multi_scale(name)]
            expected += [n for i, n in enumerate(got) if n not in got[:i]]  # a count equal at every scale: once
        numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", counts.split("(")[0])]
        assert numbers == expected, (names, counts, expected)
        digits = sorted(int(d) for d in re.findall(r"\d", scales))
        for name in names:
            assert digits == sorted(models.supported_scales(name)), (name, scales)


def test_zoo_shipped_column_matches_the_index():
    """The *Shipped* column lists every shipped file's Set5 PSNR as keras_sr/weights/index.json has it.

    A cell reads ``×2 37.29, ×3 33.36`` (the row's preset), or ``\\`name\\` ×2 37.40, ...`` per preset where a row
    has several; figures in parentheses are context (baselines) and are not read.
    """
    index = json.loads((REPO / "keras_sr" / "weights" / "index.json").read_text())
    shipped = {(e["preset"], e["scale"]): float(Decimal(str(e["set5"]["psnr"])).quantize(Decimal("0.01"), ROUND_HALF_UP))
               for e in index.values()}  # 31.525 -> 31.53, as written
    in_table = {}
    for names, _, _, cell in _zoo_rows():
        preset = names[0]
        for part in re.split(r"(`[^`]+`)", re.sub(r"\([^)]*\)", "", cell)):
            if part.startswith("`"):
                preset = part.strip("`")
                continue
            for scale, psnr in re.findall(r"×(\d) (\d+\.\d\d)\b", part):
                in_table[(preset, int(scale))] = float(psnr)
    assert in_table == shipped, (
        f"README zoo table's Shipped column vs index.json: missing {sorted(set(shipped) - set(in_table))}, "
        f"not shipped {sorted(set(in_table) - set(shipped))}, different "
        f"{sorted((k, in_table[k], shipped[k]) for k in set(in_table) & set(shipped) if in_table[k] != shipped[k])}")


def test_layout_table_names_every_subpackage():
    rows = _table_after((REPO / "README.md").read_text(), "## Layout", "| Path")
    listed = {m for cells in rows for m in re.findall(r"`keras_sr/(\w+)/`", cells[0])}
    packages = {p.parent.name for p in (REPO / "keras_sr").glob("*/__init__.py")}
    assert packages <= listed, f"README's layout table leaves out keras_sr/{sorted(packages - listed)}/"


# ---- links ------------------------------------------------------------------------------------------

def _slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces -> hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()  # a link's text only
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _prose(page):
    """The page's lines outside fenced blocks, with their numbers."""
    out, in_block = [], False
    for i, line in enumerate((REPO / page).read_text().splitlines(), 1):
        if re.match(r"^```", line):
            in_block = not in_block
        elif not in_block:
            out.append((i, line))
    return out


def _anchors(page):
    seen, anchors = {}, set()
    for _, line in _prose(page):
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            slug = _slug(m.group(1))
            anchors.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
            seen[slug] = seen.get(slug, 0) + 1
    return anchors


def _links(page):
    """``[(line, target, coming)]``: relative link targets, ``coming`` inside the README's coming-pages block."""
    out, coming = [], False
    for i, line in _prose(page):
        if "<!-- coming-pages" in line:
            coming = True
        if "<!-- /coming-pages -->" in line:
            coming = False
        line = re.sub(r"`[^`]*`", "", line)  # inline code is not a link
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
                out.append((i, target, coming))
    return out


def test_every_relative_link_resolves():
    broken, coming_missing = [], []
    for page in PAGES:
        for line, target, coming in _links(page):
            path, _, anchor = target.partition("#")
            file = (REPO / page).parent / path if path else REPO / page
            where = f"{page}:{line} ({target})"
            if not file.exists():
                (coming_missing if coming else broken).append(where)
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file.relative_to(REPO).as_posix()):
                broken.append(f"{where}: no heading with that anchor")
    assert not broken, "broken links:\n" + "\n".join(broken)
    if coming_missing:
        pytest.xfail("pages announced in the README's coming-pages block that are not here yet (the lead deletes "
                     "their lines at merge): " + ", ".join(coming_missing))


def test_link_checker_sees_links_and_anchors():
    assert _slug("Recipes: `paper` (default) and `fast`") == "recipes-paper-default-and-fast"
    assert _slug("The shipped RT4KSR ×2, exported") == "the-shipped-rt4ksr-2-exported"
    assert any(t == "docs/training.md" for _, t, _ in _links("README.md"))
    assert "side-by-side-lean-graph" in _anchors("docs/side-by-side.md")
