"""The Postman collection (v2.1) is valid, current, and covers every route of the OpenAPI document."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator  # type: ignore[import-untyped]

from tradeprice.api.openapi import document
from tradeprice.api.postman import SCHEMA, collection

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


def requests(items):
    for item in items:
        if "item" in item:
            yield from requests(item["item"])
        else:
            yield item["request"]


def test_the_collection_is_postman_v2_1(generated):
    errors = sorted(Draft7Validator(V21_SUBSET).iter_errors(generated), key=str)

    assert errors == []


def test_the_checked_in_collection_parses_and_is_what_the_document_generates(generated):
    checked_in = json.loads(CHECKED_IN.read_text(encoding="utf-8"))

    assert checked_in == generated, "docs/postman is stale: run `make postman`"


def test_every_route_of_the_openapi_document_is_a_request(generated):
    documented = {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method in operations
        if path.startswith("/v1/")  # the console's page (/console) is for a browser, not for middleware
    }
    covered = {
        (
            request["method"],
            "/" + "/".join("{" + p[1:] + "}" if p.startswith(":") else p for p in request["url"]["path"]),
        )
        for request in requests(generated["item"])
    }

    assert covered == documented
    assert len(list(requests(generated["item"]))) == len(documented)


def test_bearer_auth_comes_from_the_api_key_variable_and_urls_from_base_url_with_the_stage(generated):
    variables = {variable["key"]: variable for variable in generated["variable"]}

    assert generated["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{api_key}}", "type": "string"}],
    }
    assert set(variables) == {"base_url", "api_key"}
    assert variables["base_url"]["value"].endswith("/dev")  # the stage is part of the base URL
    assert all(request["url"]["raw"].startswith("{{base_url}}/v1/") for request in requests(generated["item"]))


def test_public_routes_need_no_auth_and_path_parameters_are_postman_variables(generated):
    by_route = {(r["method"], r["url"]["raw"]): r for r in requests(generated["item"])}

    assert by_route[("GET", "{{base_url}}/v1/health")]["auth"] == {"type": "noauth"}
    assert by_route[("POST", "{{base_url}}/v1/linnworks/price-update")]["auth"] == {"type": "noauth"}
    assert "auth" not in by_route[("GET", "{{base_url}}/v1/price-lists")]  # inherits the collection's bearer
    prices = by_route[("PUT", "{{base_url}}/v1/price-lists/:slug/prices")]
    assert [variable["key"] for variable in prices["url"]["variable"]] == ["slug"]
    assert json.loads(prices["body"]["raw"])["prices"][0]["tiers"][0] == {"min_qty": 1, "price": "0.50"}
    listing = by_route[("GET", "{{base_url}}/v1/price-lists")]
    assert {q["key"] for q in listing["url"]["query"]} >= {"limit", "cursor", "updated_since"}


def test_request_bodies_are_valid_json(generated):
    for request in requests(generated["item"]):
        if "body" in request:
            json.loads(request["body"]["raw"])
