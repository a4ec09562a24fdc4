"""Pieces several verbs share: ``--set KEY=VALUE`` parsing and the one-line error text."""

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
