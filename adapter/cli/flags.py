"""argparse pieces for the command lines (``twilio-lua``, and ``python -m adapter.simulator`` too).

A bad flag or value is refused while parsing, in one line naming the rule, before anything starts.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import NoReturn

__all__ = [
    "ArgumentParser", "int_at_least", "non_negative_float", "port", "positive_float", "positive_int", "probability",
]


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, but a usage error is one line on stderr (exit status 2) pointing at ``--help``,
    not the usage text followed by the error. Subcommand parsers inherit it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _number(convert: Callable[[str], float], text: str, kind: str) -> float:
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {kind}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def port(text: str) -> int:
    value = int(_number(int, text, "a port number"))
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 0 to 65535 (0 picks a free port)")
    return value


def positive_int(text: str) -> int:
    value = int(_number(int, text, "a whole number"))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be greater than 0")
    return value


def int_at_least(minimum: int, shown: str | None = None) -> Callable[[str], int]:
    """A whole number of at least ``minimum`` (named ``shown`` in the message, e.g. "1 MiB")."""

    def convert(text: str) -> int:
        value = int(_number(int, text, "a whole number"))
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below the minimum of {shown or minimum}")
        return value

    return convert


def positive_float(text: str) -> float:
    value = _number(float, text, "a number")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def non_negative_float(text: str) -> float:
    value = _number(float, text, "a number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def probability(text: str) -> float:
    value = _number(float, text, "a number")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1")
    return value
