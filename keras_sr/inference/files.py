"""Upscale (or restore) image files: every write planned before any work, one loop, a summary.

    from keras_sr.inference.files import plan_files, upscale_files
    jobs = plan_files(["photos/"], "out/", compare=True)       # checks every path, writes nothing
    summary = upscale_files(load_predictor("rt4ksr", scale=2), jobs)

:func:`plan_files` lists what a run will write (each output and its ``_compare.png``) and
checks it before any model loads: no written path may be an input (real paths, symlinks,
hard links, case folded) or be written twice, and the output folder must be creatable.
Nothing is created until the run starts. :func:`upscale_files` is the one loop both
``keras-sr upscale`` and ``keras-sr restore`` run (a folder, several files, ``--shard``):
a file that cannot be read is reported at the end and the others are written; a batch
skips outputs already written, so a re-run does only what is missing; a full disk stops
the run with one line naming the file (every write is atomic: nothing is half-written).
"""

import dataclasses
import errno
import os
import time
import warnings

from keras_sr.inference.image_files import compare_path, list_inputs, output_path
from keras_sr.utils.shards import in_shard, remove_partial

_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".gif")
FAILED = 1  # exit status of a run where some files failed (2: refused before any work)


class DiskFullError(OSError):
    """No space left for an output; the message names the file (also ``path``)."""


@dataclasses.dataclass
class Job:
    """One input and the paths its run writes (``compare`` is ``None`` without ``--compare``)."""

    source: str
    output: str
    compare: str = None

    @property
    def writes(self):
        return [p for p in (self.compare, self.output) if p]


@dataclasses.dataclass
class Summary:
    """What :func:`upscale_files` did: ``written`` jobs and ``failed`` [(file, reason)]."""

    written: list = dataclasses.field(default_factory=list)
    failed: list = dataclasses.field(default_factory=list)


def _key(path):
    """One spelling per file: real path (symlinks resolved), case folded (a case-insensitive disk)."""
    return os.path.normcase(os.path.realpath(path)).casefold()


def _inode(path):
    try:
        st = os.stat(path)
        return st.st_dev, st.st_ino
    except OSError:
        return None


def check_clashes(jobs, inputs=()):
    """``ValueError`` when a path some job writes is an input (``inputs`` and the jobs' sources) or is
    written by two jobs."""
    sources = {}
    for src in list(inputs) + [j.source for j in jobs]:
        sources.setdefault(_key(src), src)
        if _inode(src):
            sources.setdefault(_inode(src), src)
    written = {}
    for job in jobs:
        for path in job.writes:
            clash = sources.get(_key(path)) or sources.get(_inode(path) or "")
            if clash is not None:
                raise ValueError(f"{path} would overwrite the input {clash}; choose another -o")
            if _key(path) in written:
                raise ValueError(f"inputs {written[_key(path)]} and {job.source} would both be written to {path}; "
                                 "rename one or choose another -o")
            if os.path.isdir(path):
                raise ValueError(f"output {path} is a folder; give a file name or a folder for several inputs")
            written[_key(path)] = job.source


