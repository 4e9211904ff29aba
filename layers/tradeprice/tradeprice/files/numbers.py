"""Numbers as merchants' files write them, read exactly: decimal point or comma, thousands separators, currency
marks. Never a float: a cell's text becomes a canonical decimal text (`1.234,56` → `1234.56`), then a `Decimal`,
and the domain's own constrained types (`Money`, `Quantity`) judge it, so a file can never be laxer than the API.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.types import Money, Quantity

_GROUP_MARKS = {False: ",' \xa0\u202f", True: ". \xa0\u202f"}
"""Thousands separators by convention (decimal point: `1,234.56`, `1'234.56`; decimal comma: `1.234,56`);
either also takes spaces and the no-break spaces spreadsheets format with."""


def _number_pattern(decimal_comma: bool) -> re.Pattern[str]:
    group = re.escape(_GROUP_MARKS[decimal_comma])
    point = "," if decimal_comma else r"\."
    return re.compile(
        rf"(?P<int>\d{{1,3}}(?P<sep>[{group}])\d{{3}}(?:(?P=sep)\d{{3}})*|\d*)"
        rf"(?:{point}(?P<frac>\d*))?(?:[eE](?P<exp>[-+]?\d+))?"
    )


@dataclass(frozen=True, slots=True)
class NumberFormat:
    """How a file writes numbers. `assumed` when the file's head showed no decimals to judge by: then a number
    whose only separator could be either (`1.250`: 1250 or 1.25?) is refused as ambiguous, never guessed."""

    decimal_comma: bool = False
    assumed: bool = False

    @property
    def example(self) -> str:
        return "1.234,56" if self.decimal_comma else "1234.56"


POINT = NumberFormat(decimal_comma=False)
COMMA = NumberFormat(decimal_comma=True)

_NUMBER = {False: _number_pattern(False), True: _number_pattern(True)}

FAST_MONEY = {
    False: re.compile(r"\d{1,12}(?:\.\d{1,6})?"),
    True: re.compile(r"\d{1,12}(?:,\d{1,6})?"),
}
"""Plain prices that are valid `Money` by construction (≤ 12 whole digits, ≤ 6 decimals): the hot path."""

_SYMBOLS: dict[str, frozenset[str]] = {
    "£": frozenset({"GBP"}),
    "€": frozenset({"EUR"}),
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "ARS", "CLP", "COP"}),
    "us$": frozenset({"USD"}),
    "a$": frozenset({"AUD"}),
    "au$": frozenset({"AUD"}),
    "c$": frozenset({"CAD"}),
    "ca$": frozenset({"CAD"}),
    "nz$": frozenset({"NZD"}),
    "hk$": frozenset({"HKD"}),
    "s$": frozenset({"SGD"}),
    "r$": frozenset({"BRL"}),
    "¥": frozenset({"JPY", "CNY"}),
    "￥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
    "₩": frozenset({"KRW"}),
    "₪": frozenset({"ILS"}),
    "₺": frozenset({"TRY"}),
    "₱": frozenset({"PHP"}),
    "฿": frozenset({"THB"}),
    "kr": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "kr.": frozenset({"SEK", "NOK", "DKK", "ISK"}),
    "zł": frozenset({"PLN"}),
    "kč": frozenset({"CZK"}),
    "ft": frozenset({"HUF"}),
    "fr.": frozenset({"CHF"}),
}
_PREFIX = re.compile(r"[^\d\s+\-.,]+")
_SUFFIX = re.compile(r"[^\d\s.,]+$")


def currencies_of(mark: str) -> frozenset[str] | None:
    """The ISO codes a currency mark may stand for (`$` is several), or None when it is not a currency mark."""
    if mark in MINOR_UNITS:
        return frozenset({mark})
    return _SYMBOLS.get(mark.lower())


def canonical_number(text: str, fmt: NumberFormat) -> tuple[str | None, str | None]:
    """(canonical decimal text, None) for a number written in the file's convention, else (None, why not).

    The text must be stripped already; signs pass through (the domain types judge them).
    """
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:]
    match = _NUMBER[fmt.decimal_comma].fullmatch(text)
    if match is None:
        return None, _not_a_number(text, fmt)
    whole, separator, fraction, exponent = match.group("int", "sep", "frac", "exp")
    if not whole and not fraction:
        return None, _not_a_number(text, fmt)
    if separator is not None:
        if fmt.assumed and fraction is None and separator in ".," and whole.count(separator) == 1:
            return None, (
                f"is ambiguous: it reads as {whole.replace(separator, '')} with a decimal "
                f"{'comma' if fmt.decimal_comma else 'point'}, but the file shows no decimals to tell by; "
                "write it without the thousands separator"
            )
        whole = whole.replace(separator, "")
    canonical = sign + (whole or "0")
    if fraction:
        canonical += "." + fraction
    if exponent is not None:
        canonical += "e" + exponent
    return canonical, None


def _not_a_number(text: str, fmt: NumberFormat) -> str:
    if fmt.decimal_comma and re.fullmatch(r"\d+\.\d+", text):
        return f"is not a number in this file, which writes decimals with a comma (e.g. {fmt.example})"
    if not fmt.decimal_comma and re.fullmatch(r"\d+,\d+", text):
        return f"is not a number in this file, which writes decimals with a point (e.g. {fmt.example})"
    return "is not a number"


def split_currency(text: str) -> tuple[str, str | None]:
    """(number text, currency mark or None): `£12.50`, `12,50 €`, `GBP 12.50`, `-£3` → (`-3`, `£`)."""
    sign = ""
    if text and text[0] in "+-":
        sign, text = text[0], text[1:].lstrip()
    mark = None
    prefix = _PREFIX.match(text)
    if prefix is not None:
        mark, text = prefix.group(), text[prefix.end() :].lstrip()
    suffix = _SUFFIX.search(text)
    if suffix is not None and not re.fullmatch(r"[eE][-+]?", suffix.group()):
        if mark is not None:
            return sign + text, mark + "…" + suffix.group()  # two marks: not a currency amount
        mark, text = suffix.group(), text[: suffix.start()].rstrip()
    return sign + text, mark


@cache
def _money() -> TypeAdapter[Decimal]:
    return TypeAdapter(Money)


@cache
def _quantity() -> TypeAdapter[int]:
    return TypeAdapter(Quantity)


_REASONS = {
    "greater_than_equal": "must not be negative",
    "finite_number": "is not a finite number",
    "decimal_max_places": "has more than 6 decimal places",
    "decimal_whole_digits": "is too large (at most 12 digits before the decimal point)",
    "decimal_max_digits": "has more than 18 digits",
    "decimal_parsing": "is not a number",
}
_QTY_REASONS = {
    "greater_than_equal": "must be a whole number ≥ 1",
    "less_than_equal": "must be at most 1,000,000,000",
    "int_parsing": "must be a whole number ≥ 1",
    "int_from_float": "must be a whole number ≥ 1",
}


def _reason(error: ValidationError, reasons: dict[str, str]) -> str:
    first = error.errors(include_url=False)[0]
    return reasons.get(first["type"], first["msg"])


def parse_money(text: str, fmt: NumberFormat, currency: str | None, list_name: str | None) -> Decimal | str:
    """A price cell as a `Decimal` that `Money` accepts, or the reason it is not one (a str).

    A currency mark before or after the number (`£12.50`, `12,50 €`, `GBP 12.50`) is accepted only when it can
    denote `currency`, the currency of the row's price list: a `$` price is never silently written to a GBP list,
    and with the list's currency unknown no mark is accepted at all.
    """
    number, mark = split_currency(text)
    if mark is not None:
        codes = currencies_of(mark)
        if codes is None:
            return "is not a number"
        if currency is None:
            return f"carries the currency mark '{mark}' but the price list's currency is not known; remove the mark"
        if currency not in codes:
            return f"is in {mark} but price list '{list_name}' is in {currency}"
    canonical, problem = canonical_number(number, fmt)
    if canonical is None:
        return problem or "is not a number"
    try:
        return _money().validate_python(Decimal(canonical))
    except ValidationError as error:
        return _reason(error, _REASONS)


def parse_quantity(text: str, fmt: NumberFormat) -> int | str:
    """A quantity cell as an int that `Quantity` accepts (`10`, `1.000` in a decimal-comma file, `10.0`), or why not."""
    canonical, problem = canonical_number(text, fmt)
    if canonical is None:
        return "must be a whole number ≥ 1" if problem == "is not a number" else (problem or "is not a number")
    try:
        return _quantity().validate_python(canonical)
    except ValidationError as error:
        return _reason(error, _QTY_REASONS)


def plain_number(text: str, fmt: NumberFormat, *, percent: bool = False) -> str | None:
    """The canonical text of a number cell for a model to judge (`15,5 %` → `15.5`), or None if it is no number."""
    if percent and text.endswith("%"):
        text = text[:-1].rstrip()
    canonical, _ = canonical_number(text, fmt)
    return canonical


def json_scalar_text(value: Any) -> str | None:
    """JSON Lines values as cell text (numbers arrive as int or Decimal, never float), None for what is no scalar."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None
