"""Argument types shared by several commands (a module starting with ``_`` is not a command)."""
from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """A count given on the command line: ``100000`` or ``100_000``, at least 1."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text!r} (must be a positive integer)")
    return value
