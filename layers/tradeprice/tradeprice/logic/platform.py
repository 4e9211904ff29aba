"""Customers from the storefront platforms (Shopify, BigCommerce): verify, deduplicate, order, link, write.

Which tradeprice customer a platform customer is (its link, `<platform>:<platform id>` → customer id):
1. the link, once made;
2. else the customer that already has the platform customer's email (the ERP's record of the same buyer);
3. else a new customer with the id `<platform>-<platform id>`.
A storefront finds the customer by the id it knows: `GET /v1/customers?external_id=shopify:<id>`.

Every write is the source `platform` (logic/ownership.py), ordered by the platform's own modification time.
A platform delete removes the customer when no other source owns any of its fields; otherwise the record
stays (the ERP still prices it) and only the link goes. Either way a tombstone keeps a late retry of an older
update from bringing the customer back.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

from pydantic import ValidationError

from tradeprice.config import get_settings
from tradeprice.data import codec, deliveries, links, platform_sync, secrets
from tradeprice.data import customers as customer_store
from tradeprice.data.bigcommerce import fetch_customer
from tradeprice.domain.models import Customer
from tradeprice.domain.types import utc_now
from tradeprice.errors import NotFound, Unauthorized
from tradeprice.integrations import bigcommerce, shopify
from tradeprice.integrations.base import FieldError
from tradeprice.integrations.platforms import PlatformCustomer, equal_secrets
from tradeprice.logic import customers, ownership
from tradeprice.logic.records import describe

Status = Literal[
    "created", "updated", "unchanged", "stale", "deleted", "kept", "queued", "duplicate", "ignored", "rejected"
]


@dataclass(slots=True)
class Delivered:
    """What became of one webhook delivery (the answer's body; `rejected` names the fields at fault)."""

    status: Status
    customer_id: str | None = None
    external_id: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"status": self.status}
        for name in ("customer_id", "external_id"):
            if getattr(self, name) is not None:
                answer[name] = getattr(self, name)
        if self.errors:
            answer["errors"] = self.errors
        if self.warnings:
            answer["warnings"] = self.warnings
        return answer


# Storefront look-ups ----------------------------------------------------------------------------------------------


def find_customer_by_external_id(external_id: str) -> Customer | None:
    """`shopify:706405506930370084` → the customer it is linked to, if any."""
    link = links.get(external_id.strip()) if external_id.strip() else None
    if link is None or link.deleted_version is not None:
        return None
    try:
        return customers.get_customer(link.customer_id)
    except NotFound:
        return None


# Shopify ----------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _shopify_mapping(document: str) -> shopify.ShopifyMapping:
    return shopify.ShopifyMapping.model_validate_json(document) if document.strip() else shopify.ShopifyMapping()


@lru_cache(maxsize=4)
def _bigcommerce_mapping(document: str) -> bigcommerce.BigCommerceMapping:
    if not document.strip():
        return bigcommerce.BigCommerceMapping()
    return bigcommerce.BigCommerceMapping.model_validate_json(document)


def verify_shopify(raw_body: bytes, signature: str | None) -> None:
    """Refuse (401) anything not signed with the app's secret; called before the body is parsed."""
    app_secret = secrets.json_secret(get_settings().shopify_secret_id).get("app_secret", "")
    if not shopify.signature_valid(raw_body, signature, app_secret):
        raise Unauthorized("X-Shopify-Hmac-Sha256 is missing or does not sign this body with the app's secret")


def shopify_delivery(topic: str, webhook_id: str | None, payload: Any, triggered_at: datetime | None) -> Delivered:
    """One verified Shopify delivery: deduplicated on its webhook id, then applied."""
    if webhook_id and deliveries.seen(shopify.PLATFORM, webhook_id):
        return Delivered("duplicate")
    if topic in shopify.CUSTOMER_TOPICS and topic != "customers/delete":
        done = upsert(shopify.customer_from(payload, _shopify_mapping(get_settings().shopify_mapping)))
    elif topic == "customers/delete":
        done = remove(shopify.PLATFORM, shopify.customer_id_of(payload), triggered_at or utc_now())
    elif topic in shopify.CONTACT_TOPICS:
        done = company_contact(shopify.contact_from(payload))
    elif topic in shopify.ACKNOWLEDGED_TOPICS:
        reason = "a company, a location or a removed contact: not mapped (docs/integrations/shopify.md)"
        done = Delivered("ignored", warnings=[{"field": "topic", "reason": reason}])
    else:
        done = Delivered(
            "ignored", warnings=[{"field": "topic", "reason": f"'{topic}' is not a topic tradeprice maps"}]
        )
    if webhook_id:
        deliveries.remember(shopify.PLATFORM, webhook_id)
    return done


