"""The webhook in process: change events the bus routed to the webhook queue, delivered by the webhook function to a
receiver on loopback, which verifies the signature with the snippet docs/events.md gives."""

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devstack.sqs_source import sqs_event
from functions.webhook import app as webhook
from tests.integration.change_stream import ChangeStream, change_stream_fixture, webhook_stack  # noqa: F401
from tests.unit.test_webhook_signature import _receiver_snippet
from tradeprice.config import get_settings
from tradeprice.data import reference
from tradeprice.data import webhook as webhook_store
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.models import PriceList


@pytest.fixture
def receiver() -> Iterator[list[tuple[dict[str, str], bytes]]]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received_at = f"http://127.0.0.1:{server.server_address[1]}/hooks/tradeprice"
    received.append(({"url": received_at}, b""))
    yield received
    server.shutdown()


def test_each_event_is_posted_signed_and_the_documented_check_accepts_it(
    changes: ChangeStream, receiver, lambda_context, monkeypatch
):
    # Given the webhook pointed at a receiver on loopback, and a change announced on the bus
    url = receiver.pop(0)[0]["url"]
    monkeypatch.setenv("WEBHOOK_URL", url)
    get_settings.cache_clear()
    webhook_store.signing_secret.cache_clear()
    with acting_as(Author("api_key", "k1", name="erp", request="r1")):
        reference.put_price_list(PriceList(slug="trade", name="Trade", currency="GBP"))
    changes.deliver()

    # When the webhook function handles the queued event, as its SQS event source would
    sqs = boto3.client("sqs")
    queue = changes.deployment.queue_urls["WebhookQueue"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert messages
    subscription = next(s for s in changes.deployment.sqs_subscriptions if s.function == "WebhookFunction")
    event = sqs_event(messages, queue_arn=subscription.queue_arn, region=changes.deployment.context.region)
    result = webhook.lambda_handler(event, lambda_context)

    # Then the receiver got each event, signed with the stack's secret, and the documented check accepts it
    assert result == {"batchItemFailures": []}
    secret_id = get_settings().webhook_secret_id
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])["secret"]
    assert len(receiver) == len(messages)
    for headers, body in receiver:
        assert _receiver_snippet()(secret.encode(), headers["Tradeprice-Signature"], body)
        assert headers["Tradeprice-Event-Type"] == "price_lists.changed"
        assert json.loads(body)["detail"]["changed_by"]["name"] == "erp"