def check_creatable(folder, option="-o"):
    """``folder`` exists and is writable, or can be created: its nearest existing ancestor is a
    writable folder (nothing is created here)."""
    path = os.path.abspath(folder)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        raise NotADirectoryError(f"{option} {folder}: {path} is a file, not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(f"{option} {folder}: cannot write in {path} (permission denied)")


def plan_files(inputs, output, compare=False, batch=False):
    """The :class:`Job` of every input (folders expanded), checked: nothing written over an input
    or twice, output folder creatable.

    ``batch`` (a folder input or a shard): ``output`` is a folder; several inputs make it one too.
    A shard's run (:func:`run_files`) takes its share of all these, so every output name is
    checked over all files, not only the shard's."""
    files = list_inputs(inputs)
    several = batch or len(files) > 1
    if several and os.path.exists(output) and not os.path.isdir(output):
        raise ValueError(f"-o {output} must be a folder when upscaling {len(files)} images"
                         + (" (a folder input or --shard)" if batch else ""))
    if several and not os.path.exists(output) and os.path.splitext(output)[1].lower() in _IMAGE_ENDINGS:
        raise ValueError(f"-o {output} names a file, but {len(files)} images need a folder: give a folder "
                         "(created when missing)")
    jobs = []
    for src in files:
        dst = output_path(src, output, several)
        jobs.append(Job(src, dst, compare_path(dst) if compare else None))
    check_clashes(jobs)
    check_creatable(output if several else os.path.dirname(os.path.abspath(output)))
    return jobs


def check_readable(jobs):
    """Open each input's header (no decoding): an unreadable file fails by name before any work."""
    from PIL import Image

    from keras_sr.data import ImageReadError

    for job in jobs:
        try:
            with Image.open(job.source):
                pass
        except Exception as e:  # noqa: BLE001  (PIL raises many types)
            raise ImageReadError(job.source, f"cannot read image ({type(e).__name__}: {e})") from e


def animated_frames(path):
    """Frame count of an animated image (GIF, APNG, WebP); 1 for a still one."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            return int(getattr(img, "n_frames", 1) or 1)
    except Exception:  # noqa: BLE001
        return 1


def _write(path, write):
    try:
        write()
    except OSError as e:
        if e.errno in _DISK_FULL:
            full = DiskFullError(f"disk full writing {path}: nothing was half-written; free space and re-run "
                                 "(images already written are kept)")
            full.path = str(path)
            raise full from None
        raise


def _out_of_memory(exc):
    """True for an allocation failure: ``MemoryError`` or TensorFlow's ``ResourceExhaustedError`` (OOM)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError" or "OOM when" in str(exc)


def run_files(jobs, load, batch=False, shard=None, log=print, **options):
    """``keras-sr upscale`` and ``keras-sr restore``: run the planned ``jobs`` (:func:`plan_files`)
    and print a summary; returns the exit status (0, or :data:`FAILED` when some files failed).

    ``load()`` gives the :class:`~keras_sr.inference.Predictor`; it is called only when there is
    work. ``batch``: outputs already written are skipped (and partial files of an interrupted
    run removed) so a re-run does only what is missing; ``shard`` = ``(I, N)``: only that share.
    ``options``: :func:`upscale_files`'s."""
    mine = [j for j in jobs if in_shard(j.source, shard)]
    todo = mine
    if batch:
        stale = 0
        for folder in sorted({os.path.dirname(j.output) for j in mine}):
            stale += remove_partial(folder, [p for j in mine for p in j.writes])
        todo = [j for j in mine if not os.path.isfile(j.output)]
        label = f"shard {shard[0]}/{shard[1]}: " if shard else ""
        log(f"{label}{len(mine)} of {len(jobs)} images; {len(mine) - len(todo)} already written, {len(todo)} to do"
            + (f" (removed {stale} partial file(s) of an interrupted run)" if stale else ""))
        if not todo:
            return 0
    predict = load()
    summary = upscale_files(predict, todo, log=log, per_file=not batch, **options)
    if batch:
        log(f"wrote {len(summary.written)} image(s) to {os.path.dirname(todo[0].output) or '.'} ({predict.name} "
            f"x{predict.scale}{', ' + options.get('note') if options.get('note') else ''})")
    if summary.failed:
        log(f"{len(summary.failed)} of {len(todo)} file(s) failed (the others are written; a re-run does only "
            "what is missing):")
        for src, reason in summary.failed:
            log(f"  {src}: {reason}")
        return FAILED
    return 0


def upscale_files(predict, jobs, tile=None, overlap=None, border="symmetric", self_ensemble=False,
                  max_memory=None, note="", log=print, verbose=1, per_file=True):
    """Run ``predict`` (a :class:`~keras_sr.inference.Predictor`) on every job; returns a :class:`Summary`.

    ``tile=None`` chooses tiles by memory (:mod:`keras_sr.inference.memory`, ``max_memory`` bytes,
    default half the available memory); an unreadable input is recorded in ``Summary.failed``
    and the run goes on. Out of memory and a full disk stop the run (one-line errors). ``log``
    prints progress lines (``verbose=0``: none; ``per_file=False``: a progress bar but no "wrote" line
    per image); ``note`` is added to each "wrote" line."""
    from keras_sr.data import ImageReadError, write_image
    from keras_sr.inference.image_files import read_for_upscale
    from keras_sr import inference  # inference.upscale: one name to patch in tests
    from keras_sr.inference.upscaling import choose_tile, holds_floats
    from keras_sr.utils.progress import progress_bar

    summary = Summary()
    todo = list(jobs)
    loaded = predict

    def run_on(image):  # the predictor for this image (one that estimates its noise level, or the one given)
        return loaded.for_image(image) if loaded.for_image is not None else loaded

    if not todo:
        return summary
    for folder in sorted({os.path.dirname(os.path.abspath(j.output)) for j in todo}):
        os.makedirs(folder, exist_ok=True)  # only now: a refused run leaves no folder
    single = len(todo) == 1
    bar = progress_bar(len(todo), unit_name="image") if not single and verbose else None
    for i, job in enumerate(todo):
        try:
            image = read_for_upscale(job.source)
        except ImageReadError as e:
            text = str(e)
            summary.failed.append((job.source, text[len(job.source) + 2:] if text.startswith(job.source + ": ")
                                   else text))
            continue
        frames = animated_frames(job.source)
        if frames > 1:
            log(f"keras-sr: warning: {job.source} is animated ({frames} frames): only frame 1 is upscaled")
        h, w = image.shape[:2]
        predict = run_on(image)
        chosen, tiling = (tile, f"tiles of {tile} px") if tile else choose_tile(
            predict, h, w, max_memory, overlap, image.dtype.itemsize, self_ensemble, holds_floats(predict, image),
            os.path.splitext(job.output)[1] or ".png")
        if single and verbose:
            log(f"upscaling {job.source} ({w}x{h} -> {w * predict.scale}x{h * predict.scale}, {predict.name} "
                f"x{predict.scale}, {tiling})", flush=True)
        start = time.perf_counter()
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                sr = inference.upscale(predict, image, tile=chosen, overlap=overlap, self_ensemble=self_ensemble,
                             allow_small_overlap=True, border=border, verbose=1 if single and verbose else 0)
        except Exception as exc:  # noqa: BLE001  (TensorFlow's OOM is ResourceExhaustedError)
            if not _out_of_memory(exc):
                raise
            smaller = max(16, (chosen or 512) // 2)
            raise MemoryError(f"out of memory upscaling {job.source} ({w}x{h} -> {w * predict.scale}x"
                              f"{h * predict.scale} with {predict.name} x{predict.scale}"
                              f"{', tiles of ' + str(chosen) if chosen else ''}): use --tile {smaller} or a "
                              "smaller --max-memory (smaller tiles, same output)") from exc
        for w_ in caught:
            log(f"keras-sr: warning: {'' if single else job.source + ': '}{w_.message}")
        if job.compare:
            _write(job.compare, lambda: write_compare(job.compare, image, sr, predict))
        try:
            _write(job.output, lambda: write_image(job.output, sr))
        except BaseException:
            if job.compare and os.path.isfile(job.compare):
                os.unlink(job.compare)  # this image is not done: no picture without its output
            raise
        summary.written.append(job)
        seconds = time.perf_counter() - start
        if bar is not None:
            bar.update(i + 1)
        if verbose and per_file:
            log(f"wrote {job.output} ({sr.shape[1]}x{sr.shape[0]}{', 16-bit' if sr.dtype.itemsize == 2 else ''}, "
                f"{predict.name} x{predict.scale}{', ' + note if note else ''}) in {seconds:.1f} s")
            if job.compare:
                first = "input" if predict.scale == 1 else "bicubic"
                log(f"wrote {job.compare} ({first} | {predict.name})")
        del image, sr
    return summary


def _rgb8(image):
    """uint8 RGB view of an upscale input/output (grey repeated, alpha dropped, 16 bits reduced)."""
    import numpy as np

    a = np.asarray(image)
    if a.ndim == 2:
        a = a[..., None]
    a = a[..., :1] if a.shape[-1] in (1, 2) else a[..., :3]  # grey (+alpha) or RGB(+alpha)
    a = np.repeat(a, 3, axis=-1) if a.shape[-1] == 1 else a
    if a.dtype == np.uint16:
        a = np.round(a / 257.0)
    return a.astype(np.uint8)


def write_compare(path, image, sr, predict, size=192, zoom=2):
    """Bicubic | SR crops (``size`` px where the two differ most, enlarged ``zoom`` x) to ``path``."""
    from keras_sr.data import matlab_imresize
    from keras_sr.evaluation.visualize import detail_crop, write_comparison

    lr = _rgb8(image)
    bicubic = _rgb8(matlab_imresize(lr, float(predict.scale)))  # MATLAB imresize, uint8 in and out
    out = _rgb8(sr)
    top, left, h, w = detail_crop(out, bicubic, size)
    tiles = [a[top:top + h, left:left + w].repeat(zoom, 0).repeat(zoom, 1) for a in (bicubic, out)]
    first = "input" if predict.scale == 1 else "bicubic"  # x1 (keras-sr restore): the image as given
    write_comparison(path, tiles, [first, f"keras-sr {predict.name} x{predict.scale}"])
    return path
