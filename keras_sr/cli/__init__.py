"""``keras-sr <verb>``: the command-line front of keras-sr.

Each verb is a module with ``add_parser(subparsers)`` and ``run(args)``; add new verbs
to ``VERBS``. Errors print as one line and exit with code 2; ``--debug`` shows the
traceback.
"""

import argparse
import importlib
import os
import sys

from keras_sr.cli.options import error_line

# verb -> module under keras_sr.cli
VERBS = {"models": "models_cmd", "demo": "demo_cmd", "eval": "eval_cmd", "upscale": "upscale_cmd",
         "export": "export_cmd", "check-gpu": "check_gpu_cmd",
         "train": "train_cmd", "restore": "restore_cmd"}


def _parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    parser = argparse.ArgumentParser(
        prog="keras-sr", parents=[common],
        description="Single-image super-resolution models for Keras 3.")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, module in VERBS.items():
        importlib.import_module(f"keras_sr.cli.{module}").add_parser(sub, parents=[common])
    return parser


def _import_tensorflow(quiet):
    """Import TensorFlow once, up front, with its native start-up log lines hidden.

    TF 2.21 prints oneDNN/absl notices from C++ before its log level applies, so the
    only way to keep them off a CLI user's terminal is to park fd 2 during the import.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a user's own setting wins
    saved = None
    if quiet:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    try:
        import tensorflow  # noqa: F401
    except ImportError as exc:
        raise ImportError("TensorFlow is not installed: pip install 'keras-sr[cpu]' "
                          "(or 'keras-sr[gpu]' on an NVIDIA machine)") from exc
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def main(argv=None):
    args = _parser().parse_args(argv)
    module = importlib.import_module(f"keras_sr.cli.{VERBS[args.verb]}")
    try:
        _import_tensorflow(quiet=not args.debug)
        return module.run(args) or 0
    except KeyboardInterrupt:
        print("keras-sr: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (one line for users, traceback with --debug)
        if args.debug:
            raise
        print(f"keras-sr: error: {error_line(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
