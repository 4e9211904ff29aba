"""A Postman collection (format v2.1) generated from the OpenAPI document: the middleware kit.

Patchworks builds connectors by importing a Postman collection (it has no OpenAPI importer), and Postman is where
most integrators try an API first. The collection has a folder per tag and a request per route, with:

- bearer auth at collection level from the `{{api_key}}` variable (routes that need none say `noauth`);
- `{{base_url}}`, the API's URL *including the stage* (the stack's `ApiUrl` output, e.g.
  `https://abc123.execute-api.eu-west-2.amazonaws.com/dev`; the local stack's is `http://127.0.0.1:3000/dev`);
- path parameters as collection variables (`{{price_list}}`, `{{sku}}`, `{{group}}`, `{{customer_id}}`,
  `{{job_id}}` …) whose example values name records of the collection's own (`postman-…`, `C-POSTMAN-…`), so
  running it never overwrites the demo data `make run` seeds; query parameters listed (disabled until filled in,
  except where the route needs one), an example body, and a disabled `Idempotency-Key: {{$guid}}` header;
- a test script on every request: the status is one the document lists as success, a JSON answer parses, a batch
  refused no record, and the answer names the record asked for. Creates and writes run before reads, deletes
  last, and a delete removes a record its pre-request script made for it, so the whole collection runs in order
  (`newman run`, as `make test` does against the local stack) and runs again.

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
    ("PUT", "/v1/price-lists/{slug}"): """{"name": "Postman trade", "currency": "GBP"}""",
    ("PUT", "/v1/customer-groups/{slug}"): """{"name": "Postman group", "price_lists": ["{{price_list}}"]}""",
    ("PUT", "/v1/customers/{customer_id}"): """{
  "email": "postman-1@example.com",
  "company": "Postman Fixings Ltd",
  "group": "{{group}}",
  "discount_percent": "2.5"
}""",
    ("PUT", "/v1/price-lists/{slug}/prices/{sku}"): """{
  "tiers": [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}]
}""",
    ("POST", "/v1/integrations/{system}/{resource}"): """{
  "Pagination": {"NumberOfItems": 1, "PageSize": 200, "PageNumber": 1, "NumberOfPages": 1},
  "Items": [
    {
      "ProductCode": "POSTMAN-UNLEASHED",
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
      "sku": "{{sku}}",
      "tiers": [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}],
      "source_version": "2026-01-05T09:30:00Z"
    }
  ]
}""",
    ("POST", "/v1/prices:batch"): """{
  "prices": [
    {"price_list": "{{price_list}}", "sku": "{{sku}}", "tiers": [{"min_qty": 1, "price": "0.50"}]},
    {"price_list": "{{price_list}}", "sku": "POSTMAN-NUT",
     "tiers": [{"min_qty": 1, "price": "0.12"}, {"min_qty": 10, "price": "0.10"}]}
  ]
}""",
    ("POST", "/v1/customers:batch"): """{
  "customers": [
    {"id": "{{customer_id}}", "email": "postman-1@example.com", "company": "Postman Fixings Ltd",
     "group": "{{group}}", "discount_percent": "2.5"},
    {"id": "C-POSTMAN-2", "email": "postman-2@example.com", "group": "{{group}}"}
  ]
}""",
    ("POST", "/v1/product-rules:batch"): """{
  "rules": [{"sku": "{{sku}}", "min_qty": 1}]
}""",
    ("POST", "/v1/pricing/lookup"): """{
  "customer_id": "{{customer_id}}",
  "lines": [{"sku": "{{sku}}", "qty": 96}, {"sku": "POSTMAN-NUT", "qty": 24}]
}""",
    ("POST", "/v1/linnworks/price-update"): """{
  "AuthorizationToken": "{{api_key}}",
  "Products": [{"SKU": "POSTMAN-LINNWORKS", "Reference": "listing-1", "Price": 0.44, "Tag": "postman"}]
}""",
    ("POST", "/v1/imports"): """{"kind": "prices", "price_list": "{{price_list}}", "filename": "postman.csv"}""",
}
"""Example bodies, as JSON text (numbers stay as written): records of the collection's own, never the demo data's,
and the bodies a schema cannot suggest (an ERP's native payload, Unleashed products here; Linnworks' push)."""

VARIABLES: dict[str, tuple[str, str]] = {
    "price_list": ("postman-trade", "a price list's slug (the collection makes it)"),
    "sku": ("POSTMAN-BOLT", "a SKU (the collection prices it on {{price_list}})"),
    "group": ("postman-group", "a customer group's slug (the collection makes it)"),
    "customer_id": ("C-POSTMAN-1", "a customer's id (the collection makes it)"),
    "job_id": ("", "an import job's id: POST /v1/imports sets it"),
    "system": ("unleashed", "an ERP: unleashed, cin7, katana, brightpearl, linnworks, netsuite, business-central"),
    "resource": ("products", "the ERP's resource, e.g. products for Unleashed"),
    "doomed_price_list": ("postman-doomed", "what DELETE /v1/price-lists/… removes (its pre-request script makes it)"),
    "doomed_sku": ("POSTMAN-DOOMED", "what DELETE …/prices/… removes (its pre-request script makes it)"),
    "doomed_group": ("postman-doomed", "what DELETE /v1/customer-groups/… removes (made by its pre-request script)"),
    "doomed_customer_id": ("C-POSTMAN-DOOMED", "what DELETE /v1/customers/… removes (made by its pre-request script)"),
}
"""Collection variables for path parameters (and the records deletes remove), with working example values."""

# Which variable each path parameter of each route is: `{slug}` is a price list's in one place, a group's in another.
_PATH_VARIABLES: dict[str, dict[str, str]] = {
    "/v1/price-lists/": {"slug": "price_list", "sku": "sku"},
    "/v1/customer-groups/": {"slug": "group"},
    "/v1/customers/": {"customer_id": "customer_id"},
    "/v1/imports/": {"id": "job_id"},
    "/v1/integrations/": {"system": "system", "resource": "resource"},
    "/v1/skus/": {"sku": "sku"},
    "/v1/pricing/": {"sku": "sku"},
}
_DOOMED = {"price_list": "doomed_price_list", "group": "doomed_group", "customer_id": "doomed_customer_id"}

# What a delete's pre-request script makes first, so that it removes a record of its own: (method, path, body).
_SETUP_FOR_DELETE: dict[str, tuple[str, str, str]] = {
    "/v1/price-lists/{slug}": ("PUT", "/v1/price-lists/{{doomed_price_list}}", '{"name": "Doomed", "currency": "GBP"}'),
    "/v1/price-lists/{slug}/prices/{sku}": (
        "PUT",
        "/v1/price-lists/{{price_list}}/prices/{{doomed_sku}}",
        '{"tiers": [{"min_qty": 1, "price": "1.00"}]}',
    ),
    "/v1/customer-groups/{slug}": ("PUT", "/v1/customer-groups/{{doomed_group}}", '{"name": "Doomed"}'),
    "/v1/customers/{customer_id}": (
        "PUT",
        "/v1/customers/{{doomed_customer_id}}",
        '{"email": "postman-doomed@example.com"}',
    ),
}
# Query parameters a route needs to answer at all, enabled with a working value.
_QUERY_VALUES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/v1/pricing/{sku}"): {"price_list": "{{price_list}}", "qty": "100"},
    ("POST", "/v1/integrations/{system}/{resource}"): {"currency": "GBP"},
}
_METHOD_ORDER = {"PUT": 0, "POST": 1, "PATCH": 1, "GET": 2, "DELETE": 3}


def for_middleware(path: str) -> bool:
    """The console's routes (its page, staff sessions, key management) and the docs page's files are for people in
    a browser, not for middleware: the collection leaves them out."""
    return path.startswith("/v1/") and not path.startswith("/v1/docs/")


def collection(spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """The collection for an OpenAPI document (default: tradeprice's)."""
    spec = spec if spec is not None else document()
    folders: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for path, operations in spec["paths"].items():
        if not for_middleware(path):
            continue
        for method in METHODS:
            operation = operations.get(method)
            if operation is not None and (operation.get("tags") or ["api"])[0] != "console":
                tag = (operation.get("tags") or ["api"])[0]
                item = _item(spec, method.upper(), path, operation)
                folders.setdefault(tag, []).append((_METHOD_ORDER.get(method.upper(), 2), item))
    info = spec["info"]
    variables = [
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
            "description": "A tradeprice API key (tp_…), shown once by `make key`; running every request needs admin.",
        },
    ]
    variables += [
        {"key": name, "value": value, "type": "string", "description": description}
        for name, (value, description) in VARIABLES.items()
    ]
    return {
        "info": {
            "_postman_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://tradeprice.dev/postman/{info['version']}")),
            "name": info["title"],
            "description": _DESCRIPTION.format(description=info.get("description", ""), version=info["version"]),
            "schema": SCHEMA,
        },
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{api_key}}", "type": "string"}]},
        "variable": variables,
        "item": [
            # Within a folder: creates and writes, then reads, then deletes (a stable sort keeps the document's order).
            {"name": tag, "item": [item for _, item in sorted(items, key=lambda pair: pair[0])]}
            for tag, items in folders.items()
        ],
    }


