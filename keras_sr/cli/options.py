"""Pieces several verbs share: ``--set KEY=VALUE`` parsing, the tiling options and their checks
(before TensorFlow loads), the one-line error text."""

import ast
import json


def parse_key_values(items, option="--set"):
    """``["num_blocks=4", "scales=[2, 4]", "act=relu"]`` -> dict.

    Values are read as JSON, then as a Python literal (``(2, 4)``, ``True``); anything
    else stays a string.
    """
    values = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{option} expects KEY=VALUE, got {item!r}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                value = text
        values[key.strip()] = value
    return values


def error_line(exc):
    """The first line of an exception's message (its type name when the message is empty)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def add_tiling_options(p, unit="LR ", overlap=True):
    """``--tile``, ``--overlap`` (with ``overlap``), ``--max-memory`` (upscale, restore, eval)."""
    p.add_argument("--tile", type=int, default=None,
                   help=f"{unit}tile size in pixels (default: chosen to fit --max-memory; the whole image when "
                        "it fits)")
    if overlap:
        p.add_argument("--overlap", type=int, default=None,
                       help=f"{unit}context pixels around each tile (default: the model's receptive field: seamless)")
    p.add_argument("--max-memory", default=None, metavar="SIZE",
                   help="memory budget for automatic tiles, e.g. 4G or 512M (default: half the available "
                        "memory, at most 3G; docs/robustness.md)")


def check_tiling(args):
    """``--tile``, ``--overlap`` and ``--max-memory`` checked (no TensorFlow needed); sets
    ``args.max_memory_bytes``."""
    from keras_sr.inference.memory import parse_size

    if args.tile is not None and args.tile < 1:
        raise ValueError(f"--tile must be a positive number of pixels, got {args.tile}")
    if getattr(args, "overlap", None) is not None and args.overlap < 0:
        raise ValueError(f"--overlap must be >= 0, got {args.overlap}")
    args.max_memory_bytes = parse_size(args.max_memory) if args.max_memory else None


def check_file_run(args):
    """``upscale`` / ``restore``: the arguments and every path the run will write, before TensorFlow or a
    model loads (sets ``args.jobs``, ``args.folder_run``, ``args.shard_pair``, ``args.max_memory_bytes``)."""
    import os

    from keras_sr.inference.files import check_readable, plan_files
    from keras_sr.utils.shards import parse_shard

    check_tiling(args)
    args.shard_pair = shard = parse_shard(args.shard) if getattr(args, "shard", None) else None
    if getattr(args, "sample", None) and args.inputs:
        raise ValueError("give image files or --sample, not both")
    if getattr(args, "sample", None):
        from keras_sr.evaluation.samples import sample_path

        args.inputs = [sample_path(args.sample)]
    if not args.inputs:
        raise ValueError("no input: give image files or a folder (IN ...) or --sample NAME")
    # a folder or --shard is a batch: images read one by one, finished ones skipped, bad ones listed
    args.folder_run = bool(shard) or any(os.path.isdir(i) for i in args.inputs)
    args.jobs = plan_files(args.inputs, args.output, compare=args.compare, batch=args.folder_run)
    if not args.folder_run:
        check_readable(args.jobs)
