"""Handlers called in-process, the way Lambda calls them, with events from events/."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from functions.file_import import app as file_import
from functions.ingest_api import app as ingest_api
from functions.price_lookup import app as price_lookup
from tests.conftest import load_event

Invoke = Callable[..., dict[str, Any]]


def _with_body(event: dict[str, Any], body: Any) -> dict[str, Any]:
    return {**event, "body": body if isinstance(body, str) or body is None else json.dumps(body)}


@pytest.fixture
def call_api(stack, lambda_context) -> Invoke:
    """call_api("ingest_api/put-prices", body=..., path_parameters=...) → the response with `json` decoded."""

    def invoke(
        event_name: str,
        *,
        body: Any = ...,
        path_parameters: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        scopes: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = load_event(event_name)
        if scopes is not None:
            event["requestContext"]["authorizer"] = {"principal": "key:test", "scopes": scopes}
        if headers is not None:
            event["headers"] = {**event["headers"], **headers}
        if body is not ...:
            event = _with_body(event, body)
        if path_parameters is not None:
            event["pathParameters"] = path_parameters
            path = event["resource"]
            for name, value in path_parameters.items():
                path = path.replace("{" + name + "}", value)
            event["path"] = path
        if query is not None:
            event["queryStringParameters"] = query
        handler = price_lookup if event_name.startswith("price_lookup/") else ingest_api
        response = handler.lambda_handler(event, lambda_context)
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return invoke


@pytest.fixture
def run_import(stack, lambda_context) -> Invoke:
    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        return dict(file_import.lambda_handler(event, lambda_context))

    return invoke


# File imports' fixtures: the imports bucket, the import queue delivered as Lambda would, DynamoDB write counts.
from tests.integration.file_imports import bucket, queue  # noqa: E402, F401
from tests.integration.platforms import deliver, fake_bigcommerce, platform_secrets  # noqa: E402, F401
from tests.integration.write_calls import write_calls  # noqa: E402, F401
