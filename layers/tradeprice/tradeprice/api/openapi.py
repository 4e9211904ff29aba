"""The OpenAPI 3.1 document, generated from the request and record models, and the interactive docs page.

ROUTES is the API's table of contents: a test checks it against template.yaml's routes and the handlers.
"""

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from tradeprice.api import imports, integrations, lookup_schemas, schemas, webhooks
from tradeprice.domain.models import Customer, CustomerGroup, ImportJob, Price, PriceList, ProductRule

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
    """record | created | page | batch | items | lookup | line | deleted | raw | native | linnworks | webhook"""


_READ = ("read", "write")
_WRITE = ("write",)
_ADMIN = ("admin",)
_LOOKUP = ("read", "customer token")

ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/health", "Liveness", "meta", None, shape="raw"),
    Route("GET", "/v1/openapi.json", "This document", "meta", None, shape="raw"),
    Route("GET", "/v1/docs", "Interactive API documentation", "meta", None, shape="raw"),
    Route("GET", "/v1/price-lists", "List price lists", "price lists", _READ, response=PriceList, shape="page"),
    Route(
        "PUT",
        "/v1/price-lists/{slug}",
        "Create or replace a price list",
        "price lists",
        _WRITE,
        schemas.PriceListIn,
        PriceList,
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
        "Shopify customer webhooks (customers/create|update|enable|disable|delete); signed with the app's secret "
        "in X-Shopify-Hmac-Sha256, deduplicated on X-Shopify-Webhook-Id",
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
)

_MODELS: tuple[type[BaseModel], ...] = (
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
                for code, text in (
                    ("200", "every record succeeded"),
                    ("207", "some records failed"),
                    ("422", "every record failed"),
                )
            }
        case "lookup":
            ok = {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "customer_id": {"type": ["string", "null"]},
                            "currency": {"type": ["string", "null"]},
                            "at": {"type": "string"},
                            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                        },
                    },
                    "one answer per line, in input order",
                )
            }
        case "line":
            ok = {"200": _json({"$ref": "#/components/schemas/Line"}, "the line's answer")}
        case "deleted":
            ok = {"200": _json({"type": "object", "properties": {"status": {"const": "deleted"}}}, "deleted")}
        case "raw":
            ok = {"200": {"description": "ok"}}
        case "native":
            ok = {
                code: _json(record, text)
                for code, text in (
                    ("200", "every native record succeeded (or was skipped)"),
                    ("207", "some native records failed"),
                    ("422", "every native record failed"),
                )
            }
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
        case _:
            ok = {"200": _json(record, "the record")}
            if route.method == "PUT":
                ok["201"] = _json(record, "created")
    if route.scopes is not None:
        ok["401"] = _problem("no valid credential")
        ok["403"] = _problem("the credential lacks the scope")
    if route.request is not None or route.shape in {"page", "line"}:
        ok.setdefault("422", _problem("invalid input, naming each field"))
    if route.request is not None:
        ok["400"] = _problem("the body is not JSON")
        ok["413"] = _problem("the body is too large")
    if "{" in route.path:
        ok["404"] = _problem("not found")
    ok["503"] = _problem("storage is throttling; retry after Retry-After seconds")
    if route.shape == "linnworks":  # Linnworks reads only its own shape: refusals answer in it too
        ok = {code: _json(record, answer["description"]) for code, answer in ok.items()}
    return ok


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for part in route.path.split("/")
        if part.startswith("{")
    ]
    if route.shape == "page":
        parameters += [
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            {"name": "updated_since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        ]
    if route.path == "/v1/customers":
        parameters.append({"name": "email", "in": "query", "schema": {"type": "string"}})
        parameters.append(
            {
                "name": "external_id",
                "in": "query",
                "schema": {"type": "string"},
                "description": "the customer a platform id is linked to, e.g. shopify:706405506930370084",
            }
        )
    if route.path == "/v1/webhooks/shopify":
        parameters += [
            {"name": name, "in": "header", "required": required, "schema": {"type": "string"}, "description": text}
            for name, required, text in (
                ("X-Shopify-Hmac-Sha256", True, "base64 HMAC-SHA256 of the raw body, keyed with the app's secret"),
                ("X-Shopify-Topic", True, "customers/create, customers/update, … (others are acknowledged)"),
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
            {"name": name, "in": "query", "schema": {"type": "string"}, "description": text}
            for name, text in (
                ("currency", "the system's base currency, for lists the payload names no currency for"),
                ("currencies", "NetSuite price levels: a list per level in each, e.g. GBP,USD"),
                ("currency_map", "NetSuite currency references to ISO codes, e.g. 1:GBP,Euro:EUR"),
                ("price_list", "Linnworks: the list for prices without Tag or Source"),
            )
            if route.shape == "native" or name in {"currency", "price_list"}
        ]
    if route.shape == "line":
        parameters += [
            {"name": name, "in": "query", "schema": schema}
            for name, schema in (
                ("customer_id", {"type": "string"}),
                ("price_list", {"type": "string"}),
                ("qty", {"type": "integer", "minimum": 1}),
                ("currency", {"type": "string"}),
                ("at", {"type": "string", "format": "date-time"}),
                ("explain", {"type": "boolean"}),
            )
        ]
    if route.method in {"PUT", "POST", "DELETE"} and route.scopes is not None and route.tag != "imports":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "maxLength": 255},
                "description": "replays the first response for retries with the same key",
            }
        )
    return parameters


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
                    "description": "An API key (tp_…) or a customer token (ct_…)",
                }
            },
        },
    }


def docs_page(document_url: str) -> str:
    """Swagger UI, loaded from its CDN in the reader's browser, pointed at the served document."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tradeprice API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>SwaggerUIBundle({{url: "{document_url}", dom_id: "#ui"}});</script>
</body></html>"""
