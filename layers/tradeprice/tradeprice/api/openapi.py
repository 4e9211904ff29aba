"""The OpenAPI 3.1 document, generated from the request and record models, and the interactive docs page.

ROUTES is the API's table of contents: a test checks it against template.yaml's routes and the handlers.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from tradeprice.api import console, imports, integrations, lookup_schemas, schemas, webhooks
from tradeprice.domain.authors import AuthorKind
from tradeprice.domain.models import Customer, CustomerGroup, ImportJob, Price, PriceList, ProductRule
from tradeprice.domain.types import CurrencyCode, ExternalId, Quantity, Sku, Slug

_QTY_RULE = (
    "a whole number of units from 1 to 1,000,000,000, in the query and in a cart line alike: here anything else "
    "is a 422 naming qty; in POST /v1/pricing/lookup that line alone answers with errors naming qty"
)

VERSION = "1.0.0"


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    summary: str
    tag: str
    scopes: tuple[str, ...] | None
    """Scopes that may call it (admin always may); None: public."""
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    shape: str = "record"
    """record | written | created | page | batch | items | lookup | line | deleted | raw | native | linnworks |
    webhook"""


_READ = ("read", "write")
_WRITE = ("write",)
_ADMIN = ("admin",)
_LOOKUP = ("read", "customer token")
_ANY = ("any credential",)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/health", "Liveness", "meta", None, shape="raw"),
    Route("GET", "/v1/openapi.json", "This document", "meta", None, shape="raw"),
    Route("GET", "/v1/asyncapi.json", "The change events' AsyncAPI 3 document", "meta", None, shape="raw"),
    Route("GET", "/v1/docs", "Interactive API documentation", "meta", None, shape="raw"),
    Route(
        "GET",
        "/v1/docs/{asset}",
        "The docs page's Swagger UI files (served here, never from a CDN)",
        "meta",
        None,
        shape="raw",
    ),
    Route("GET", "/v1/price-lists", "List price lists", "price lists", _READ, response=PriceList, shape="page"),
    Route(
        "PUT",
        "/v1/price-lists/{slug}",
        "Create or replace a price list",
        "price lists",
        _WRITE,
        schemas.PriceListIn,
        PriceList,
        shape="written",
    ),
    Route("GET", "/v1/price-lists/{slug}", "Read a price list", "price lists", _READ, response=PriceList),
    Route(
        "DELETE", "/v1/price-lists/{slug}", "Delete a price list and its prices", "price lists", _ADMIN, shape="deleted"
    ),
    Route(
        "PUT",
        "/v1/price-lists/{slug}/prices",
        "Replace the ladders of up to 1,000 SKUs on a list",
        "prices",
        _WRITE,
        schemas.PricesIn,
        shape="batch",
    ),
    Route(
        "GET", "/v1/price-lists/{slug}/prices", "List a list's prices", "prices", _READ, response=Price, shape="page"
    ),
    Route(
        "GET", "/v1/price-lists/{slug}/prices/{sku}", "Read one SKU's price on a list", "prices", _READ, response=Price
    ),
    Route(
        "PUT",
        "/v1/price-lists/{slug}/prices/{sku}",
        "Replace one SKU's ladder (empty tiers remove it)",
        "prices",
        _WRITE,
        schemas.PriceOneIn,
        Price,
        shape="written",
    ),
    Route(
        "DELETE", "/v1/price-lists/{slug}/prices/{sku}", "Remove one SKU from a list", "prices", _ADMIN, shape="deleted"
    ),
    Route(
        "POST",
        "/v1/prices:batch",
        "Replace ladders across lists (records name their list)",
        "prices",
        _WRITE,
        schemas.PricesIn,
        shape="batch",
    ),
    Route(
        "GET",
        "/v1/skus/{sku}/prices",
        "A SKU's stored price on every list",
        "prices",
        _READ,
        response=Price,
        shape="items",
    ),
    Route(
        "GET",
        "/v1/customer-groups",
        "List customer groups",
        "customer groups",
        _READ,
        response=CustomerGroup,
        shape="page",
    ),
    Route(
        "PUT",
        "/v1/customer-groups/{slug}",
        "Create or replace a customer group",
        "customer groups",
        _WRITE,
        schemas.CustomerGroupIn,
        CustomerGroup,
        shape="written",
    ),
    Route(
        "GET", "/v1/customer-groups/{slug}", "Read a customer group", "customer groups", _READ, response=CustomerGroup
    ),
    Route(
        "DELETE", "/v1/customer-groups/{slug}", "Delete a customer group", "customer groups", _ADMIN, shape="deleted"
    ),
    Route(
        "GET",
        "/v1/customers",
        "List customers, or find one with ?email=",
        "customers",
        _WRITE,
        response=Customer,
        shape="page",
    ),
    Route(
        "POST",
        "/v1/customers:batch",
        "Upsert up to 1,000 customers",
        "customers",
        _WRITE,
        schemas.CustomersIn,
        shape="batch",
    ),
    Route(
        "PUT",
        "/v1/customers/{customer_id}",
        "Create or replace a customer",
        "customers",
        _WRITE,
        schemas.CustomerOneIn,
        Customer,
        shape="written",
    ),
    Route("GET", "/v1/customers/{customer_id}", "Read a customer", "customers", _WRITE, response=Customer),
    Route("DELETE", "/v1/customers/{customer_id}", "Delete a customer", "customers", _ADMIN, shape="deleted"),
    Route(
        "POST",
        "/v1/product-rules:batch",
        "Upsert up to 1,000 product rules",
        "product rules",
        _WRITE,
        schemas.ProductRulesIn,
        shape="batch",
    ),
    Route(
        "GET",
        "/v1/skus/{sku}/rules",
        "Every group's rule for a SKU",
        "product rules",
        _READ,
        response=ProductRule,
        shape="items",
    ),
    Route(
        "POST",
        "/v1/pricing/lookup",
        "Price a cart for one customer",
        "lookup",
        _LOOKUP,
        lookup_schemas.LookupIn,
        shape="lookup",
    ),
    Route("GET", "/v1/pricing/{sku}", "Price one SKU for one customer", "lookup", _LOOKUP, shape="line"),
    Route(
        "POST",
        "/v1/integrations/{system}/{resource}",
        "Write an ERP's native records (Unleashed, Cin7 Core, Katana, Brightpearl, Linnworks, NetSuite, "
        "Business Central): per-record results naming native fields",
        "integrations",
        _WRITE,
        integrations.NativePayload,
        integrations.NativeBatchOut,
        shape="native",
    ),
    Route(
        "POST",
        "/v1/linnworks/price-update",
        "Linnworks' channel price push (the write key travels in the body as AuthorizationToken)",
        "integrations",
        None,
        integrations.LinnworksPriceUpdateIn,
        integrations.LinnworksPriceUpdateOut,
        shape="linnworks",
    ),
    Route(
        "POST",
        "/v1/webhooks/shopify",
        "Shopify customer webhooks (customers/create|update|enable|disable|delete, company_contacts/create|update); "
        "signed with the app's secret in X-Shopify-Hmac-Sha256, deduplicated on X-Shopify-Webhook-Id",
        "platform webhooks",
        None,
        webhooks.ShopifyCustomerIn,
        webhooks.DeliveryOut,
        shape="webhook",
    ),
    Route(
        "POST",
        "/v1/webhooks/bigcommerce",
        "BigCommerce customer callbacks (store/customer/created|updated|deleted), verified by X-Webhook-Secret "
        "and queued: the customer is fetched from BigCommerce",
        "platform webhooks",
        None,
        webhooks.BigCommerceCallbackIn,
        webhooks.DeliveryOut,
        shape="webhook",
    ),
    Route(
        "POST",
        "/v1/imports",
        "Start a file import: a queued job and a presigned upload URL with its options signed in",
        "imports",
        _WRITE,
        imports.ImportIn,
        imports.UploadOut,
        shape="created",
    ),
    Route("GET", "/v1/imports", "List import jobs", "imports", _READ, response=imports.ImportJobOut, shape="page"),
    Route(
        "GET",
        "/v1/imports/{id}",
        "Follow an import job: status, counts, progress, report links",
        "imports",
        _READ,
        response=imports.ImportJobOut,
    ),
    # The merchant console: its page, staff sessions (Cognito sign-in) and API key management.
    Route("GET", "/console", "The merchant console (HTML page)", "console", None, shape="raw"),
    Route("GET", "/console/{asset}", "The console's script, stylesheet and icon", "console", None, shape="raw"),
    Route(
        "POST",
        "/v1/sessions",
        "Sign a staff member in: a short-lived access token for the console (or a first sign-in's new password)",
        "console",
        None,
        console.SessionIn,
        console.SessionOut,
        shape="session",
    ),
    Route("GET", "/v1/sessions/current", "Who this credential is, and its scopes", "console", _ANY),
    Route(
        "DELETE", "/v1/sessions/current", "Sign out: revoke the staff member's tokens", "console", _ANY, shape="gone"
    ),
    Route("GET", "/v1/keys", "List API keys (never their secrets)", "console", _ADMIN, response=console.KeysOut),
    Route(
        "POST",
        "/v1/keys",
        "Create an API key; the key is in this answer only",
        "console",
        _ADMIN,
        console.KeyIn,
        console.KeyCreatedOut,
        shape="created",
    ),
    Route("DELETE", "/v1/keys/{key_id}", "Revoke an API key", "console", _ADMIN, shape="gone"),
    Route(
        "GET",
        "/v1/sync-log",
        "Recent API batches that had rejected records, newest first (kept 14 days)",
        "sync log",
        _READ,
        response=console.SyncBatchOut,
        shape="page",
    ),
    Route(
        "GET",
        "/v1/price-lists/{slug}/prices/{sku}/history",
        "A SKU's ladder over time on one list: every change, newest first",
        "history",
        _READ,
        response=Price,
        shape="history",
    ),
    Route(
        "GET",
        "/v1/price-lists/{slug}/history",
        "A price list's changes, newest first",
        "history",
        _READ,
        response=PriceList,
        shape="history",
    ),
    Route(
        "GET",
        "/v1/customer-groups/{slug}/history",
        "A customer group's changes, newest first",
        "history",
        _READ,
        response=CustomerGroup,
        shape="history",
    ),
    Route(
        "GET",
        "/v1/customers/{customer_id}/history",
        "A customer's changes, newest first (personal data: the live record's access)",
        "history",
        _WRITE,
        response=Customer,
        shape="history",
    ),
    Route(
        "GET",
        "/v1/skus/{sku}/rules/{group}/history",
        "A SKU's rules in one group, their changes newest first",
        "history",
        _READ,
        response=ProductRule,
        shape="history",
    ),
)

_MODELS: tuple[type[BaseModel], ...] = (
    console.SessionIn,
    console.SessionOut,
    console.NewPasswordOut,
    console.KeyIn,
    console.KeyCreatedOut,
    console.KeysOut,
    console.SyncBatchOut,
    schemas.PriceListIn,
    schemas.PricesIn,
    schemas.PriceIn,
    schemas.ListedPriceIn,
    schemas.PriceOneIn,
    schemas.CustomerGroupIn,
    schemas.CustomersIn,
    schemas.CustomerIn,
    schemas.CustomerOneIn,
    schemas.ProductRulesIn,
    lookup_schemas.LookupIn,
    lookup_schemas.LookupLineIn,
    PriceList,
    Price,
    CustomerGroup,
    Customer,
    ProductRule,
    ImportJob,
    imports.ImportIn,
    imports.ImportJobOut,
    imports.UploadOut,
    integrations.NativePayload,
    integrations.NativeBatchOut,
    integrations.LinnworksPriceUpdateIn,
    integrations.LinnworksPriceUpdateOut,
    webhooks.ShopifyCustomerIn,
    webhooks.BigCommerceCallbackIn,
    webhooks.DeliveryOut,
)

_PROBLEM = {
    "type": "object",
    "description": "RFC 7807 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
}
_FIELD_ERROR = {
    "type": "object",
    "required": ["field", "reason"],
    "properties": {"field": {"type": "string"}, "reason": {"type": "string"}, "value": {}},
}
_BATCH = {
    "type": "object",
    "required": ["summary", "results"],
    "properties": {
        "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
        "results": {
            "type": "array",
            "description": "one result per record, in input order",
            "items": {
                "type": "object",
                "required": ["index", "key", "status", "errors"],
                "properties": {
                    "index": {"type": "integer"},
                    "key": {"type": ["string", "null"]},
                    "status": {"enum": ["created", "updated", "unchanged", "stale", "deleted", "error"]},
                    "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                },
            },
        },
    },
}
_MONEY = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$", "description": "exact decimal"}
_LINE = {
    "type": "object",
    "required": ["sku", "found"],
    "properties": {
        "sku": {"type": ["string", "null"]},
        "qty": {"type": "integer"},
        "found": {"type": "boolean"},
        "unit_price": _MONEY,
        "line_total": _MONEY,
        "currency": {"type": ["string", "null"]},
        "tax_inclusive": {"type": ["boolean", "null"]},
        "price_list": {"type": ["string", "null"]},
        "tier_min_qty": {"type": ["integer", "null"]},
        "tiers": {
            "type": "array",
            "items": {"type": "object", "properties": {"min_qty": {"type": "integer"}, "unit_price": _MONEY}},
        },
        "next_tier": {
            "type": ["object", "null"],
            "properties": {"min_qty": {"type": "integer"}, "unit_price": _MONEY, "add_qty": {"type": "integer"}},
        },
        "pack_size": {"type": ["integer", "null"]},
        "min_qty": {"type": ["integer", "null"]},
        "max_qty": {"type": ["integer", "null"]},
        "display": {
            "type": "boolean",
            "description": "show the product to this customer: false only when a product rule of the customer's "
            "group chain sets display false (inherited field by field, like pack_size)",
        },
        "orderable": {"type": "boolean"},
        "suggested_qty": {"type": ["integer", "null"]},
        "explain": {"type": "array", "items": {"type": "object"}},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
    },
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _history_page(record: dict[str, Any]) -> dict[str, Any]:
    nullable = {"anyOf": [record, {"type": "null"}]}
    entry = {
        "type": "object",
        "required": ["key", "change", "at", "changed_by", "before", "after"],
        "properties": {
            "key": {"type": "object", "additionalProperties": {"type": "string"}},
            "change": {"enum": ["created", "updated", "deleted"]},
            "at": {"type": "string", "format": "date-time"},
            "changed_by": {
                "type": "object",
                "required": ["kind", "id"],
                "properties": {
                    "kind": {"enum": list(get_args(AuthorKind))},
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "request": {"type": "string"},
                },
            },
            "before": {**nullable, "description": "null when created"},
            "after": {**nullable, "description": "null when deleted"},
        },
    }
    return {
        "type": "object",
        "required": ["items", "links"],
        "properties": {
            "items": {"type": "array", "items": entry},
            "links": {"type": "object", "properties": {"next": {"type": ["string", "null"]}}},
        },
    }


def _responses(route: Route) -> dict[str, Any]:
    record = _ref(route.response) if route.response else {"type": "object"}
    ok: dict[str, Any]
    match route.shape:
        case "page":
            ok = {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items", "links"],
                        "properties": {
                            "items": {"type": "array", "items": record},
                            "links": {"type": "object", "properties": {"next": {"type": ["string", "null"]}}},
                        },
                    },
                    "a page",
                )
            }
        case "history":
            ok = {"200": _json(_history_page(record), "a page of changes, newest first")}
        case "items":
            ok = {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"sku": {"type": "string"}, "items": {"type": "array", "items": record}},
                    },
                    "all",
                )
            }
        case "batch":
            ok = {
                code: _json({"$ref": "#/components/schemas/BatchResult"}, text)
                for code, text in (("200", "every record succeeded"), ("207", "some records failed"))
            }
            ok["422"] = _problem_with(
                {"$ref": "#/components/schemas/BatchResult"}, "every record failed, or the request is invalid"
            )
        case "lookup":
            ok = {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "customer_id": {"type": ["string", "null"]},
                            "currency": {"type": ["string", "null"]},
                            "at": {"type": "string"},
                            "as_of": {"type": "string", "description": "present when priced from the history"},
                            "source": {"const": "history", "description": "present with as_of"},
                            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                        },
                    },
                    "one answer per line, in input order",
                )
            }
        case "line":
            ok = {"200": _json({"$ref": "#/components/schemas/Line"}, "the line's answer")}
        case "deleted":
            ok = {
                "200": _json(
                    {"type": "object", "required": ["status"], "properties": {"status": {"const": "deleted"}}},
                    "deleted",
                ),
                "409": _problem("still in use (a list others derive from, a group customers are in)"),
            }
        case "raw":
            ok = {"200": {"description": "ok"}}
        case "native":
            ok = {
                code: _json(record, text)
                for code, text in (
                    ("200", "every native record succeeded (or was skipped)"),
                    ("207", "some native records failed"),
                )
            }
            ok["422"] = _problem_with(record, "every native record failed, or the request is invalid")
        case "linnworks":
            ok = {
                code: _json(record, text)
                for code, text in (
                    ("200", "the update was read; each product says whether it was written"),
                    ("400", "the body is not JSON"),
                    ("401", "AuthorizationToken is missing or not a valid key"),
                    ("403", "the key lacks the write scope"),
                    ("422", "the query's options are invalid (currency, …)"),
                )
            }
        case "webhook":
            ok = {
                "200": _json(record, "the delivery was read; status says what became of it"),
                "401": _problem("the signature or shared secret is missing or wrong (checked before the body is read)"),
            }
        case "created":
            ok = {"201": _json(record, "created")}
        case "session":
            ok = {
                "201": _json(record, "signed in"),
                "200": _json(_ref(console.NewPasswordOut), "a first sign-in: choose a new password"),
                "401": _problem("the email or password is not right"),
            }
        case "gone":
            ok = {"204": {"description": "done"}}
        case "written":
            written: dict[str, Any] = _written_ref(route.response) if route.response else record
            if route.path.endswith("/prices/{sku}"):
                written = {"oneOf": [written, {"$ref": "#/components/schemas/PriceRemoved"}]}
            ok = {
                "200": _json(written, "updated, unchanged or stale: the record as stored, and the outcome"),
                "201": _json(written, "created: the record as stored, and the outcome"),
            }
        case _:
            ok = {"200": _json(record, "the record")}
    if route.scopes is not None:
        ok["401"] = _problem("no credential, or one this stack does not recognise")
        ok["403"] = _problem("the credential lacks the scope")
    if route.request is not None or route.shape in {"page", "line", "items", "history"}:
        ok.setdefault("422", _problem("invalid input, naming each field"))
    if route.request is not None:
        ok["400"] = _problem("the body is not JSON")
        ok["413"] = _problem("the body is too large")
    if "{" in route.path or route.shape == "lookup":
        ok["404"] = _problem("not found (or a record the request names, such as its customer or list)")
    if _takes_idempotency_key(route):
        ok.setdefault("409", _problem("a request with this Idempotency-Key is still running; retry shortly"))
        ok.setdefault("422", _problem("invalid input, or this Idempotency-Key was used for another request"))
    ok["503"] = _problem("storage is throttling; retry after Retry-After seconds")
    if route.shape == "linnworks":  # Linnworks reads only its own shape: refusals answer in it too
        ok = {code: _json(record, answer["description"]) for code, answer in ok.items()}
    return ok


def _schema_of(annotation: Any) -> dict[str, Any]:
    """A constrained type's JSON schema, exactly as the models validate it (one definition, two uses)."""
    schema = TypeAdapter(annotation).json_schema()
    schema.pop("title", None)
    return schema


