"""What the change-event tests share: the record tables' streams read for the change-stream function as Lambda's
DynamoDB event sources would (devstack's StreamReader, in process), and the events EventBridge routed to the
webhook rule's SQS queue, read back as a subscriber would."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from devstack.infra import Deployment, deploy
from devstack.moto_server import make_dynamodb_writes_atomic
from devstack.stream_source import StreamReader
from functions.change_stream import app as change_stream
from tests.asyncapi_validation import assert_valid_event
from tests.conftest import TEMPLATE, reset_caches

WEBHOOK_URL = "https://hooks.example.com/tradeprice"
"""Deploying with a webhook makes the rule that routes every event to the webhook queue (nothing is POSTed here)."""


def streams_client() -> Any:
    # moto routes the classic streams endpoint, not botocore's newer account-id based one
    return boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))


@dataclass
class ChangeStream:
    deployment: Deployment
    context: Any
    delivered: list[dict[str, Any]] = field(default_factory=list)
    """Every stream event handed to the function, in order (to redeliver one)."""
    readers: list[StreamReader] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.readers = [
            StreamReader(
                subscription,
                self._invoke,
                region=self.deployment.context.region,
                dynamodb=boto3.client("dynamodb"),
                streams=streams_client(),
            )
            for subscription in self.deployment.stream_subscriptions
            if subscription.function == "ChangeStreamFunction"
        ]

    def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        self.delivered.append(event)
        return change_stream.lambda_handler(event, self.context)

    def deliver(self) -> int:
        """Hand every new stream record to the function; how many there were."""
        return sum(reader.poll() for reader in self.readers)

    def events(self) -> list[dict[str, Any]]:
        """Deliver, then take every event the bus routed to the webhook queue (EventBridge envelopes)."""
        self.deliver()
        sqs = boto3.client("sqs")
        url = self.deployment.queue_urls["WebhookQueue"]
        found: list[dict[str, Any]] = []
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return found
            for message in messages:
                event = json.loads(message["Body"])
                assert event["source"] == "tradeprice"
                assert_valid_event(event["detail-type"], event["detail"])  # every event the tests see
                found.append(event)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def details(self, detail_type: str | None = None) -> list[dict[str, Any]]:
        return [event["detail"] for event in self.events() if detail_type in (None, event["detail-type"])]


@pytest.fixture(name="stack")
def webhook_stack(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """The template in in-process moto, with the optional webhook on (so its rule and queue exist)."""
    make_dynamodb_writes_atomic()
    with mock_aws():
        deployment = deploy(TEMPLATE, parameters={"WebhookUrl": WEBHOOK_URL})
        for name, value in deployment.merged_environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("RETRY_BASE_SECONDS", "0")
        reset_caches()
        yield deployment
    reset_caches()


@pytest.fixture(name="changes")
def change_stream_fixture(stack: Deployment, lambda_context: Any) -> ChangeStream:
    return ChangeStream(stack, lambda_context)
