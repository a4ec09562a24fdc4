#!/usr/bin/env python3
"""Convert a keras-sr model to SavedModel and TFLite (fp32 / fp16 / dynamic-int8 / int8).

A thin front over ``keras_sr.export`` with the flags of ``keras-sr export``::

    python export/export.py --model edsr-baseline --scale 2 --formats fp32,fp16,int8 --out exports

Run from a clone (the repository root is put on ``sys.path``) or with keras-sr installed.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_sr.cli import export_cmd  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(prog="export.py", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    export_cmd.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        export_cmd.run(args)
    except Exception as exc:  # noqa: BLE001  (one line for users, traceback with --debug)
        if args.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"export.py: error: {message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