_PATH_SCHEMAS = {"slug": Slug, "sku": Sku, "customer_id": ExternalId, "group": Slug}
_CURSOR = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_-]{2,976}\.[A-Za-z0-9_-]{43}$",
    "description": "opaque: the cursor of the previous page's links.next, signed for this listing",
}
_EMAIL_QUERY = {
    "type": "string",
    "pattern": r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$",
    "description": "compared trimmed and case-insensitively",
}


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters = [
        {
            "name": part[1:-1],
            "in": "path",
            "required": True,
            "schema": _schema_of(_PATH_SCHEMAS[part[1:-1]]) if part[1:-1] in _PATH_SCHEMAS else {"type": "string"},
        }
        for part in route.path.split("/")
        if part.startswith("{")
    ]
    if route.shape == "history":
        parameters += [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            {"name": "cursor", "in": "query", "schema": _CURSOR},
            {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        ]
    if route.shape == "page":
        parameters += [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            {"name": "cursor", "in": "query", "schema": _CURSOR},
            {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        ]
    if route.path == "/v1/customers":
        parameters.append(
            {
                "name": "email",
                "in": "query",
                "schema": _EMAIL_QUERY,
                "description": "a filter: the page holds the customer with this email, or is empty",
            }
        )
        parameters.append(
            {
                "name": "external_id",
                "in": "query",
                "schema": {"type": "string"},
                "description": "a filter: the customer a platform id is linked to (shopify:<id>, bigcommerce:<id>), "
                "or an empty page",
            }
        )
    if route.path == "/v1/webhooks/shopify":
        parameters += [
            {"name": name, "in": "header", "required": required, "schema": {"type": "string"}, "description": text}
            for name, required, text in (
                ("X-Shopify-Hmac-Sha256", True, "base64 HMAC-SHA256 of the raw body, keyed with the app's secret"),
                ("X-Shopify-Topic", True, "customers/*, company_contacts/create|update (others are acknowledged)"),
                ("X-Shopify-Webhook-Id", False, "a redelivered id is answered `duplicate` and not applied again"),
                ("X-Shopify-Triggered-At", False, "when the event fired: orders customers/delete"),
            )
        ]
    if route.path == "/v1/webhooks/bigcommerce":
        parameters.append(
            {
                "name": "X-Webhook-Secret",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "the shared secret the webhook was registered with",
            }
        )
    if route.tag == "integrations":
        parameters += [
            {"name": name, "in": "query", "schema": schema, "description": text}
            for name, schema, text in (
                (
                    "currency",
                    _schema_of(CurrencyCode),
                    "the system's base currency, for lists the payload names no currency for",
                ),
                ("currencies", {"type": "string"}, "NetSuite price levels: a list per level in each, e.g. GBP,USD"),
                (
                    "currency_map",
                    {"type": "string"},
                    "NetSuite currency references to ISO codes, e.g. 1:GBP,Euro:EUR",
                ),
                ("price_list", _schema_of(Slug), "Linnworks: the list for prices without Tag or Source"),
            )
            if route.shape == "native" or name in {"currency", "price_list"}
        ]
    if route.shape == "line":
        parameters += [
            {"name": name, "in": "query", "schema": schema}
            for name, schema in (
                ("customer_id", _schema_of(ExternalId)),
                ("price_list", _schema_of(Slug)),
                ("qty", {**_schema_of(Quantity), "description": _QTY_RULE}),
                ("currency", _schema_of(CurrencyCode)),
                ("at", {"type": "string", "format": "date-time"}),
                ("as_of", {"type": "string", "format": "date-time"}),
                ("explain", {"type": "boolean"}),
            )
        ]
    if _takes_idempotency_key(route):
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "maxLength": 255},  # idempotency.MAX_KEY_LENGTH
                "description": "replays the first response for retries with the same key",
            }
        )
    return parameters


