"""The integrations API's boundary: query parameters → adapter options; results → responses (ours, Linnworks')."""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from tradeprice.api.json import check_size
from tradeprice.domain.types import CurrencyCode, Slug
from tradeprice.errors import Unauthorized
from tradeprice.integrations.base import Options, currency_code

if TYPE_CHECKING:  # the OpenAPI document imports this module's models, not the write path
    from tradeprice.logic.integrations import Applied


class IntegrationQuery(BaseModel):
    """What the native payload does not say, as query parameters of POST /v1/integrations/{system}/{resource}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: CurrencyCode | None = None
    """The system's base currency: lists the payload names no currency for are created in it."""
    currencies: str | None = None
    """NetSuite price levels: a list per level for each of these, e.g. `GBP,USD`."""
    currency_map: str | None = None
    """NetSuite currency references → ISO codes, e.g. `1:GBP,2:USD,Euro:EUR`."""
    price_list: Slug | None = None
    """Linnworks: the list for prices with no Tag (and no Source)."""

    @field_validator("currencies")
    @classmethod
    def _codes(cls, value: str | None) -> str | None:
        if value is not None:
            for code in value.split(","):
                currency_code(code)
        return value

    @field_validator("currency_map")
    @classmethod
    def _pairs(cls, value: str | None) -> str | None:
        if value is not None:
            for pair in value.split(","):
                name, colon, code = pair.rpartition(":")
                if not colon or not name.strip():
                    raise ValueError("write it as <id or name>:<ISO code>,… e.g. 1:GBP,Euro:EUR")
                currency_code(code)
        return value

    def options(self) -> Options:
        pairs = [pair.rpartition(":") for pair in (self.currency_map or "").split(",") if pair]
        return Options(
            currency=self.currency,
            currencies=tuple(code.strip().upper() for code in (self.currencies or "").split(",") if code.strip()),
            currency_map={name.strip(): code.strip().upper() for name, _, code in pairs},
            price_list=self.price_list,
        )


def options_from(query: Mapping[str, str] | None) -> Options:
    return IntegrationQuery.model_validate(dict(query or {})).options()


def applied_view(applied: "Applied") -> dict[str, Any]:
    return applied.as_dict()


_LINNWORKS_TOKEN = re.compile(r'"AuthorizationToken"\s*:\s*"([^"\\\x00-\x1f]{1,256})"')


def linnworks_token(body: str | None) -> str | None:
    """The push's `AuthorizationToken`, found without parsing the body (one linear scan of a size-checked body),
    so an unauthenticated caller never has a document built from what it sent. The parsed body must then carry
    the same token at its top level (see `same_token`)."""
    if not body:
        return None
    check_size(body)
    found = _LINNWORKS_TOKEN.search(body)
    return found.group(1) if found else None


def same_token(payload: Any, token: str | None) -> None:
    if not isinstance(payload, dict) or payload.get("AuthorizationToken") != token:
        raise Unauthorized("AuthorizationToken must be the update's own top-level field")


def linnworks_view(applied: "Applied") -> dict[str, Any]:
    """Linnworks' price update answer: `{Error, Products: [{SKU, Error}]}`, one entry per product sent."""
    return {
        "Error": None,
        "Products": [
            {
                "SKU": result.key,
                "Error": "; ".join(f"{error['field']}: {error['reason']}" for error in result.errors) or None,
            }
            for result in applied.results
        ],
    }


def linnworks_error(detail: str) -> dict[str, Any]:
    """The whole update refused (no key, a bad key, a body that is not an update): Linnworks' shape still."""
    return {"Error": detail, "Products": []}


# Documented shapes (the OpenAPI document): adapters read native payloads record by record, not through these.


class NativePayload(RootModel[list[Any] | dict[str, Any]]):
    """The system's own JSON, as its API returns it: a bare array of records, or its list envelope (Unleashed
    `{Pagination, Items}`, Cin7 Core `{Products}`/`{CustomerList}`, Katana and Brightpearl `{data}`/`{response}`,
    NetSuite `{items}`, Business Central `{value, @odata.nextLink}`), at most 1,000 records."""


class NativeResultOut(BaseModel):
    index: int
    key: str | None = Field(description="the record's native key (ProductCode, SKU, id …)")
    status: Literal["created", "updated", "unchanged", "stale", "deleted", "skipped", "error"]
    errors: list[dict[str, Any]] = Field(description="each names the native field: {field, reason, value?}")
    warnings: list[dict[str, Any]] = Field(description="what of the record is not carried, and why")
    writes: list[dict[str, str]] = Field(description="the canonical records written: {type, key, status}")


class NativeBatchOut(BaseModel):
    system: str
    resource: str
    summary: dict[str, int]
    price_lists_created: list[str] = Field(description="lists the records named that did not exist yet")
    warnings: list[dict[str, Any]] = Field(
        description="about the payload beside its records, e.g. a link to a customer it does not hold: {field, reason}"
    )
    results: list[NativeResultOut] = Field(description="one per native record, in input order")


class LinnworksProductIn(BaseModel):
    SKU: str
    Reference: str | None = None
    Price: Decimal | str
    Tag: str | None = None


class LinnworksPriceUpdateIn(BaseModel):
    """Linnworks' channel price update. `AuthorizationToken` is a tradeprice API key with the write scope."""

    AuthorizationToken: str
    Products: list[LinnworksProductIn]


class LinnworksProductOut(BaseModel):
    SKU: str | None
    Error: str | None


class LinnworksPriceUpdateOut(BaseModel):
    Error: str | None
    Products: list[LinnworksProductOut]
