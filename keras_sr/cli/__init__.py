"""``keras-sr <verb>``: the command-line front of keras-sr.

Each verb is a module with ``add_parser(subparsers)``, ``run(args)`` and optionally
``check(args)``; add new verbs to ``VERBS``. ``check`` runs before Keras and TensorFlow are
imported (``import keras_sr`` defers its registration for the command line), so a bad
argument or an output that cannot be written fails in well under a second. Errors print
as one line and exit with code 2; ``--debug`` shows the traceback.
"""

import argparse
import importlib
import os
import sys
import warnings

from keras_sr.cli.options import error_line

# verb -> module under keras_sr.cli
VERBS = {"models": "models_cmd", "demo": "demo_cmd", "eval": "eval_cmd", "upscale": "upscale_cmd",
         "export": "export_cmd", "check-gpu": "check_gpu_cmd",
         "train": "train_cmd", "restore": "restore_cmd"}


def _parser(argv=()):
    """The parser; with a verb in ``argv``, only that verb's options are built (importing the
    others' can import Keras)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    parser = argparse.ArgumentParser(
        prog="keras-sr", parents=[common],
        description="Single-image super-resolution models for Keras 3.")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    named = next((a for a in argv if not a.startswith("-")), None)
    from keras_sr._registration import quiet_stderr

    quiet = "--debug" not in argv
    if quiet:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a user's own setting wins
    with quiet_stderr(quiet):  # some verbs' options (train's recipes) import TensorFlow
        for verb, module in VERBS.items():
            if named not in VERBS or verb == named:
                importlib.import_module(f"keras_sr.cli.{module}").add_parser(sub, parents=[common])
    return parser


def _import_tensorflow(quiet):
    """Import TensorFlow once, up front, with its native start-up log lines hidden
    (``import keras_sr`` has usually done it already, quietly for the CLI)."""
    from keras_sr._registration import quiet_stderr

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # a user's own setting wins
    try:
        with quiet_stderr(quiet):
            import tensorflow  # noqa: F401
    except ImportError as exc:
        raise ImportError("TensorFlow is not installed: pip install 'keras-sr[cpu]' "
                          "(or 'keras-sr[gpu]' on an NVIDIA machine)") from exc


def _format_warning(message, category, filename, lineno, line=None):
    """Warnings as one line, without the Python source line behind them."""
    return f"keras-sr: warning: {message}\n"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(argv).parse_args(argv)
    args.argv = argv  # the command as given (train --workers re-runs it in each worker)
    module = importlib.import_module(f"keras_sr.cli.{VERBS[args.verb]}")
    previous_format = warnings.formatwarning
    if not args.debug:
        warnings.formatwarning = _format_warning
    from keras_sr._registration import filtered_stderr

    try:
        if hasattr(module, "check"):
            module.check(args)  # arguments and output paths, before Keras/TensorFlow load
        from keras_sr.presets import UntrainedModelWarning  # no Keras: the builders load on first use
        if not getattr(args, "workers", None):  # a --workers launcher only starts processes
            if args.verb != "train":  # train runs on any backend, without TensorFlow too
                _import_tensorflow(quiet=not args.debug)
            from keras_sr._registration import register_all

            register_all(quiet=not args.debug)
        # TensorFlow/LiteRT's native notices (converter, interpreter) off the user's stderr
        with warnings.catch_warnings(), filtered_stderr(not args.debug and not getattr(args, "workers", None)):
            # A verb runs a preset untrained only for --weights none and says so in its own
            # output (model_choice); the Python API's warning would say it a second time.
            warnings.filterwarnings("ignore", category=UntrainedModelWarning)
            return module.run(args) or 0
    except KeyboardInterrupt:
        print("keras-sr: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (one line for users, traceback with --debug)
        if args.debug:
            raise
        print(f"keras-sr: error: {error_line(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return 2
    finally:
        warnings.formatwarning = previous_format


if __name__ == "__main__":
    sys.exit(main())