def _takes_idempotency_key(route: Route) -> bool:
    # The lookup writes nothing, and import jobs are idempotent by their upload: neither reads the header.
    writes = route.method in {"PUT", "POST", "DELETE"} and route.scopes is not None
    return writes and route.tag not in {"imports", "lookup", "console"}


def _problem_with(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A problem that also carries a document (a batch's per-record results)."""
    problem: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"anyOf": [problem, {"allOf": [problem, schema]}]}}},
    }


def _written_ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{model.__name__}Written"}


def _written(record: dict[str, Any]) -> dict[str, Any]:
    """A record schema as a PUT answers it: the stored record plus `outcome`."""
    written = {**record, "properties": {**record.get("properties", {}), "outcome": _OUTCOME}}
    written["required"] = [*record.get("required", []), "outcome"]
    written["title"] = f"{record.get('title', '')} as written".strip()
    return written


_OUTCOME = {
    "enum": ["created", "updated", "unchanged", "stale"],
    "description": "what the write did; a stale or unchanged write answers the record as stored",
}
_PRICE_REMOVED = {
    "type": "object",
    "title": "Price removed",
    "description": "PUT with empty tiers: the SKU is off the list (deleted), or was not on it (unchanged)",
    "additionalProperties": False,
    "required": ["price_list", "sku", "outcome"],
    "properties": {
        "price_list": {"type": "string"},
        "sku": {"type": "string"},
        "outcome": {"enum": ["deleted", "unchanged", "stale"]},
    },
}


