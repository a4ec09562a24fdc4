"""``python -m keras_sr.cli.shard merge-eval OUT.json PART.json ...``: merge the JSON results of
``keras-sr eval --shard I/N --json PART.json`` into the whole evaluation.

Shard selection and merging are library functions (:mod:`keras_sr.utils.shards`); this module
is their command line.
"""

import json
import sys

from keras_sr.utils.shards import (finished_eval, in_shard, merge_eval, parse_shard,  # noqa: F401
                                   remove_partial, select, shard_result)


def main(argv=None):
    """``python -m keras_sr.cli.shard merge-eval OUT.json PART.json ...``."""
    from keras_sr.cli.options import error_line

    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) < 3 or argv[0] != "merge-eval":
        print("usage: python -m keras_sr.cli.shard merge-eval OUT.json PART.json [PART.json ...]", file=sys.stderr)
        return 2
    try:
        from keras_sr.evaluation.tables import format_table, write_json

        parts = []
        for path in argv[2:]:
            with open(path) as f:
                try:
                    parts.append(json.load(f))
                except ValueError as e:
                    raise ValueError(f"merge-eval: {path} is not JSON ({e})") from e
        merged = merge_eval(parts)
        write_json(argv[1], merged)
    except Exception as exc:  # noqa: BLE001
        print(f"keras-sr: error: {error_line(exc)}", file=sys.stderr)
        return 2
    print(format_table(merged))
    print(f"wrote {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
