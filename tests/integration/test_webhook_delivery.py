"""The webhook in process: change events the bus routed to the webhook queue, delivered by the webhook function to a
receiver on loopback, which verifies the signature with the snippet docs/events.md gives."""

import json
from collections.abc import Iterator

import boto3
import pytest

from devstack.sqs_source import sqs_event
from functions.webhook import app as webhook
from tests.integration.change_stream import ChangeStream, change_stream_fixture, webhook_stack  # noqa: F401
from tests.webhook_receiver import WebhookReceiver, documented_verification
from tradeprice.config import get_settings
from tradeprice.data import reference
from tradeprice.data import webhook as webhook_store
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.models import PriceList


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


def test_each_event_is_posted_signed_and_the_documented_check_accepts_it(
    changes: ChangeStream, receiver, lambda_context, monkeypatch
):
    # Given the webhook pointed at a receiver on loopback, and a change announced on the bus
    monkeypatch.setenv("WEBHOOK_URL", receiver.url)
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
    deliveries = receiver.received()
    assert len(deliveries) == len(messages)
    for delivery in deliveries:
        assert documented_verification()(secret.encode(), delivery.headers["Tradeprice-Signature"], delivery.body)
        assert delivery.headers["Tradeprice-Event-Type"] == "price_lists.changed"
        assert json.loads(delivery.body)["detail"]["changed_by"]["name"] == "erp"
