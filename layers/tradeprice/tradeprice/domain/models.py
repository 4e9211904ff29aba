"""The canonical model every input maps into (docs/data-model.md), with its invariants."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator, model_validator

# Resolution's own records live in a module without pydantic (the lookup reads records without importing it);
# re-exported here, beside the models they belong with.
from tradeprice.domain.resolution import BASE_GROUP as BASE_GROUP
from tradeprice.domain.resolution import CustomerStatus as CustomerStatus
from tradeprice.domain.resolution import StoredLadder as StoredLadder
from tradeprice.domain.types import (
    CurrencyCode,
    DiscountPercent,
    ExternalId,
    Money,
    Percent,
    Quantity,
    Sku,
    Slug,
    SourceVersion,
    Timestamp,
)


class Model(BaseModel):
    """Strict about unknown fields so a typo in an ERP mapping is an error, not silently dropped data."""

    model_config = ConfigDict(extra="forbid", frozen=True)


R = TypeVar("R", bound=BaseModel)


def from_partial(model: type[R], document: Mapping[str, Any]) -> R:
    """A record from a partial write: every key sent counts as set, and a `null` sets the field back to its
    default (clears it). Keys absent from `document` stay unset, so `merged` leaves them as stored."""
    record = model.model_validate({name: value for name, value in document.items() if value is not None})
    cleared = {
        name: field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if name in document and document[name] is None
    }
    return record.model_copy(update=cleared) if cleared else record


def merged(stored: R | None, update: R) -> R:
    """`update`'s set fields over `stored`'s, validated as a whole (a bound set by one feed is checked against the
    other's). A field `update` was not given keeps its stored value. Raises ValidationError."""
    if stored is None:
        return update
    document = stored.model_dump()
    document.update({name: getattr(update, name) for name in update.model_fields_set})
    return type(update).model_validate(document)


def _check_window(valid_from: datetime | None, valid_until: datetime | None) -> None:
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise ValueError("valid_until must be later than valid_from")


class Rounding(Model):
    """How a derived list rounds: to a multiple of `increment` (default: the currency's minor unit)."""

    increment: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=6)] | None = None
    mode: Literal["half_up", "half_even", "up", "down"] = "half_up"


class DerivationRule(Model):
    """Prices of a list derived at read time from another list: source × (1 + adjustment/100) × fx_rate."""

    source: Slug
    adjustment_percent: Percent = Decimal(0)
    fx_rate: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=10, allow_inf_nan=False)] | None = None
    """Required when the list's currency differs from its source's (checked on write, where both are known)."""
    rounding: Rounding | None = None


class PriceList(Model):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    currency: CurrencyCode
    tax_inclusive: bool = False
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    rules: DerivationRule | None = None
    source_version: SourceVersion | None = None
    updated_at: Timestamp | None = None

    @model_validator(mode="after")
    def _invariants(self) -> Self:
        _check_window(self.valid_from, self.valid_until)
        if self.rules is not None and self.rules.source == self.slug:
            raise ValueError("rules.source cannot be the list itself")
        return self

    def is_valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


class Tier(Model):
    min_qty: Quantity
    price: Money


class Price(Model):
    """One SKU's tier ladder on one list. Writing it replaces the SKU's previous tiers on that list."""

    price_list: Slug
    sku: Sku
    tiers: Annotated[list[Tier], Field(min_length=1, max_length=100)]
    unit_of_measure: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    source_version: SourceVersion | None = None
    updated_at: Timestamp | None = None

    @field_validator("tiers")
    @classmethod
    def _ladder(cls, tiers: list[Tier]) -> list[Tier]:
        ordered = sorted(tiers, key=lambda tier: tier.min_qty)
        quantities = [tier.min_qty for tier in ordered]
        if len(set(quantities)) != len(quantities):
            raise ValueError("each tier needs a different min_qty")
        if quantities[0] != 1:
            raise ValueError("a tier with min_qty 1 is required")
        return ordered

    @model_validator(mode="after")
    def _window(self) -> Self:
        _check_window(self.valid_from, self.valid_until)
        return self

    def is_valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