_DESCRIPTION = """{description}

Generated from the OpenAPI {version} document (GET /v1/openapi.json). Set `base_url` (with the stage) and `api_key`.
Path parameters are collection variables (`price_list`, `sku`, `group`, `customer_id`, `job_id` …) naming records of
the collection's own, so a run never touches other data; every request has a test script, and the whole collection
runs in order (`newman run`) with an admin key.
Lists page with `limit` and `cursor`: follow `links.next` in the body or the `Link: <…>; rel="next"` header; pass
`updated_since` for deltas. Batches answer per record in input order (200 all, 207 some, 422 none succeeded). 429 and
503 carry Retry-After: back off and retry, with the same Idempotency-Key on writes. See docs/integrations/middleware.md.
"""


def path_variable(method: str, path: str, parameter: str) -> str:
    """The collection variable standing for a path parameter of a route."""
    names = next((names for prefix, names in _PATH_VARIABLES.items() if path.startswith(prefix)), {})
    name = names.get(parameter, parameter)
    last = path.rstrip("/").rsplit("/", 1)[-1] == "{" + parameter + "}"
    if method == "DELETE" and last:
        return _DOOMED.get(name, f"doomed_{name}")
    return name


def _item(spec: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    parameters = operation.get("parameters", [])
    segments = [
        "{{" + path_variable(method, path, part[1:-1]) + "}}" if part.startswith("{") else part
        for part in path.strip("/").split("/")
    ]
    enabled = _QUERY_VALUES.get((method, path), {})
    query = [
        {"key": p["name"], "value": enabled[p["name"]], "description": p.get("description", _type_of(p))}
        if p["name"] in enabled
        else {"key": p["name"], "value": "", "description": p.get("description", _type_of(p)), "disabled": True}
        for p in parameters
        if p["in"] == "query"
    ]
    raw_query = "&".join(f"{q['key']}={q['value']}" for q in query if not q.get("disabled"))
    url: dict[str, Any] = {
        "raw": "{{base_url}}/" + "/".join(segments) + (f"?{raw_query}" if raw_query else ""),
        "host": ["{{base_url}}"],
        "path": segments,
    }
    if query:
        url["query"] = query
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
    events = [{"listen": "test", "script": {"type": "text/javascript", "exec": _test_script(method, path, operation)}}]
    if method == "DELETE" and path in _SETUP_FOR_DELETE:
        events.insert(0, {"listen": "prerequest", "script": {"type": "text/javascript", "exec": _setup_script(path)}})
    return {"name": operation.get("summary", f"{method} {path}"), "event": events, "request": request, "response": []}


def _test_script(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """Checks every request's answer: a documented success status, JSON that parses, no refused batch record, the
    record asked for named in the answer; POST /v1/imports keeps its job id for GET /v1/imports/{id}."""
    success = sorted(int(code) for code in operation.get("responses", {}) if str(code).startswith("2"))
    if path.startswith("/v1/webhooks/"):
        # The platform signs each real delivery with a secret the collection does not hold: unsigned, it is refused.
        success = [401]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    named = [path_variable(method, path, last[1:-1])] if last.startswith("{") and method != "DELETE" else []
    lines = [
        f"pm.test({json.dumps(f'answers one of {success}')}, function () {{",
        f"    pm.expect({json.dumps(success)}).to.include(pm.response.code);",
        "});",
        'const isJson = (pm.response.headers.get("Content-Type") || "").includes("json");',
        "const body = isJson && pm.response.text() ? pm.response.json() : null;",
        "if (body && body.summary) {",
        '    pm.test("no record of the batch is refused", function () {',
        "        pm.expect(body.summary.error || 0).to.eql(0);",
        "    });",
        "}",
    ]
    for name in named:
        lines += [
            f"pm.test({json.dumps(f'the answer names {{{{{name}}}}}')}, function () {{",
            f"    pm.expect(pm.response.text()).to.include(pm.variables.get({json.dumps(name)}));",
            "});",
        ]
    if (method, path) == ("POST", "/v1/imports"):
        lines += ['if (body && body.job_id) { pm.collectionVariables.set("job_id", body.job_id); }']
    return lines


def _setup_script(path: str) -> list[str]:
    """A delete's pre-request script: make the record it removes (with the collection's key)."""
    method, target, body = _SETUP_FOR_DELETE[path]
    return [
        "pm.sendRequest({",
        f'    url: pm.variables.replaceIn("{{{{base_url}}}}{target}"),',
        f"    method: {json.dumps(method)},",
        "    header: {",
        '        "Authorization": "Bearer " + pm.variables.get("api_key"),',
        '        "Content-Type": "application/json"',
        "    },",
        f'    body: {{mode: "raw", raw: pm.variables.replaceIn({json.dumps(body)})}}',
        "}, function (error, response) {",
        "    if (error) { throw error; }",
        '    pm.expect(response.code, "the record to delete is made first").to.be.oneOf([200, 201]);',
        "});",
    ]


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
