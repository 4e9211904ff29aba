"""Request and response models of the public API (PRODUCT.md §4), mapped explicitly to the domain."""

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradeprice.domain.models import DerivationRule, Price, PriceList, Tier
from tradeprice.domain.types import CurrencyCode, ExternalId, Quantity, Sku, Slug, SourceVersion, Timestamp

MAX_BATCH = 1000
"""Records per batch request."""
MAX_LOOKUP_LINES = 250


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PriceListIn(Request):
    """PUT /v1/price-lists/{slug}: the slug comes from the path."""

    name: str
    currency: CurrencyCode
    tax_inclusive: bool = False
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    rules: DerivationRule | None = None
    source_version: SourceVersion | None = None

    def to_domain(self, slug: str) -> PriceList:
        return PriceList.model_validate({"slug": slug, **self.model_dump(exclude_none=True)})


class PriceIn(Request):
    """One SKU's ladder on a list; empty `tiers` removes the SKU from the list."""

    sku: Sku
    tiers: Annotated[list[Tier], Field(max_length=100)]
    unit_of_measure: str | None = None
    valid_from: Timestamp | None = None
    valid_until: Timestamp | None = None
    source_version: SourceVersion | None = None

    def to_domain(self, price_list: str) -> Price:
        return Price.model_validate({"price_list": price_list, **self.model_dump(exclude_none=True)})


class PricesIn(Request):
    """PUT /v1/price-lists/{slug}/prices: records are validated one by one so one bad record blocks nothing."""

    prices: Annotated[list[Any], Field(min_length=1, max_length=MAX_BATCH)]


class LookupLineIn(Request):
    sku: Sku
    qty: Quantity
    tier_group: Annotated[str, Field(min_length=1, max_length=128)] | None = None


class LookupContextIn(Request):
    """Who is asking: a customer (their lists and group chain) or one price list directly."""

    customer_id: ExternalId | None = None
    price_list: Slug | None = None
    currency: CurrencyCode | None = None
    at: Timestamp | None = None
    explain: bool = False

    @model_validator(mode="after")
    def _one_context(self) -> Self:
        if (self.customer_id is None) == (self.price_list is None):
            raise ValueError("name exactly one of customer_id or price_list")
        return self


class SkuLookupIn(LookupContextIn):
    """GET /v1/pricing/{sku}?customer_id=&qty=: one line, from the path and query string."""

    sku: Sku
    qty: Quantity = 1


class LookupIn(LookupContextIn):
    """POST /v1/pricing/lookup: one customer context (or one price list), many lines."""

    lines: Annotated[list[Any], Field(min_length=1, max_length=MAX_LOOKUP_LINES)]
