"""Platform webhook fixtures: the platforms' secrets in moto, signed deliveries, and a fake BigCommerce API.

The fake BigCommerce (tests/fake_bigcommerce.py) is a real HTTP server on 127.0.0.1 (a free port), answering the
Customers v3 route from the vendor sample in tests/fixtures/platforms; a test can make it fail the next calls
(503, 429, a timeout) to see retries and the dead-letter queue. Nothing leaves the machine.
"""

import base64
import copy
import hashlib
import hmac
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.bigcommerce_sync import app as bigcommerce_sync
from functions.platform_webhooks import app as platform_webhooks
from tests.conftest import load_event, reset_caches
from tests.fake_bigcommerce import ACCESS_TOKEN, STORE_HASH, FakeBigCommerce, serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
SHOPIFY_SECRET = "test-shopify-app-secret"
BIGCOMMERCE_SECRET = "test-bigcommerce-webhook-secret"


def fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


def sign(body: str, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()).decode()


@pytest.fixture
def fake_bigcommerce(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigCommerce]:
    with serve(FakeBigCommerce()) as fake:
        monkeypatch.setenv("BIGCOMMERCE_API_URL", fake.url)
        monkeypatch.setenv("BIGCOMMERCE_TIMEOUT_SECONDS", "0.5")
        reset_caches()
        yield fake


@pytest.fixture
def platform_secrets(stack: Any) -> None:
    """The three secrets, as a merchant sets them after deploying (docs/integrations/*.md)."""
    secrets = boto3.client("secretsmanager")
    values = {
        "SHOPIFY_SECRET_ID": {"app_secret": SHOPIFY_SECRET},
        "BIGCOMMERCE_WEBHOOK_SECRET_ID": {"webhook_secret": BIGCOMMERCE_SECRET},
        "BIGCOMMERCE_API_SECRET_ID": {"store_hash": STORE_HASH, "access_token": ACCESS_TOKEN},
    }
    for variable, value in values.items():
        secrets.put_secret_value(SecretId=os.environ[variable], SecretString=json.dumps(value))
    reset_caches()


Deliver = Callable[..., dict[str, Any]]


@pytest.fixture
def deliver(platform_secrets: None, lambda_context: Any) -> Deliver:
    """deliver("shopify-customers-create", body=..., topic=..., webhook_id=...) → the response, `json` decoded.

    A new body is signed with the test secret (unless `signature` is given), as Shopify would sign it.
    """

    def invoke(
        event_name: str,
        *,
        body: Any = None,
        topic: str | None = None,
        webhook_id: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event = copy.deepcopy(load_event(f"platform_webhooks/{event_name}"))
        changed = dict(headers or {})
        if body is not None:
            event["body"] = body if isinstance(body, str) else json.dumps(body)
            if event["path"].endswith("/shopify"):
                changed["X-Shopify-Hmac-Sha256"] = sign(event["body"])
        if signature is not None:
            changed["X-Shopify-Hmac-Sha256"] = signature
        if topic is not None:
            changed["X-Shopify-Topic"] = topic
        if webhook_id is not None:
            changed["X-Shopify-Webhook-Id"] = webhook_id
        event["headers"] = {**event["headers"], **changed}
        event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
        response = platform_webhooks.lambda_handler(event, lambda_context)
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return invoke


def sqs_event(messages: list[dict[str, Any]] | list[str]) -> dict[str, Any]:
    """The sync function's SQS event for queued callbacks (the shape of events/platform_webhooks/...-batch)."""
    template = load_event("platform_webhooks/bigcommerce-sync-batch")["Records"][0]
    records = []
    for index, message in enumerate(messages):
        record = copy.deepcopy(template)
        record["messageId"] = f"message-{index}"
        record["body"] = message if isinstance(message, str) else json.dumps(message)
        records.append(record)
    return {"Records": records}


def run_sync(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
    return dict(bigcommerce_sync.lambda_handler(event, lambda_context))
