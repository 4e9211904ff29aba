"""The records as price resolution reads them (logic/pricing.py), without pydantic.

The canonical models (domain/models.py) are pydantic models: every write validates through them. Resolution only
reads a few fields of each record, and the lookup must not pay for pydantic on its cold path (docs/operations.md,
Cold start). So resolution is typed against the Protocols below, which the canonical models satisfy as they are,
and the lookup reads its records into the plain frozen dataclasses below (data/lookup_reads.py): the same fields,
the same types, already validated once when they were written.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from tradeprice.domain.records import line_record, record

BASE_GROUP = "base"
"""The built-in customer group every other group descends from."""


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


def within(valid_from: datetime | None, valid_until: datetime | None, at: datetime) -> bool:
    """Inside a validity window: from inclusive, until exclusive, either end open when unset."""
    return (valid_from is None or valid_from <= at) and (valid_until is None or at < valid_until)


@line_record
class StoredLadder:
    """A stored price reduced to what resolution needs: its tiers and its own validity window."""

    tiers: tuple[tuple[int, Decimal], ...]
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def is_valid_at(self, at: datetime) -> bool:
        return within(self.valid_from, self.valid_until, at)


# What resolution reads of each record ---------------------------------------------------------------------------


class RoundingTerms(Protocol):
    @property
    def increment(self) -> Decimal | None: ...
    @property
    def mode(self) -> str: ...


class DerivationTerms(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def adjustment_percent(self) -> Decimal: ...
    @property
    def fx_rate(self) -> Decimal | None: ...
    @property
    def rounding(self) -> RoundingTerms | None: ...


class ListDefinition(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def tax_inclusive(self) -> bool: ...
    @property
    def rules(self) -> DerivationTerms | None: ...
    def is_valid_at(self, at: datetime) -> bool: ...


class GroupDefinition(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def price_lists(self) -> Sequence[str]: ...


class CustomerTerms(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> CustomerStatus: ...
    @property
    def group(self) -> str: ...
    @property
    def price_lists(self) -> Sequence[str]: ...
    @property
    def discount_percent(self) -> Decimal: ...
    @property
    def currency(self) -> str | None: ...


class RuleTerms(Protocol):
    @property
    def group(self) -> str: ...
    @property
    def sku(self) -> str: ...
    @property
    def pack_size(self) -> int | None: ...
    @property
    def min_qty(self) -> int | None: ...
    @property
    def max_qty(self) -> int | None: ...
    @property
    def sell(self) -> bool | None: ...
    @property
    def display(self) -> bool | None: ...


# The lookup's own forms of them ----------------------------------------------------------------------------------


@record
class Rounding:
    increment: Decimal | None = None
    mode: str = "half_up"


@record
class Derivation:
    source: str
    adjustment_percent: Decimal = Decimal(0)
    fx_rate: Decimal | None = None
    rounding: Rounding | None = None


@record
class ListRecord:
    slug: str
    currency: str
    tax_inclusive: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    rules: Derivation | None = None

    def is_valid_at(self, at: datetime) -> bool:
        return within(self.valid_from, self.valid_until, at)


@record
class GroupRecord:
    slug: str
    parent: str | None
    price_lists: tuple[str, ...] = ()


@record
class CustomerRecord:
    id: str
    status: CustomerStatus = CustomerStatus.ACTIVE
    group: str = BASE_GROUP
    price_lists: tuple[str, ...] = ()
    discount_percent: Decimal = Decimal(0)
    currency: str | None = None


@line_record
class RuleRecord:
    group: str
    sku: str
    pack_size: int | None = None
    min_qty: int | None = None
    max_qty: int | None = None
    sell: bool | None = None
    display: bool | None = None
