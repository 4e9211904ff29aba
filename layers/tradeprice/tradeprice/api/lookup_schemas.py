"""Request models of the lookup (docs/pricing-rules.md): the contract, and the OpenAPI document's source. Kept
apart from the write-side schemas so the lookup function imports none of the write path.

The lookup itself reads its requests with api/lookup_requests.py, which hands every form but the plain ones to
these models: they decide every error a client sees (docs/operations.md, Cold start, says why)."""

from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from tradeprice.api.lookup_requests import MAX_LOOKUP_LINES, TIER_GROUP_MAX_LENGTH
from tradeprice.domain.types import CurrencyCode, ExternalId, Quantity, Sku, Slug, Timestamp


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LookupLineIn(Request):
    sku: Sku
    qty: Quantity
    tier_group: Annotated[str, Field(min_length=1, max_length=TIER_GROUP_MAX_LENGTH)] | None = None


class LookupContextIn(Request):
    """Who the prices are for: a customer (their lists and group chain) or one price list directly.

    Naming neither is valid here: a customer token supplies its own customer (the handler checks the rest).
    """

    customer_id: ExternalId | None = None
    price_list: Slug | None = None
    currency: CurrencyCode | None = None
    at: Timestamp | None = None
    """Price as of this instant instead of now, e.g. to preview a list that starts next week."""
    as_of: Timestamp | None = None
    """Answer as the lookup would have at this past instant (within the history's retention), from the history."""
    explain: bool = False

    @model_validator(mode="after")
    def _one_context(self) -> Self:
        if self.customer_id is not None and self.price_list is not None:
            raise ValueError("name customer_id or price_list, not both")
        return self


class SkuLookupIn(LookupContextIn):
    """GET /v1/pricing/{sku}?customer_id=&qty=: one line, from the path and query string."""

    sku: Sku
    qty: Quantity = 1


class LookupIn(LookupContextIn):
    """POST /v1/pricing/lookup: one customer context (or one price list), many lines.

    Lines stay raw here and are validated one by one (LookupLineIn), so a bad line is that line's error only.
    """

    lines: Annotated[list[Any], Field(min_length=1, max_length=MAX_LOOKUP_LINES)]
    explain: StrictBool = False  # a JSON boolean here; the GET's query string spells it as text
