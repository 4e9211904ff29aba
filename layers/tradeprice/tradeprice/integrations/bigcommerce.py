"""BigCommerce customer webhooks and Customers v3 records → tradeprice customers. PURE: no boto3, no HTTP.

A `store/customer/created|updated|deleted` callback carries only `data.id` (BigCommerce's webhook events
reference), so the sync function fetches the customer from `GET /stores/{store_hash}/v3/customers?id:in=<id>`
and maps the record:

    id                  → the external id `bigcommerce:<id>`
    email               → email
    company             → company
    customer_group_id   → group, by the merchant's table {"groups": {"<id>": "<group slug>"}}; a group id the
                          table does not name (and 0, "no group") → the default group
    addresses[]         → addresses (address1, address2, city, state_or_province, postal_code, country_code)
    date_modified       → source_version (a late, older state is `stale`)

Not carried: names, phone, notes, store credit, tax-exempt category, channels, attributes, form fields.
BigCommerce customers have no disabled state, so status is not written by this source.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from tradeprice.domain.types import Slug
from tradeprice.integrations.base import FieldError, PayloadError
from tradeprice.integrations.platforms import GroupMapping, PlatformCustomer, text

PLATFORM = "bigcommerce"
CUSTOMER_SCOPES = frozenset({"store/customer/created", "store/customer/updated", "store/customer/deleted"})
SECRET_HEADER = "X-Webhook-Secret"  # noqa: S105  # nosec B105 - a header's name, not a secret
"""The custom header the webhook is registered with (`"headers": {"X-Webhook-Secret": "<secret>"}`)."""


class BigCommerceMapping(GroupMapping):
    """The merchant's table: {"groups": {"2": "trade", "5": "distributor"}, "default_group": "base"}."""

    groups: Annotated[dict[Annotated[str, Field(pattern=r"^[0-9]+$")], Slug], Field(max_length=1000)] = Field(
        default_factory=dict
    )

    def group_for(self, customer_group_id: Any) -> str:
        if isinstance(customer_group_id, bool) or not isinstance(customer_group_id, int | str):
            return self.default_group
        return self.groups.get(str(customer_group_id).strip(), self.default_group)


@dataclass(frozen=True, slots=True)
class Callback:
    scope: str
    customer_id: str
    created_at: int | None
    """The callback's Unix time: a delete's version (a deleted customer has no date_modified to read)."""


def callback_from(payload: Any) -> Callback | None:
    """The customer callback a webhook body is, or None for another scope (acknowledged, not mapped)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("scope"), str):
        raise PayloadError("a BigCommerce callback is a JSON object with a scope")
    if payload["scope"] not in CUSTOMER_SCOPES:
        return None
    data = payload.get("data")
    native = data.get("id") if isinstance(data, dict) else None
    if isinstance(native, bool) or not isinstance(native, int) or native <= 0:
        raise PayloadError("data.id is not a customer id")
    created = payload.get("created_at")
    return Callback(payload["scope"], str(native), created if isinstance(created, int) else None)


_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def customer_from(record: Any, mapping: BigCommerceMapping) -> PlatformCustomer:
    """One customer of a Customers v3 `data` array."""
    if not isinstance(record, dict) or isinstance(record.get("id"), bool) or not isinstance(record.get("id"), int):
        raise PayloadError("a BigCommerce customer is an object with an integer id")
    warnings: list[FieldError] = []
    document: dict[str, Any] = {
        "email": text(record.get("email")),
        "company": text(record.get("company")),
        "group": mapping.group_for(record.get("customer_group_id")),
        "addresses": _addresses(record.get("addresses")),
    }
    version: datetime | None = None
    try:
        version = _TIME.validate_python(record.get("date_modified"))
    except ValidationError:
        warnings.append({"field": "date_modified", "reason": "missing or not a time: the write is not ordered"})
    if version is not None and version.tzinfo is None:
        warnings.append({"field": "date_modified", "reason": "has no UTC offset: the write is not ordered"})
        version = None
    return PlatformCustomer(PLATFORM, str(record["id"]), document, version, warnings)


def _addresses(natives: Any) -> list[dict[str, Any]]:
    addresses = []
    for native in natives if isinstance(natives, list) else []:
        if not isinstance(native, dict) or text(native.get("address1")) is None:
            continue
        country = text(native.get("country_code"))
        address = {
            "label": text(native.get("address_type")),
            "line1": text(native.get("address1")),
            "line2": text(native.get("address2")),
            "city": text(native.get("city")),
            "region": text(native.get("state_or_province")),
            "postcode": text(native.get("postal_code")),
            "country": country.upper() if country and len(country) == 2 and country.isalpha() else None,
        }
        addresses.append({name: value for name, value in address.items() if value is not None})
    return addresses[:20]
