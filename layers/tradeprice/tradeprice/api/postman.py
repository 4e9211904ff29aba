"""A Postman collection (format v2.1) generated from the OpenAPI document: the middleware kit.

Patchworks builds connectors by importing a Postman collection (it has no OpenAPI importer), and Postman is where
most integrators try an API first. The collection has a folder per tag and a request per route, with:

- bearer auth at collection level from the `{{api_key}}` variable (routes that need none say `noauth`);
- `{{base_url}}`, the API's URL *including the stage* (the stack's `ApiUrl` output, e.g.
  `https://abc123.execute-api.eu-west-2.amazonaws.com/dev`; the local stack's is `http://127.0.0.1:3000/dev`);
- path parameters as Postman path variables, query parameters listed (disabled until filled in), an example body
  built from the request schema, and a disabled `Idempotency-Key: {{$guid}}` header on writes that take one.

Regenerate with `make postman` (`python -m tradeprice.api.postman <file>`); a test fails when the checked-in file
is not what the document generates.
"""

import json
import sys
import uuid
from pathlib import Path
from typing import Any

from tradeprice.api.openapi import VERSION, document

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
LOCAL_BASE_URL = "http://127.0.0.1:3000/dev"
METHODS = ("get", "put", "post", "delete", "patch")

_EXAMPLES: dict[tuple[str, str], str] = {
    ("POST", "/v1/integrations/{system}/{resource}"): """{
  "Pagination": {"NumberOfItems": 1, "PageSize": 200, "PageNumber": 1, "NumberOfPages": 1},
  "Items": [
    {
      "ProductCode": "BOLT-M8",
      "DefaultSellPrice": 0.50,
      "MinimumSaleQuantity": 50,
      "SellPriceTier1": {"Name": "Trade", "Value": "0.4200"},
      "SellPriceTier2": {"Name": "Distributor", "Value": "0.3800"}
    }
  ]
}""",
    ("PUT", "/v1/price-lists/{slug}/prices"): """{
  "prices": [
    {
      "sku": "BOLT-M8",
      "tiers": [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}],
      "source_version": "2026-01-05T09:30:00Z"
    }
  ]
}""",
    ("POST", "/v1/prices:batch"): """{
  "prices": [
    {"price_list": "trade", "sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]},
    {"price_list": "retail", "sku": "BOLT-M8", "tiers": []}
  ]
}""",
    ("POST", "/v1/customers:batch"): """{
  "customers": [
    {"id": "C-1001", "email": "buyer@acme.example", "company": "Acme Fixings Ltd", "group": "trade",
     "discount_percent": "2.5", "source_version": 42}
  ]
}""",
    ("POST", "/v1/product-rules:batch"): """{
  "rules": [{"sku": "BOLT-M8", "group": "base", "pack_size": 50, "min_qty": 50}]
}""",
    ("POST", "/v1/pricing/lookup"): """{
  "customer_id": "C-1001",
  "lines": [{"sku": "BOLT-M8", "qty": 96, "tier_group": "bolts"}, {"sku": "BOLT-M10", "qty": 24, "tier_group": "bolts"}]
}""",
    ("POST", "/v1/linnworks/price-update"): """{
  "AuthorizationToken": "{{api_key}}",
  "Products": [{"SKU": "BOLT-M8", "Reference": "listing-1", "Price": 0.44, "Tag": "trade"}]
}""",
}
"""Bodies a schema cannot suggest, as JSON text (numbers stay as written): an ERP's native payload (Unleashed
products here) and Linnworks' push."""

_PATH_EXAMPLES = {"system": "unleashed", "resource": "products"}


def collection(spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """The collection for an OpenAPI document (default: tradeprice's)."""
    spec = spec if spec is not None else document()
    folders: dict[str, list[dict[str, Any]]] = {}
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):  # the console's page is for people in a browser, not middleware
            continue
        for method in METHODS:
            operation = operations.get(method)
            if operation is not None:
                tag = (operation.get("tags") or ["api"])[0]
                folders.setdefault(tag, []).append(_item(spec, method.upper(), path, operation))
    info = spec["info"]
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://tradeprice.dev/postman/{info['version']}")),
            "name": info["title"],
            "description": _DESCRIPTION.format(description=info.get("description", ""), version=info["version"]),
            "schema": SCHEMA,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{api_key}}", "type": "string"}]},
        "variable": [
            {
                "key": "base_url",
                "value": LOCAL_BASE_URL,
                "type": "string",
                "description": "The API's URL including the stage: the stack's ApiUrl output (…/dev or …/prod).",
            },
            {
                "key": "api_key",
                "value": "",
                "type": "string",
                "description": "A tradeprice API key (tp_…), shown once by `make key`; scopes write, read, admin.",
            },
        ],
        "item": [{"name": tag, "item": items} for tag, items in folders.items()],
    }


