#!/usr/bin/env python3
"""Convert a keras-sr model to SavedModel and TFLite (fp32 / fp16 / dynamic-int8 / int8).

The conversion script of the design card: a thin front over ``keras_sr.export`` that takes
exactly the flags of ``keras-sr export`` (it runs that verb)::

    python export/export.py --model edsr-baseline --scale 2 --formats fp32,fp16,int8 --out exports

Run from a clone (the repository root is put on ``sys.path``) or with keras-sr installed.
Errors print one line and exit with code 2; ``--debug`` shows the traceback.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_sr.cli import main as keras_sr_main  # noqa: E402


def main(argv=None):
    return keras_sr_main(["export", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
