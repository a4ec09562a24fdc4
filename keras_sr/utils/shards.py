"""Shards (``--shard I/N``): spread a big folder over N independent jobs (a Slurm array, a Kubernetes
indexed Job, N shells), and the batch ``keras-sr upscale DIR -o OUTDIR``.

Which job takes a file: ``sha1(file name) mod N`` (:func:`in_shard`). It depends on the name
only, not on the listing order or on the other files, so every job computes the same split
without talking to the others, and adding files later never moves a file to another shard.
The union of shards ``0/N … N-1/N`` is every file exactly once.

A re-run skips the outputs already written: keras-sr writes every image through a temporary
file that is renamed into place (:mod:`keras_sr.utils.atomic`), so a file under its final
name is complete; a job killed mid-write leaves at most a hidden ``.tmp-*`` file, which the
re-run of that shard removes and redoes (several shards may share one output folder).

Eval shards: ``keras-sr eval ... --shard I/N --json part-I.json`` writes its share's
per-image rows; ``python -m keras_sr.cli.shard merge-eval (or :func:`merge_eval`) OUT.json part-*.json`` checks the
parts are shards ``0..N-1`` of one evaluation and writes the whole table (means recomputed).
"""

import hashlib
import json
import os
import re

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(text):
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; ``ValueError`` naming ``--shard`` otherwise."""
    match = _SHARD.match(str(text))
    if not match:
        raise ValueError(f"--shard expects I/N (e.g. 0/4: the first of 4 shards), got {text!r}")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"--shard {text}: need 0 <= I < N (shards are numbered from 0), got I={index}, N={count}")
    return index, count


def in_shard(name, shard):
    """True when the file ``name`` (its base name is used) belongs to ``shard`` = ``(I, N)``."""
    if shard is None:
        return True
    index, count = shard
    digest = hashlib.sha1(os.path.basename(str(name)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index


def select(files, shard):
    """The files of ``shard`` (order kept)."""
    return [f for f in files if in_shard(f, shard)]


_PARTIAL = re.compile(r"^\.tmp-[A-Za-z0-9_]{8}-(?P<name>.+)$")  # keras_sr.utils.atomic's temp names


def remove_partial(folder, outputs):
    """Delete the temporary files an interrupted run left in ``folder`` for the output
    names ``outputs`` (this job's: other shards may be writing beside it); returns how many."""
    names = {os.path.basename(o) for o in outputs}
    count = 0
    if os.path.isdir(folder):
        for entry in os.listdir(folder):
            match = _PARTIAL.match(entry)
            path = os.path.join(folder, entry)
            if match and match.group("name") in names and os.path.isfile(path):
                os.unlink(path)
                count += 1
    return count


def shard_result(result, shard, model_arg):
    """Tag an :func:`keras_sr.evaluation.evaluate` result of one shard (``model_arg``: the
    ``--model`` given, which :func:`finished_eval` compares)."""
    return {**result, "shard": {"index": shard[0], "count": shard[1]}, "model_arg": str(model_arg)}


def finished_eval(path, shard, model, scale):
    """True when ``path`` already holds this shard's evaluation (a complete, atomic JSON)."""
    if not path or not os.path.isfile(path):
        return False
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        return False
    return (old.get("shard") == {"index": shard[0], "count": shard[1]} and old.get("scale") == scale
            and old.get("model_arg") == str(model))


def merge_eval(parts):
    """One evaluation from the JSON results of shards ``0..N-1`` (means over all images)."""
    import numpy as np

    if not parts:
        raise ValueError("merge-eval: no shard results given")
    first = parts[0]
    count = (first.get("shard") or {}).get("count")
    if count is None:
        raise ValueError("merge-eval: the first file is not a sharded eval result (no 'shard')")
    keys = ("model", "scale", "channel", "shave", "self_ensemble")
    seen = {}
    for part in parts:
        shard = part.get("shard") or {}
        if shard.get("count") != count or any(part.get(k) != first.get(k) for k in keys):
            raise ValueError(f"merge-eval: shard {shard} is not from the same evaluation as shard "
                             f"{first['shard']} ({', '.join(keys)} and the shard count must match)")
        if shard["index"] in seen:
            raise ValueError(f"merge-eval: shard {shard['index']}/{count} given twice")
        seen[shard["index"]] = part
    missing = sorted(set(range(count)) - set(seen))
    if missing:
        raise ValueError(f"merge-eval: missing shard(s) {', '.join(f'{i}/{count}' for i in missing)}")
    datasets = {}
    for index in range(count):
        for d in seen[index]["datasets"]:
            entry = datasets.setdefault(d["name"], {"name": d["name"], "path": d["path"], "per_image": []})
            entry["per_image"].extend(d["per_image"])
    merged = {k: first[k] for k in keys}
    merged["datasets"] = []
    for d in datasets.values():
        rows = sorted(d["per_image"], key=lambda r: r["file"])
        merged["datasets"].append({
            "name": d["name"], "path": d["path"], "images": len(rows),
            "psnr": float(np.mean([r["psnr"] for r in rows])) if rows else None,
            "ssim": float(np.mean([r["ssim"] for r in rows])) if rows else None,
            "seconds": float(sum(r["seconds"] for r in rows)), "per_image": rows})
    return merged