def company_contact(mapped: PlatformCustomer) -> Delivered:
    """A company contact's company, written to its customer once the customer is linked.

    Not before: the customer's own `customers/create` decides which tradeprice customer it is (its email may be
    the ERP's record of the same buyer), and a customer made here from a contact would take that place.
    """
    link = links.get(mapped.external_id)
    if link is None or link.deleted_version is not None:
        reason = "no customer linked to this Shopify customer yet: its customers/create links it; not applied"
        return Delivered("ignored", external_id=mapped.external_id, warnings=[{"field": "customer", "reason": reason}])
    if not mapped.document:
        return Delivered("unchanged", link.customer_id, mapped.external_id, warnings=mapped.warnings)
    return upsert(mapped)


# BigCommerce ------------------------------------------------------------------------------------------------------


def verify_bigcommerce(secret_header: str | None) -> None:
    """Refuse (401) a callback without the shared secret the webhook was registered with."""
    expected = secrets.json_secret(get_settings().bigcommerce_webhook_secret_id).get("webhook_secret", "")
    if not equal_secrets(secret_header, expected):
        raise Unauthorized(f"{bigcommerce.SECRET_HEADER} is missing or wrong")


def bigcommerce_callback(payload: Any) -> Delivered:
    """A verified callback: queued for the sync function (the callback carries only the customer's id).

    Not deduplicated on BigCommerce's `hash`: it hashes `data`, which is the same for every update of one
    customer. Fetching the customer's current state and ordering by `date_modified` makes a redelivery harmless.
    """
    callback = bigcommerce.callback_from(payload)
    if callback is None:
        return Delivered("ignored", warnings=[{"field": "scope", "reason": "not a customer scope tradeprice maps"}])
    platform_sync.enqueue(
        get_settings().platform_sync_queue_url,
        {"scope": callback.scope, "customer_id": callback.customer_id, "created_at": callback.created_at},
    )
    return Delivered("queued", external_id=f"{bigcommerce.PLATFORM}:{callback.customer_id}")


def bigcommerce_sync(message: dict[str, Any]) -> Delivered:
    """One queued callback: fetch the customer (retries inside; raising hands the message back) and apply it."""
    customer_id = str(message["customer_id"])
    created_at = message.get("created_at")
    if message.get("scope") == "store/customer/deleted":
        when = datetime.fromtimestamp(created_at, tz=utc_now().tzinfo) if isinstance(created_at, int) else utc_now()
        return remove(bigcommerce.PLATFORM, customer_id, when)
    record = fetch_customer(customer_id)
    if record is None:  # deleted since: its own store/customer/deleted callback removes it
        return Delivered("ignored", external_id=f"{bigcommerce.PLATFORM}:{customer_id}")
    return upsert(bigcommerce.customer_from(record, _bigcommerce_mapping(get_settings().bigcommerce_mapping)))


# Both -------------------------------------------------------------------------------------------------------------


def upsert(mapped: PlatformCustomer) -> Delivered:
    external = mapped.external_id
    link = links.get(external)
    version = codec.source_version_key(mapped.version)
    if link is not None and link.deleted_version is not None and (version is None or version <= link.deleted_version):
        reason = "deleted on the platform after this change: not applied"
        return Delivered("stale", link.customer_id, external, warnings=[{"field": "id", "reason": reason}])
    email = mapped.document.get("email")
    customer_id = link.customer_id if link is not None else None
    if customer_id is None and isinstance(email, str):
        existing = customer_store.find_by_email(email)
        customer_id = existing.id if existing is not None else None
    if customer_id is None:
        customer_id = f"{mapped.platform}-{mapped.platform_id}"
    document = {**mapped.document, "id": customer_id}
    if mapped.version is not None:
        document["source_version"] = mapped.version
    if document.get("email") is None:
        document.pop("email", None)
    try:
        customer = Customer.model_validate(document)
    except ValidationError as error:
        return Delivered("rejected", customer_id, external, describe(error), mapped.warnings)
    (result,) = customers.put_customers([(0, customer)], source=ownership.PLATFORM)
    if result.status == "error":
        return Delivered("rejected", customer_id, external, result.errors, mapped.warnings)
    if link is None or link.deleted_version is not None:
        links.put(links.Link(external, customer_id))
    return Delivered(result.status, customer_id, external, warnings=[*mapped.warnings, *result.warnings])


def remove(platform: str, platform_id: str, when: datetime) -> Delivered:
    external = links.external_key(platform, platform_id)
    link = links.get(external)
    version = codec.source_version_key(when) or Decimal(0)
    customer_id = link.customer_id if link is not None else f"{platform}-{platform_id}"
    others = sorted({owner for owner in ownership.policy().customers.values() if owner != ownership.PLATFORM})
    status: Status = "unchanged"
    warnings: list[FieldError] = []
    if link is not None and link.deleted_version is None:
        if others:
            status = "kept"
            reason = f"kept: {', '.join(others)} own(s) fields of this customer; only the link is removed"
            warnings.append({"field": "id", "reason": reason})
        else:
            try:
                customers.delete_customer(customer_id)
                status = "deleted"
            except NotFound:
                status = "unchanged"
    links.tombstone(external, customer_id, version)
    return Delivered(status, customer_id, external, warnings=warnings)
