"""What the file-import tests share: putting files in the template's bucket, delivering the import queue to the
handler the way Lambda's event source does, and reading back jobs, prices and reports."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from devstack.infra import Deployment
from devstack.sqs_source import failed_message_ids, sqs_event
from functions.file_import import app as file_import
from tradeprice.data import jobs
from tradeprice.data import prices as price_store
from tradeprice.domain.models import ImportJob, PriceList
from tradeprice.logic import catalog
from tradeprice.logic.imports import job_id_for

Handler = Callable[[dict[str, Any], Any], Any]


def make_list(slug: str = "trade", currency: str = "GBP") -> str:
    catalog.put_price_list(PriceList(slug=slug, name=slug.title(), currency=currency))
    return slug


def put_file(bucket: str, key: str, body: bytes, metadata: dict[str, str] | None = None) -> str:
    """Put an object as a merchant's tool would; its version id."""
    response = boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body, Metadata=metadata or {})
    return response["VersionId"]


def stored_ladder(sku: str, price_list: str = "trade") -> list[tuple[int, str]] | None:
    item = price_store.get_many([(price_list, sku)]).get((price_list, sku))
    if item is None:
        return None
    return [(tier.min_qty, str(tier.price)) for tier in price_store.from_item(item).tiers]


def skus_on(price_list: str) -> set[str]:
    return set(price_store.skus_of(price_list))


def job_of(bucket: str, key: str, version: str) -> ImportJob:
    job = jobs.get(job_id_for(bucket, key, version))
    assert job is not None, f"no job for {key}"
    return job


def report_rows(job: ImportJob, key: str | None = None) -> list[dict[str, str]]:
    """The rows of a report the import wrote (the error report unless `key` names another)."""
    report_key = key or job.error_report_key
    assert report_key, "the job has no report"
    body = boto3.client("s3").get_object(Bucket=job.bucket, Key=report_key)["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf"), "reports are UTF-8 with a BOM, for Excel"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


@dataclass
class Queue:
    """The import queue, delivered to the handler as Lambda's SQS event source would, one message per event
    (the template's BatchSize). A failed message is made visible again at once, as the local stack's poller does,
    so retries and the redrive to the dead-letter queue take no waiting."""

    deployment: Deployment
    context: Any
    handler: Handler = file_import.lambda_handler
    invocations: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.deployment.queue_urls["ImportQueue"]

    def send(self, body: str) -> None:
        boto3.client("sqs").send_message(QueueUrl=self.url, MessageBody=body)

    def take_event(self) -> dict[str, Any]:
        """The next file's notification as an SQS event, left on the queue (in flight): to invoke by hand."""
        sqs = boto3.client("sqs")
        while True:
            messages = sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            assert messages, "no notification on the import queue"
            if "s3:TestEvent" not in messages[0]["Body"]:
                subscription = self.deployment.sqs_subscriptions[0]
                return sqs_event(messages, queue_arn=subscription.queue_arn, region=self.deployment.context.region)

    def deliver_one(self) -> dict[str, Any] | None:
        """Receive one message and invoke the handler with it; its response (None when the queue was empty)."""
        sqs = boto3.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=1, MessageSystemAttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not messages:
            return None
        subscription = self.deployment.sqs_subscriptions[0]
        event = sqs_event(messages, queue_arn=subscription.queue_arn, region=self.deployment.context.region)
        self.invocations += 1
        try:
            result = self.handler(event, self.context)
        except Exception as error:  # a crash: the whole batch fails
            self.failures.append(repr(error))
            result = None
            failed = {message["MessageId"] for message in messages}
        else:
            failed = failed_message_ids(result, [m["MessageId"] for m in messages], report_batch_item_failures=True)
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return dict(result) if result else {"crashed": True}

    def drain(self, limit: int = 500) -> int:
        """Deliver until the queue is empty (continuations and retries included); the invocations made."""
        for count in range(limit):
            if self.deliver_one() is None:
                return count
        raise AssertionError(f"the import queue still had messages after {limit} invocations")

    def dead_letters(self) -> list[Any]:
        return (
            boto3.client("sqs")
            .receive_message(QueueUrl=self.deployment.queue_urls["ImportDeadLetterQueue"], MaxNumberOfMessages=10)
            .get("Messages", [])
        )


@pytest.fixture
def queue(stack, lambda_context) -> Queue:
    return Queue(stack, lambda_context)


@pytest.fixture
def bucket(stack) -> str:
    """The template's imports bucket, with the GBP list `trade` existing."""
    make_list("trade")
    return stack.physical_name("ImportsBucket")
