"""Request models of the public API (docs/api.md), mapped explicitly to the domain.

Batches are validated record by record (`parse_records`), so one bad record becomes that record's error and
blocks nothing else.
"""

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, TypeAdapter, ValidationError

from tradeprice.domain.models import (
    BASE_GROUP,
    Address,
    Customer,
    CustomerGroup,
    CustomerStatus,
    DerivationRule,
    Email,
    OptionalEmail,
    PaymentTerms,
    Price,
    PriceList,
    ProductRule,
    Tier,
    from_partial,
)
from tradeprice.domain.types import (
    CurrencyCode,
    DiscountPercent,
    ExternalId,
    Sku,
    Slug,
    SourceVersion,
    Timestamp,
)
from tradeprice.errors import InvalidInput
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.records import RecordResult, describe

MAX_BATCH = 1000
"""Records per batch request."""

T = TypeVar("T")


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _batch(name: str) -> Any:
    return Field(min_length=1, max_length=MAX_BATCH, description=f"1 to {MAX_BATCH} {name}, answered one by one")


# Price lists and prices -------------------------------------------------------------------------------------------


class PriceListIn(Request):
    """PUT /v1/price-lists/{slug}: the slug comes from the path."""

    name: str
    currency: CurrencyCode
    tax_inclusive: StrictBool = False
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    rules: DerivationRule | None = None
    source_version: SourceVersion | None = None

    def to_domain(self, slug: str) -> PriceList:
        return PriceList.model_validate({"slug": slug, **self.model_dump(exclude_none=True)})


class PriceOneIn(Request):
    """One SKU's ladder on a list; empty `tiers` removes the SKU from the list."""

    tiers: Annotated[list[Tier], Field(max_length=100)]
    unit_of_measure: str | None = None
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    source_version: SourceVersion | None = None

    def to_write(self, price_list: str, sku: str, index: int = 0) -> PriceWrite:
        if not self.tiers:
            return PriceWrite(index, sku, None)
        price = Price.model_validate({"price_list": price_list, "sku": sku, **self.model_dump(exclude_none=True)})
        return PriceWrite(index, sku, price)


class PriceIn(PriceOneIn):
    sku: Sku


class ListedPriceIn(PriceIn):
    """A record of POST /v1/prices:batch names its list."""

    price_list: Slug


class PricesIn(Request):
    """PUT /v1/price-lists/{slug}/prices and POST /v1/prices:batch."""

    prices: Annotated[list[Any], _batch("prices")]


def price_write_parser(price_list: str) -> Callable[[int, Any], PriceWrite]:
    def parse(index: int, raw: Any) -> PriceWrite:
        record = PriceIn.model_validate(raw)
        return record.to_write(price_list, record.sku, index)

    return parse


def cross_list_price_parser(index: int, raw: Any) -> tuple[str, PriceWrite]:
    record = ListedPriceIn.model_validate(raw)
    return record.price_list, record.to_write(record.price_list, record.sku, index)


# Groups, customers, rules -----------------------------------------------------------------------------------------


class CustomerGroupIn(Request):
    name: str
    parent: Slug | None = BASE_GROUP
    price_lists: list[Slug] = []
    source_version: SourceVersion | None = None

    def to_domain(self, slug: str) -> CustomerGroup:
        document = self.model_dump(exclude_none=True)
        if slug == BASE_GROUP:
            document["parent"] = None
        return CustomerGroup.model_validate({"slug": slug, **document})


class CustomerOneIn(Request):
    """PUT /v1/customers/{id}: the id comes from the path. A partial update: a field absent is left as stored,
    `null` clears it (back to its default)."""

    email: OptionalEmail = None
    company: str | None = None
    status: CustomerStatus | None = Field(None, description="default active")
    group: Slug | None = Field(None, description=f"default {BASE_GROUP}")
    price_lists: list[Slug] | None = None
    discount_percent: DiscountPercent | None = Field(None, description="default 0")
    currency: CurrencyCode | None = None
    payment_terms: PaymentTerms | None = None
    tags: list[str] | None = None
    addresses: list[Address] | None = None
    source_version: SourceVersion | None = None

    def to_domain(self, customer_id: str) -> Customer:
        """A partial record: the fields sent, with `null` clearing one; fields not sent stay as stored."""
        return from_partial(Customer, {**self.model_dump(exclude_unset=True), "id": customer_id})


class CustomerIn(CustomerOneIn):
    id: ExternalId


class CustomersIn(Request):
    customers: Annotated[list[Any], _batch("customers")]


_SKU: TypeAdapter[str] = TypeAdapter(Sku)


def sku_path(sku: str) -> str:
    """A SKU named in a path: 422 when it is no SKU, so a listing never answers for one that cannot exist."""
    try:
        return _SKU.validate_python(sku)
    except ValidationError as error:
        raise InvalidInput(
            "the path's SKU must be 1 to 128 printable characters without surrounding whitespace",
            [{"field": "sku", "reason": "a SKU", "value": sku}],
        ) from error


class CustomerEmailQuery(Request):
    """GET /v1/customers?email=…: compared as stored (trimmed, lower-cased)."""

    email: Email


def email_query(email: str) -> str:
    try:
        return CustomerEmailQuery(email=email).email
    except ValidationError as error:
        raise InvalidInput(
            "email must be an email address such as buyer@example.com",
            [{"field": "email", "reason": "an email address", "value": email}],
        ) from error


def customer_parser(index: int, raw: Any) -> tuple[int, Customer]:
    record = CustomerIn.model_validate(raw)
    return index, record.to_domain(record.id)


class ProductRulesIn(Request):
    rules: Annotated[list[Any], _batch("rules")]


def rule_parser(index: int, raw: Any) -> tuple[int, ProductRule]:
    """A partial record: pack sizes and minimums may come in separate feeds; `null` clears a field."""
    return index, from_partial(ProductRule, raw)


# Batch plumbing ---------------------------------------------------------------------------------------------------


class Parsed(Generic[T]):
    """The outcome of validating one batch record: its value, or its error result."""

    __slots__ = ("error", "value")

    def __init__(self, value: T | None = None, error: RecordResult | None = None) -> None:
        self.value = value
        self.error = error


def parse_records(raws: Sequence[Any], parse: Callable[[int, Any], T], key_field: str) -> list[Parsed[T]]:
    parsed: list[Parsed[T]] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            parsed.append(
                Parsed(error=RecordResult(index, None, "error", [{"field": "record", "reason": "must be an object"}]))
            )
            continue
        try:
            parsed.append(Parsed(parse(index, raw)))
        except ValidationError as error:
            key = raw.get(key_field)
            parsed.append(
                Parsed(error=RecordResult(index, key if isinstance(key, str) else None, "error", describe(error)))
            )
    return parsed


def accepted(parsed: Sequence[Parsed[T]]) -> list[T]:
    return [entry.value for entry in parsed if entry.error is None and entry.value is not None]


def merge(parsed: Sequence[Parsed[T]], results: Sequence[RecordResult]) -> list[RecordResult]:
    """Each record's result in input order: its validation error, or what the write made of it."""
    written = iter(results)
    return [entry.error if entry.error is not None else next(written) for entry in parsed]