_DESCRIPTION = """{description}

Generated from the OpenAPI {version} document (GET /v1/openapi.json). Set `base_url` (with the stage) and `api_key`.
Lists page with `limit` and `cursor`: follow `links.next` in the body or the `Link: <…>; rel="next"` header; pass
`updated_since` for deltas. Batches answer per record in input order (200 all, 207 some, 422 none succeeded). 429 and
503 carry Retry-After: back off and retry, with the same Idempotency-Key on writes. See docs/integrations/middleware.md.
"""


def _item(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    parameters = operation.get("parameters", [])
    segments = [f":{part[1:-1]}" if part.startswith("{") else part for part in path.strip("/").split("/")]
    query = [
        {"key": p["name"], "value": "", "description": p.get("description", _type_of(p)), "disabled": True}
        for p in parameters
        if p["in"] == "query"
    ]
    url: dict[str, Any] = {
        "raw": "{{base_url}}/" + "/".join(segments),
        "host": ["{{base_url}}"],
        "path": segments,
    }
    if query:
        url["query"] = query
    variables = [
        {"key": p["name"], "value": _PATH_EXAMPLES.get(p["name"], ""), "description": "path parameter"}
        for p in parameters
        if p["in"] == "path"
    ]
    if variables:
        url["variable"] = variables
    headers = [
        {
            "key": p["name"],
            "value": "{{$guid}}",
            "description": p.get("description", ""),
            "disabled": True,
        }
        for p in parameters
        if p["in"] == "header"
    ]
    request: dict[str, Any] = {"method": method, "header": headers, "url": url}
    description = "\n\n".join(part for part in (operation.get("summary"), operation.get("description")) if part)
    request["description"] = description
    body = operation.get("requestBody")
    if body is not None:
        schema = body["content"]["application/json"]["schema"]
        raw = _EXAMPLES.get((method, path)) or json.dumps(_example(spec, schema, depth=0), indent=2)
        headers.insert(0, {"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": raw,
            "options": {"raw": {"language": "json"}},
        }
    if operation.get("security") == []:
        request["auth"] = {"type": "noauth"}
    return {"name": operation.get("summary", f"{method} {path}"), "request": request, "response": []}


def _type_of(parameter: dict[str, Any]) -> str:
    return str(parameter.get("schema", {}).get("type", "string"))


_NAMED = {"currency": "GBP", "email": "buyer@example.com", "name": "Trade", "sku": "BOLT-M8", "id": "C-1001"}
"""Example strings by property name, where the schema's type alone would only say "string"."""


def _example(spec: dict[str, Any], schema: dict[str, Any], depth: int, name: str = "") -> Any:
    """A small example value for a JSON schema: required properties only, the first alternative of a union."""
    if "$ref" in schema:
        reference = schema["$ref"].rsplit("/", 1)[-1]
        return _example(spec, spec["components"]["schemas"][reference], depth, name)
    if depth > 6:
        return None
    if "example" in schema:
        return schema["example"]
    if "default" in schema and schema["default"] not in (None, [], {}):
        return schema["default"]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            options = [option for option in schema[union] if option.get("type") != "null"]
            return _example(spec, options[0], depth, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = schema.get("required", list(properties)[:1])
        return {key: _example(spec, properties[key], depth + 1, key) for key in required if key in properties}
    if kind == "array":
        return [_example(spec, schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return "1.00"
    if kind == "boolean":
        return False
    if kind == "string":
        formats = {"date-time": "2026-01-01T00:00:00Z", "email": "buyer@example.com"}
        return formats.get(schema.get("format", ""), _NAMED.get(name, "string"))
    return {}


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    text = json.dumps(collection(), indent=2, ensure_ascii=False) + "\n"
    if not arguments or arguments[0] == "-":
        sys.stdout.write(text)
        return 0
    target = Path(arguments[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {target} ({VERSION})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
