"""Every route group refuses a missing credential (401) and a credential without its scope (403)."""

import json

import pytest

from functions.console import app as console
from functions.imports_api import app as imports_api
from functions.ingest_api import app as ingest_api
from functions.integrations_api import app as integrations_api
from functions.price_lookup import app as price_lookup
from tradeprice.api.openapi import ROUTES

PROTECTED = [route for route in ROUTES if route.scopes is not None]


def event_for(route, authorizer):
    path = (
        route.path.replace("{slug}", "trade")
        .replace("{sku}", "BOLT-M8")
        .replace("{customer_id}", "C-1")
        .replace("{key_id}", "k-1")
    )
    params = {
        name: value
        for name, value in (("slug", "trade"), ("sku", "BOLT-M8"), ("customer_id", "C-1"), ("key_id", "k-1"))
        if "{" + name + "}" in route.path
    }
    context = {
        "requestId": "r-1",
        "stage": "dev",
        "resourcePath": route.path,
        "httpMethod": route.method,
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": json.dumps({}) if route.method in {"PUT", "POST"} else None,
        "isBase64Encoded": False,
    }


def handler_for(route):
    handlers = {"lookup": price_lookup, "imports": imports_api, "integrations": integrations_api, "console": console}
    return handlers.get(route.tag, ingest_api)


def wrong_scopes(route):
    if "admin" in route.scopes:
        return "write read"
    if "write" in route.scopes and "read" not in route.scopes:
        return "read"
    return "none"


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
def test_no_credential_is_401(stack, lambda_context, route):
    response = handler_for(route).lambda_handler(event_for(route, None), lambda_context)
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["status"] == 401


@pytest.mark.parametrize(
    "route", [r for r in PROTECTED if r.scopes != ("any credential",)], ids=lambda r: f"{r.method} {r.path}"
)
def test_wrong_scope_is_403(stack, lambda_context, route):
    authorizer = {"principal": "key:test", "scopes": wrong_scopes(route)}
    response = handler_for(route).lambda_handler(event_for(route, authorizer), lambda_context)
    assert response["statusCode"] == 403
    assert "scope" in json.loads(response["body"])["detail"]


def test_public_routes_need_no_credential(stack, lambda_context):
    for route in ROUTES:
        # The Linnworks push passes the gateway without a bearer but carries its key in the body, and the platform
        # webhooks are verified by their signatures, static assets are served by name and signing in needs a body
        # (each has its own tests).
        if (
            route.scopes is None
            and route.method == "GET"
            and route.tag not in {"integrations", "platform webhooks"}
            and "{asset}" not in route.path
        ):
            response = handler_for(route).lambda_handler(event_for(route, None), lambda_context)
            assert response["statusCode"] == 200, route.path
