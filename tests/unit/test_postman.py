"""The Postman collection (v2.1) is valid, current, covers every route of the OpenAPI document, names only records
of its own, and tests every answer. tests/e2e/test_postman_newman.py runs it with newman against the local stack."""

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from devstack.seed import DEMO_CUSTOMERS, DEMO_GROUPS, DEMO_PRICE_LISTS, DEMO_PRICES, DEMO_RULES
from tradeprice.api.openapi import document
from tradeprice.api.postman import SCHEMA, VARIABLES, collection

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "postman" / "tradeprice.postman_collection.json"

# The parts of Postman's collection v2.1 schema a collection must satisfy to import (info, items, requests, urls,
# auth, variables), transcribed from https://schema.getpostman.com/json/collection/v2.1.0/collection.json.
_KEY_VALUE = {"type": "object", "required": ["key"], "properties": {"key": {"type": "string"}}}
_URL = {
    "type": "object",
    "required": ["raw"],
    "properties": {
        "raw": {"type": "string"},
        "host": {"type": "array", "items": {"type": "string"}},
        "path": {"type": "array", "items": {"type": "string"}},
        "query": {"type": "array", "items": _KEY_VALUE},
        "variable": {"type": "array", "items": _KEY_VALUE},
    },
}
_AUTH = {
    "type": "object",
    "required": ["type"],
    "properties": {"type": {"enum": ["noauth", "bearer", "basic", "apikey", "oauth2"]}},
}
_REQUEST = {
    "type": "object",
    "required": ["method", "url"],
    "properties": {
        "method": {"enum": ["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"]},
        "url": _URL,
        "header": {"type": "array", "items": {"type": "object", "required": ["key", "value"]}},
        "body": {
            "type": "object",
            "properties": {
                "mode": {"enum": ["raw", "urlencoded", "formdata", "file", "graphql"]},
                "raw": {"type": "string"},
            },
        },
        "auth": _AUTH,
    },
}
V21_SUBSET = {
    "type": "object",
    "required": ["info", "item"],
    "properties": {
        "info": {
            "type": "object",
            "required": ["name", "schema"],
            "properties": {"schema": {"const": SCHEMA}, "_postman_id": {"type": "string"}},
        },
        "auth": _AUTH,
        "variable": {"type": "array", "items": _KEY_VALUE},
        "item": {"type": "array", "items": {"$ref": "#/definitions/item"}},
    },
    "definitions": {
        "item": {
            "type": "object",
            "required": ["name"],
            "anyOf": [
                {"required": ["request"], "properties": {"request": _REQUEST, "response": {"type": "array"}}},
                {
                    "required": ["item"],
                    "properties": {"item": {"type": "array", "items": {"$ref": "#/definitions/item"}}},
                },
            ],
        }
    },
}


@pytest.fixture(scope="module")
def generated():
    return collection()


def items_of(items):
    for item in items:
        if "item" in item:
            yield from items_of(item["item"])
        else:
            yield item


def requests(items):
    for item in items_of(items):
        yield item["request"]


def route_of(request) -> tuple[str, str]:
    """(method, path) with every path variable written `{}`, as `templated` writes the document's paths."""
    return request["method"], "/" + "/".join(re.sub(r"^\{\{\w+\}\}$", "{}", p) for p in request["url"]["path"])


def templated(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_the_collection_is_postman_v2_1(generated):
    errors = sorted(Draft7Validator(V21_SUBSET).iter_errors(generated), key=str)

    assert errors == []


def test_the_checked_in_collection_parses_and_is_what_the_document_generates(generated):
    checked_in = json.loads(CHECKED_IN.read_text(encoding="utf-8"))

    assert checked_in == generated, "docs/postman is stale: run `make postman`"


def test_every_route_of_the_openapi_document_is_a_request(generated):
    documented = {
        (method.upper(), templated(path)) for path, operations in document()["paths"].items() for method in operations
    }
    covered = {route_of(request) for request in requests(generated["item"])}

    assert covered == documented
    assert len(list(requests(generated["item"]))) == len(documented)


def test_bearer_auth_comes_from_the_api_key_variable_and_urls_from_base_url_with_the_stage(generated):
    variables = {variable["key"]: variable for variable in generated["variable"]}

    assert generated["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{api_key}}", "type": "string"}],
    }
    assert set(variables) == {"base_url", "api_key", *VARIABLES}
    assert variables["base_url"]["value"].endswith("/dev")  # the stage is part of the base URL
    assert all(request["url"]["raw"].startswith("{{base_url}}/v1/") for request in requests(generated["item"]))