def _operation_id(route: Route) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", route.path.lower()).strip("_")
    return f"{route.method.lower()}_{words}"


@cache
def document() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(model, "validation") for model in _MODELS], ref_template="#/components/schemas/{model}"
    )
    components = dict(definitions.get("$defs", {}))
    components.update({"Problem": _PROBLEM, "FieldError": _FIELD_ERROR, "BatchResult": _BATCH, "Line": _LINE})
    for route in ROUTES:
        if route.shape == "written" and route.response is not None:
            components[f"{route.response.__name__}Written"] = _written(components[route.response.__name__])
    components["PriceRemoved"] = _PRICE_REMOVED
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "tags": [route.tag],
            "operationId": _operation_id(route),
            "parameters": _parameters(route),
            "responses": _responses(route),
        }
        if route.scopes is None:
            operation["security"] = []
        else:
            operation["description"] = f"Scopes: {', '.join(route.scopes)} (admin may call every route)."
        if route.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(route.request)}},
            }
        if (route.method, route.path) == ("GET", "/v1/price-lists/{slug}/prices"):
            # The console's export: the same page as a CSV in the import format (Accept: text/csv).
            operation["responses"]["200"]["content"]["text/csv"] = {
                "schema": {"type": "string"},
                "example": "sku,qty,price,unit_of_measure,valid_from,valid_until,source_version\r\n"
                "BOLT-M8,1,0.5,,,,\r\nBOLT-M8,100,0.45,,,,\r\n",
            }
            operation["description"] += (
                " With Accept: text/csv, the page is a CSV file in the import format (long layout, one row per"
                " tier), re-importable as it is; the next page is in the Link header."
            )
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tradeprice",
            "version": VERSION,
            "description": "Open-source serverless B2B pricing: price lists with quantity breaks, customers, "
            "pack rules, and one fast lookup. Money travels as exact decimal strings.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key (tp_…), a customer token (tp1.…) or a console staff member's "
                    "access token (POST /v1/sessions)",
                }
            },
        },
    }


def docs_page() -> str:
    """Swagger UI, served by this API (GET /v1/docs/{asset}: the vendored swagger-ui-dist), pointed at the served
    document. No inline script: the page's Content-Security-Policy forbids it."""
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tradeprice API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/docs.js"></script>
</body></html>"""


def served_document(request_path: str) -> dict[str, Any]:
    """The document as served at `request_path` (e.g. /dev/v1/openapi.json, stage included): its server is the
    API's base path, so "Try it out" on the docs page reaches the API under its stage."""
    base = request_path[: -len("/v1/openapi.json")] if request_path.endswith("/v1/openapi.json") else ""
    return {**document(), "servers": [{"url": base or "/"}]}
