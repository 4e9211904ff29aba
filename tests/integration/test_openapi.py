"""The OpenAPI document: valid 3.1, served publicly, and in step with template.yaml and the handlers."""

import json

import pytest
from openapi_spec_validator import validate

from devstack.infra import plan
from functions.console import app as console_app
from functions.ingest_api import app as ingest_api
from functions.integrations_api import app as integrations_api
from functions.platform_webhooks import app as platform_webhooks
from functions.price_lookup import app as price_lookup
from tests.conftest import TEMPLATE, LambdaContext, load_event
from tradeprice.api.openapi import ROUTES, document


@pytest.fixture(scope="module")
def template_routes():
    deployment = plan(TEMPLATE, region="eu-west-2", account_id="123456789012")
    return {(route.method.upper(), route.path) for route in deployment.api_routes}


def test_the_document_is_valid_openapi_3_1():
    spec = document()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_template_route_is_documented_and_every_documented_route_is_deployed(template_routes):
    documented = {(method.upper(), path) for path, operations in document()["paths"].items() for method in operations}
    assert documented == template_routes


def test_every_documented_route_has_a_handler(stack, lambda_context):
    """Each route answers with something other than the resolver's 'no route' problem."""
    for route in ROUTES:
        path = (
            route.path.replace("{slug}", "x").replace("{sku}", "x").replace("{customer_id}", "x").replace("{id}", "x")
        )
        event = {
            "resource": route.path,
            "path": path,
            "httpMethod": route.method,
            "headers": {},
            "multiValueHeaders": {},
            "queryStringParameters": None,
            "multiValueQueryStringParameters": None,
            "pathParameters": None,
            "stageVariables": None,
            "body": None,
            "isBase64Encoded": False,
            "requestContext": {
                "requestId": "r",
                "stage": "dev",
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": {"principal": "key:t", "scopes": "admin"},
            },
        }
        handler = {
            "lookup": price_lookup,
            "integrations": integrations_api,
            "platform webhooks": platform_webhooks,
            "console": console_app,
        }.get(route.tag, ingest_api)
        if route.tag == "imports":
            continue  # served by the imports function, checked in its own tests
        response = handler.lambda_handler(event, lambda_context)
        body = json.loads(response["body"]) if response["body"] and response["body"].startswith("{") else {}
        assert not str(body.get("type", "")).endswith("no-route"), route


def test_the_document_and_docs_page_are_served_without_a_key(call_api):
    served = call_api("ingest_api/openapi")
    assert served["statusCode"] == 200
    assert served["json"]["paths"]["/v1/pricing/lookup"]["post"]["requestBody"]
    docs = ingest_api.lambda_handler(load_event("ingest_api/docs"), LambdaContext())
    assert docs["statusCode"] == 200
    # Swagger UI comes from this API (the vendored swagger-ui-dist), never from a CDN, and no script is inline
    assert '<script src="docs/swagger-ui-bundle.js"></script>' in docs["body"]
    assert '<script src="docs/docs.js"></script>' in docs["body"]
    assert "https://" not in docs["body"]
    assert "<script>" not in docs["body"]
    assert "script-src 'self';" in docs["multiValueHeaders"]["Content-Security-Policy"][0]


def test_the_served_document_keeps_the_stage_in_its_server(call_api):
    served = call_api("ingest_api/openapi")

    assert served["json"]["servers"] == [{"url": "/dev"}]


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui.css", "docs.js"])
def test_the_docs_pages_files_are_served_without_a_key(asset):
    event = load_event("ingest_api/docs")
    event = {**event, "path": f"/v1/docs/{asset}", "resource": "/v1/docs/{asset}", "pathParameters": {"asset": asset}}

    answer = ingest_api.lambda_handler(event, LambdaContext())

    assert answer["statusCode"] == 200
    assert len(answer["body"]) > 100


def test_nothing_else_is_served_from_the_docs_folder():
    event = load_event("ingest_api/docs")
    event = {
        **event,
        "path": "/v1/docs/README.md",
        "resource": "/v1/docs/{asset}",
        "pathParameters": {"asset": "README.md"},
    }

    assert ingest_api.lambda_handler(event, LambdaContext())["statusCode"] == 404
