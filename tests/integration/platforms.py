"""Platform webhook fixtures: the platforms' secrets in moto, signed deliveries, and a fake BigCommerce API.

The fake BigCommerce is a real HTTP server on 127.0.0.1 (a free port), answering the Customers v3 route from
the vendor sample in tests/fixtures/platforms; a test can make it fail the next calls (503, 429, a timeout) to
see retries and the dead-letter queue. Nothing leaves the machine.
"""

import base64
import copy
import hashlib
import hmac
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from functions.bigcommerce_sync import app as bigcommerce_sync
from functions.platform_webhooks import app as platform_webhooks
from tests.conftest import load_event, reset_caches

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
SHOPIFY_SECRET = "test-shopify-app-secret"
BIGCOMMERCE_SECRET = "test-bigcommerce-webhook-secret"
STORE_HASH = "abc123store"
ACCESS_TOKEN = "test-bigcommerce-token"


def fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


def sign(body: str, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()).decode()


@dataclass
class FakeBigCommerce:
    """GET /stores/<hash>/v3/customers?id:in=<id>: the customers it holds, after any failures queued."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    """Statuses to answer before answering properly (one per call); 0 means: hang past the client's timeout."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                fake.requests.append({"path": url.path, "query": query, "token": self.headers.get("X-Auth-Token")})
                if fake.failures:
                    status = fake.failures.pop(0)
                    if status == 0:
                        fake.release.wait(5)
                        return
                    self._send(status, {"status": status, "title": "fake failure"}, {"X-Rate-Limit-Time-Reset-Ms": "1"})
                    return
                if url.path != f"/stores/{STORE_HASH}/v3/customers" or self.headers.get("X-Auth-Token") != ACCESS_TOKEN:
                    self._send(401, {"status": 401, "title": "Unauthorized"})
                    return
                wanted = query.get("id:in", [""])[0].split(",")
                data = [fake.customers[i] for i in wanted if i in fake.customers]
                self._send(200, {"data": data, "meta": {}})

            def _send(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        return Handler


@pytest.fixture
def fake_bigcommerce(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBigCommerce]:
    fake = FakeBigCommerce()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("BIGCOMMERCE_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("BIGCOMMERCE_TIMEOUT_SECONDS", "0.5")
    reset_caches()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()


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
