"""Constrained types, named once and reused by every model."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from tradeprice.domain.clock import utc_now as utc_now  # re-exported: most callers know it from here
from tradeprice.domain.constraints import (
    CURRENCY_PATTERN,
    EXTERNAL_ID_MAX_LENGTH,
    PRINTABLE_PATTERN,
    QUANTITY_MAX,
    SKU_MAX_LENGTH,
)
from tradeprice.domain.constraints import SLUG_PATTERN as SLUG_PATTERN  # re-exported: most callers know it from here
from tradeprice.domain.currencies import MINOR_UNITS

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""Immutable identifier of a price list or customer group: lower-case, digits, `-` and `_`, at most 64."""

# Printable, no surrounding whitespace: SKUs are matched byte for byte between systems.
Sku = Annotated[str, StringConstraints(min_length=1, max_length=SKU_MAX_LENGTH, pattern=PRINTABLE_PATTERN)]

ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=EXTERNAL_ID_MAX_LENGTH, pattern=PRINTABLE_PATTERN)
]


def _known_currency(code: str) -> str:
    if code not in MINOR_UNITS:
        raise ValueError(f"'{code}' is not an ISO 4217 currency code")
    return code


CurrencyCode = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN), AfterValidator(_known_currency)]

MAX_PRICE_DECIMALS = 6
"""Prices keep up to 6 significant decimals (Brightpearl stores 4; fasteners are priced in fractions of a cent)."""


def canonical_decimal(value: Decimal) -> Decimal:
    """The one form a price is stored and answered in: the shortest exact decimal, without exponent. Trailing
    zeros are notation, not value (`12.50` → `12.5`, `100.00` → `100`, `1E+2` → `100`, `-0` → `0`), so `12.5` from an
    XLSX cell and `12.50` from a CSV are one price, stored once, and a re-import of either writes nothing. Lookup
    answers (`unit_price`, `line_total`) are amounts to pay and keep the currency's minor units (`12.50`)."""
    if value == 0:
        return Decimal(0)
    value = value.normalize()
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return value.quantize(Decimal(1))
    return value


Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=MAX_PRICE_DECIMALS, allow_inf_nan=False),
    AfterValidator(canonical_decimal),
]
"""A non-negative amount of money, exact: never a float."""

Percent = Annotated[Decimal, Field(gt=-100, le=1000, max_digits=12, decimal_places=6, allow_inf_nan=False)]
"""A signed percentage: -15 is 15 % off, +10 is 10 % up."""


def _not_a_boolean(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a quantity")  # pydantic would read true as 1
    return value


Quantity = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=QUANTITY_MAX)]
"""A count of orderable units."""

Timestamp = AwareDatetime
"""An RFC 3339 instant with its offset; naive times are ambiguous across a merchant's systems."""


def _time_as_text(value: object) -> object:
    # A number is a version number, never seconds since 1970: without this, pydantic would read a number the
    # Decimal branch refused (1e-131, 40 digits) as a Unix time and store 1970-01-01.
    if isinstance(value, int | float | Decimal):
        raise ValueError("a number version is a decimal of at most 38 digits; a time is an RFC 3339 string")
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        raise ValueError("a number version is a decimal of at least 0; a time is an RFC 3339 string")
    return value


SourceVersion = (
    Annotated[Decimal, Field(ge=0, max_digits=38, allow_inf_nan=False)]
    | Annotated[AwareDatetime, BeforeValidator(_time_as_text)]
)
"""The source system's version of a record: a number or an RFC 3339 time. Older writes are skipped as stale.

A number has at most 38 significant digits, counting those after the point (DynamoDB stores numbers of up to 38
digits between 1e-130 and 1e126; a version past that would fail the write): a Unix time with microseconds, an
ERP's row version or sequence number all fit."""


DiscountPercent = Annotated[Decimal, Field(ge=0, le=100, max_digits=9, decimal_places=4, allow_inf_nan=False)]
"""A customer's discount on top of their tier price: 0 to 100."""
