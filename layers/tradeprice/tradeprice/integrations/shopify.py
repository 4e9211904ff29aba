"""Shopify customer webhooks → tradeprice customers. PURE: no boto3, no HTTP.

Topics (the Admin API's webhook reference): `customers/create`, `customers/update`, `customers/enable`,
`customers/disable` carry the whole Customer; `customers/delete` carries only its `id`. What is mapped:

    id                      → the external id `shopify:<id>` (the customer's link; see logic/platform.py)
    email                   → email
    default_address.company → company (else the first address with a company; none leaves it unchanged)
    tags ("a, b")           → tags, and the group: the first tag rule that matches, else the default group
    addresses / default_address → addresses (address1, address2, city, province, zip, country_code)
    state                   → status: `disabled` → inactive; enabled, invited, declined → active
    updated_at              → source_version (a late retry of an older state is `stale`)

Not carried: names, phone, note, currency (Shopify's is the last order's presentment currency, not a price
list's), marketing consent, tax exemptions.

B2B (Shopify's webhook payload reference, "company_contacts/create : Sample Payload"): a company contact is
the link between a customer and a company. `company_contacts/create` and `company_contacts/update` carry the
customer (`customer_admin_graphql_api_id`, `gid://shopify/Customer/<id>`) and the whole company, so they are
mapped (`contact_from`):

    customer_admin_graphql_api_id → the customer `shopify:<id>` (written only once it is linked)
    company.name                  → company

`companies/*` and `company_locations/*` carry a company or a location and no customer, and tradeprice prices
customers, so they are acknowledged and not mapped; so is `company_contacts/delete` (the customer's company
stays until a contact or an ERP write changes it: the delete does not say whether the customer still buys for
that company through another contact).

Authenticity: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body, keyed with the app's client
secret (`signature_valid`).
"""

import base64
import hashlib
import hmac
import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from tradeprice.domain.types import Slug
from tradeprice.integrations.base import FieldError, PayloadError
from tradeprice.integrations.platforms import GroupMapping, PlatformCustomer, equal_secrets, text

PLATFORM = "shopify"
CUSTOMER_TOPICS = frozenset(
    {"customers/create", "customers/update", "customers/enable", "customers/disable", "customers/delete"}
)
ACKNOWLEDGED_TOPICS = frozenset(
    {
        "companies/create",
        "companies/update",
        "companies/delete",
        "company_contacts/delete",
        "company_locations/create",
        "company_locations/update",
        "company_locations/delete",
    }
)
"""B2B topics answered 200 and not mapped: they carry no customer (see the module docstring)."""
CONTACT_TOPICS = frozenset({"company_contacts/create", "company_contacts/update"})
"""B2B topics that carry a customer and its company."""
_CUSTOMER_GID = re.compile(r"^gid://shopify/Customer/([0-9]+)$")


class TagRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tag: Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=True)]
    group: Slug


class ShopifyMapping(GroupMapping):
    """The merchant's rules: {"tag_rules": [{"tag": "wholesale", "group": "trade"}], "default_group": "base"}.

    Rules are tried in order and the first whose tag the customer has (case-insensitive) wins.
    """

    tag_rules: Annotated[list[TagRule], Field(max_length=200)] = Field(default_factory=list)

    def group_for(self, tags: list[str]) -> str:
        held = {tag.casefold() for tag in tags}
        return next((rule.group for rule in self.tag_rules if rule.tag.casefold() in held), self.default_group)


def signature_valid(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Shopify's webhook signature, compared in constant time."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).digest()
    return equal_secrets(header.strip() if header else None, base64.b64encode(digest))


_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def customer_id_of(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise PayloadError("a Shopify webhook body is a JSON object")
    native = payload.get("id")
    if isinstance(native, bool) or not isinstance(native, int | str) or not str(native).strip():
        raise PayloadError("the customer has no id")
    return str(native).strip()


def customer_from(payload: Any, mapping: ShopifyMapping) -> PlatformCustomer:
    """A Customer payload (customers/create|update|enable|disable) as the fields tradeprice keeps."""
    platform_id = customer_id_of(payload)
    warnings: list[FieldError] = []
    tags = [tag.strip() for tag in str(payload.get("tags") or "").split(",") if tag.strip()]
    addresses, company = _addresses(payload)
    document: dict[str, Any] = {
        "email": text(payload.get("email")),
        "tags": tags,
        "addresses": addresses,
        "group": mapping.group_for(tags),
        "status": "inactive" if payload.get("state") == "disabled" else "active",
    }
    if company is not None:  # no address with a company leaves it as set (by a B2B company contact, or the ERP)
        document["company"] = company
    return PlatformCustomer(PLATFORM, platform_id, document, _updated_at(payload, warnings), warnings)


def contact_from(payload: Any) -> PlatformCustomer:
    """A company contact (company_contacts/create|update) as its customer's company.

    Not ordered (no `source_version`): the contact's `updated_at` is the contact's clock, not the customer's,
    and ordering one by the other could make the customer's own next update look stale.
    """
    if not isinstance(payload, dict):
        raise PayloadError("a Shopify webhook body is a JSON object")
    gid = payload.get("customer_admin_graphql_api_id")
    match = _CUSTOMER_GID.match(gid.strip()) if isinstance(gid, str) else None
    if match is None:
        raise PayloadError("customer_admin_graphql_api_id is not a Shopify customer id (gid://shopify/Customer/<id>)")
    company = payload.get("company")
    name = text(company.get("name")) if isinstance(company, dict) else None
    warnings: list[FieldError] = []
    if name is None:
        warnings.append({"field": "company.name", "reason": "missing: the customer's company is not changed"})
    return PlatformCustomer(PLATFORM, match.group(1), {"company": name} if name else {}, None, warnings)


def _updated_at(payload: dict[str, Any], warnings: list[FieldError]) -> datetime | None:
    try:
        moment = _TIME.validate_python(payload.get("updated_at"))
    except ValidationError:
        warnings.append({"field": "updated_at", "reason": "missing or not a time: the write is not ordered"})
        return None
    if moment.tzinfo is None:
        warnings.append({"field": "updated_at", "reason": "has no UTC offset: the write is not ordered"})
        return None
    return moment


def _addresses(payload: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    natives = [a for a in payload.get("addresses") or [] if isinstance(a, dict)]
    default = payload.get("default_address")
    if isinstance(default, dict) and not any(a.get("id") == default.get("id") for a in natives):
        natives.insert(0, default)
    natives.sort(key=lambda address: not address.get("default"))
    addresses = []
    for native in natives[:20]:
        line1 = text(native.get("address1"))
        if line1 is None:
            continue
        country = text(native.get("country_code"))
        address = {
            "label": "default" if native.get("default") else None,
            "line1": line1,
            "line2": text(native.get("address2")),
            "city": text(native.get("city")),
            "region": text(native.get("province")),
            "postcode": text(native.get("zip")),
            "country": country.upper() if country and len(country) == 2 else None,
        }
        addresses.append({name: value for name, value in address.items() if value is not None})
    company = next((text(a.get("company")) for a in natives if text(a.get("company"))), None)
    return addresses, company
