"""Cell rules shared by the renderers: formula neutralisation and which texts are real numbers."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A cell that parses as a number (`-5`, `3.14`, `+14155550100`, `1e5`) is data, not a formula.
NUMBER_PATTERN = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER = re.compile(NUMBER_PATTERN)
_INTEGER = re.compile(r"0|-?[1-9][0-9]{0,14}")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)[.][0-9]*[1-9]")


def neutralise(text: str) -> str:
    """`'`-prefix a text that a spreadsheet would run as a formula (OWASP CSV injection)."""
    if text and text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def spreadsheet_number(text: str) -> int | float | None:
    """The number a text is, when writing it as a number loses nothing: `-5`, `3.14`, `42`.

    Leading zeros (`02134`), a plus sign (`+14155550100`), exponents, trailing zeros and
    more than 15 significant digits stay text, as Excel would change how they read."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if len(text) <= 17 and _DECIMAL.fullmatch(text):
        number = float(text)
        if repr(number) == text:
            return number
    return None
