"""The platform webhooks' request and answer shapes, for the OpenAPI document.

The bodies are the platforms' own payloads (Shopify's Customer, BigCommerce's callback): only what tradeprice
reads is described, and anything else they carry is allowed.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradeprice.integrations.base import FieldError


class ShopifyAddressIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    zip: str | None = None
    country_code: str | None = None
    company: str | None = None
    default: bool | None = None


class ShopifyCompanyIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = Field(default=None, description="becomes the contact's customer's company")


class ShopifyCustomerIn(BaseModel):
    """Shopify's Customer as its customers/* webhooks send it (customers/delete sends only the id), or a company
    contact as company_contacts/* send it (its customer's id and its company)."""

    model_config = ConfigDict(extra="allow")

    id: int | None = Field(default=None, description="customers/*: kept as the external id shopify:<id>")
    email: str | None = None
    state: Literal["disabled", "invited", "enabled", "declined"] | None = Field(
        default=None, description="disabled → inactive; the others → active"
    )
    tags: str | None = Field(default=None, description="comma-separated; the merchant's tag rules pick the group")
    updated_at: str | None = Field(default=None, description="customers/*: orders the writes (source_version)")
    addresses: list[ShopifyAddressIn] = []
    default_address: ShopifyAddressIn | None = None
    customer_admin_graphql_api_id: str | None = Field(
        default=None, description="company_contacts/*: the contact's customer, gid://shopify/Customer/<id>"
    )
    company: ShopifyCompanyIn | None = Field(default=None, description="company_contacts/*: the contact's company")


class BigCommerceDataIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    id: int = Field(description="the customer's id: the customer is fetched from the Customers v3 API")


class BigCommerceCallbackIn(BaseModel):
    """A BigCommerce webhook callback (store/customer/created|updated|deleted are mapped)."""

    model_config = ConfigDict(extra="allow")

    scope: str
    store_id: str | None = None
    data: BigCommerceDataIn
    hash: str | None = None
    created_at: int | None = None
    producer: str | None = None


class DeliveryOut(BaseModel):
    """What became of the delivery. `rejected`: the customer could not be stored; `errors` name the fields."""

    status: Literal[
        "created", "updated", "unchanged", "stale", "deleted", "kept", "queued", "duplicate", "ignored", "rejected"
    ]
    customer_id: str | None = None
    external_id: str | None = None
    errors: list[FieldError] = []
    warnings: list[FieldError] = Field(
        default=[], description="fields not applied (owned by another source) and payload notes"
    )