def test_public_routes_need_no_auth_and_path_parameters_are_collection_variables(generated):
    by_route = {(r["method"], r["url"]["raw"]): r for r in requests(generated["item"])}
    variables = {variable["key"]: variable["value"] for variable in generated["variable"]}

    assert by_route[("GET", "{{base_url}}/v1/health")]["auth"] == {"type": "noauth"}
    assert by_route[("POST", "{{base_url}}/v1/linnworks/price-update")]["auth"] == {"type": "noauth"}
    assert "auth" not in by_route[("GET", "{{base_url}}/v1/price-lists")]  # inherits the collection's bearer
    prices = by_route[("PUT", "{{base_url}}/v1/price-lists/{{price_list}}/prices")]
    assert json.loads(prices["body"]["raw"])["prices"][0]["tiers"][0] == {"min_qty": 1, "price": "0.50"}
    listing = by_route[("GET", "{{base_url}}/v1/price-lists")]
    assert {q["key"] for q in listing["url"]["query"]} >= {"limit", "cursor", "updated_since"}
    used = {
        segment[2:-2]
        for request in requests(generated["item"])
        for segment in request["url"]["path"]
        if segment.startswith("{{")
    }
    assert used <= set(variables)
    # Every one has a working example value, but the job id: POST /v1/imports sets it for GET /v1/imports/{id}.
    assert [name for name in used if not variables[name]] == ["job_id"]
    (imports,) = [item for item in items_of(generated["item"]) if route_of(item["request"]) == ("POST", "/v1/imports")]
    assert 'collectionVariables.set("job_id"' in "".join(imports["event"][0]["script"]["exec"])


def test_every_request_has_a_test_script_checking_its_status(generated):
    for item in items_of(generated["item"]):
        tests = [event for event in item["event"] if event["listen"] == "test"]
        assert len(tests) == 1, item["name"]
        assert "pm.response.code" in "\n".join(tests[0]["script"]["exec"]), item["name"]


def test_requests_run_writes_before_reads_and_deletes_last_in_each_folder(generated):
    order = {"PUT": 0, "POST": 0, "GET": 1, "DELETE": 2}
    for folder in generated["item"]:
        ranks = [order[item["request"]["method"]] for item in folder["item"]]
        assert ranks == sorted(ranks), folder["name"]


def test_deletes_remove_a_record_their_pre_request_script_makes(generated):
    for item in items_of(generated["item"]):
        if item["request"]["method"] != "DELETE":
            continue
        target = item["request"]["url"]["path"][-1]
        (setup,) = [event for event in item["event"] if event["listen"] == "prerequest"]
        assert target.startswith("{{doomed_"), item["name"]
        assert target in "\n".join(setup["script"]["exec"]), item["name"]


DEMO_NAMES = {
    *DEMO_PRICE_LISTS,
    *DEMO_GROUPS,
    *(customer["id"] for customer in DEMO_CUSTOMERS),
    *(customer["email"] for customer in DEMO_CUSTOMERS),
    *(price["sku"] for prices in DEMO_PRICES.values() for price in prices),
    *(rule["sku"] for rule in DEMO_RULES),
}


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def test_running_the_collection_never_writes_the_demo_data(generated):
    values = {name: value for name, (value, _) in VARIABLES.items()}

    def resolved(text: str) -> str:
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values.get(m.group(1), m.group(0)), text)

    assert DEMO_NAMES, "the seed's demo records"
    for request in requests(generated["item"]):
        named = {resolved(segment) for segment in request["url"]["path"]}
        if "body" in request:
            named |= {resolved(text) for text in strings_in(json.loads(request["body"]["raw"]))}
        assert not named & DEMO_NAMES, (request["method"], request["url"]["raw"], named & DEMO_NAMES)


def test_request_bodies_are_valid_json(generated):
    for request in requests(generated["item"]):
        if "body" in request:
            json.loads(request["body"]["raw"])