class CustomerGroup(Model):
    slug: Slug
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    parent: Slug | None = BASE_GROUP
    price_lists: Annotated[list[Slug], Field(max_length=20)] = []
    source_version: SourceVersion | None = None
    updated_at: Timestamp | None = None

    @model_validator(mode="before")
    @classmethod
    def _base_has_no_parent_by_default(cls, data: Any) -> Any:
        # The default parent is base, except for base itself (stored without the null parent it has).
        if isinstance(data, dict) and data.get("slug") == BASE_GROUP and "parent" not in data:
            return {**data, "parent": None}
        return data

    @model_validator(mode="after")
    def _tree(self) -> Self:
        if self.slug == BASE_GROUP and self.parent is not None:
            raise ValueError("the base group has no parent")
        if self.slug != BASE_GROUP and self.parent is None:
            raise ValueError("every group but base needs a parent")
        if self.parent == self.slug:
            raise ValueError("a group cannot be its own parent")
        if len(set(self.price_lists)) != len(self.price_lists):
            raise ValueError("price_lists repeats a list")
        return self


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
"""Compared case-insensitively, so stored lower-cased."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptionalEmail = Annotated[Email | None, BeforeValidator(_blank_is_none)]
"""An email that may be absent: ERP exports write a customer without one as null or as an empty string."""


class PaymentTerms(Model):
    methods: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=64)]], Field(max_length=20)] = []
    credit_limit: Money | None = None
    net_days: Annotated[int, Field(ge=0, le=365)] | None = None


class Address(Model):
    label: Annotated[str, StringConstraints(max_length=64)] | None = None
    line1: Annotated[str, StringConstraints(max_length=200)]
    line2: Annotated[str, StringConstraints(max_length=200)] | None = None
    city: Annotated[str, StringConstraints(max_length=100)] | None = None
    region: Annotated[str, StringConstraints(max_length=100)] | None = None
    postcode: Annotated[str, StringConstraints(max_length=32)] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None


class Customer(Model):
    """A trade customer, keyed by the id its ERP or platform uses; many ERP customers have no email."""

    id: ExternalId
    email: OptionalEmail = None
    company: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)] | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    group: Slug = BASE_GROUP
    price_lists: Annotated[list[Slug], Field(max_length=20)] = []
    discount_percent: DiscountPercent = Decimal(0)
    currency: CurrencyCode | None = None
    payment_terms: PaymentTerms | None = None
    tags: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=64)]], Field(max_length=50)] = []
    addresses: Annotated[list[Address], Field(max_length=20)] = []
    source_version: SourceVersion | None = None
    updated_at: Timestamp | None = None


class ProductRule(Model):
    """Pack-size and quantity rules for one SKU in one group; a null field inherits from the parent group."""

    group: Slug = BASE_GROUP
    sku: Sku
    pack_size: Quantity | None = None
    min_qty: Quantity | None = None
    max_qty: Quantity | None = None
    sell: bool | None = None
    display: bool | None = None
    source_version: SourceVersion | None = None
    updated_at: Timestamp | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min_qty is not None and self.max_qty is not None and self.max_qty < self.min_qty:
            raise ValueError("max_qty must not be below min_qty")
        return self


class ImportKind(StrEnum):
    PRICES = "prices"
    PRICE_LISTS = "price-lists"
    CUSTOMER_GROUPS = "customer-groups"
    CUSTOMERS = "customers"
    PRODUCT_RULES = "product-rules"


class ImportMode(StrEnum):
    UPSERT = "upsert"
    REPLACE = "replace"
    DRY_RUN = "dry_run"


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIALLY_SUCCEEDED = "partially_succeeded"
    FAILED = "failed"


class ImportCounts(Model):
    rows_read: int = 0
    rows_written: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    rows_removed: int = 0


class ImportJob(Model):
    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    bucket: str
    key: str
    version_id: str | None = None
    kind: ImportKind
    mode: ImportMode = ImportMode.UPSERT
    price_list: Slug | None = None
    status: ImportStatus = ImportStatus.QUEUED
    counts: ImportCounts = ImportCounts()
    bytes_total: int | None = None
    bytes_read: int = 0
    error_report_key: str | None = None
    failure: str | None = None
    """Why a failed job failed; None for every other status."""
    summary: str | None = None
    """What a partially succeeded job did with the rows it could not import (a failure it is not)."""
    started_by: str | None = None
    created_at: Timestamp
    started_at: Timestamp | None = None
    finished_at: Timestamp | None = None
