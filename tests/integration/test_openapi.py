"""The OpenAPI document: valid 3.1, served publicly, and in step with template.yaml and the handlers."""

import json

import pytest
from openapi_spec_validator import validate

from devstack.infra import plan
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
    assert "SwaggerUIBundle" in docs["body"]
    assert 'url: "openapi.json"' in docs["body"]
