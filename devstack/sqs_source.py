"""Poll an SQS queue for a function the way Lambda's event source mapping does.

Messages go to the handler as a real-shaped SQS event; those it does not report in `batchItemFailures` are
deleted, the others are left to become visible again, so the queue's redrive policy moves poison messages to
the dead-letter queue after maxReceiveCount receives. A handler that raises fails the whole batch.

Tests wait for the queue to drain with `wait_until_idle()` (devstack.polling's loop): it returns once a receive
that started after the call found the queue empty, the invocations before it finished, so no sleeps are needed.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import boto3

from devstack.infra import SqsSubscription
from devstack.polling import PollLoop

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

__all__ = ["SqsPoller", "sqs_event"]

logger = logging.getLogger(__name__)

Invoke = Callable[[str, dict[str, Any]], Any]

# The message system attributes Lambda passes on in each record's `attributes`.
_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "DeadLetterQueueSourceArn",
)


def sqs_event(messages: Sequence[MessageTypeDef], *, queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from a batch of received messages."""
    records = []
    for message in messages:
        attributes = message.get("Attributes") or {}
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": {name: attributes[name] for name in _RECORD_ATTRIBUTES if name in attributes},
            "messageAttributes": {
                name: {
                    **({"stringValue": value["StringValue"]} if "StringValue" in value else {}),
                    **(
                        {"binaryValue": base64.b64encode(value["BinaryValue"]).decode("ascii")}
                        if "BinaryValue" in value
                        else {}
                    ),
                    "stringListValues": list(value.get("StringListValues", [])),
                    "binaryListValues": [
                        base64.b64encode(item).decode("ascii") for item in value.get("BinaryListValues", [])
                    ],
                    "dataType": value["DataType"],
                }
                for name, value in (message.get("MessageAttributes") or {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def failed_message_ids(result: Any, message_ids: Sequence[str], *, report_batch_item_failures: bool) -> set[str]:
    """Which messages of a batch failed, read from the handler's result as Lambda reads it."""
    if not report_batch_item_failures or result is None:
        return set()
    if not isinstance(result, dict):
        return set()  # Lambda ignores a response that is not a batch item failure report
    failures = result.get("batchItemFailures") or []
    ids = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
    if any(not isinstance(item, str) or item not in message_ids for item in ids):
        logger.error("batchItemFailures names unknown or empty ids %r: the whole batch fails", ids)
        return set(message_ids)
    return {item for item in ids if isinstance(item, str)}


class SqsPoller(PollLoop):
    """One background thread receiving from a queue and invoking a function, until stopped."""

    def __init__(
        self,
        subscription: SqsSubscription,
        invoke: Invoke,
        *,
        region: str,
        sqs: SQSClient | None = None,
        wait_seconds: int = 1,
        failed_visibility_seconds: int | None = None,
    ) -> None:
        """`failed_visibility_seconds`: how soon failed messages are seen again; None keeps the queue's visibility
        timeout (as Lambda does), a small value lets a local run see retries and dead-lettering in seconds."""
        # A receive long-polls for `wait_seconds`, so an empty one needs no pause after it.
        super().__init__(f"sqs-{subscription.queue}->{subscription.function}")
        self.subscription = subscription
        self._invoke = invoke
        self._region = region
        self._sqs: SQSClient = sqs or boto3.client("sqs", region_name=region)
        self._wait_seconds = wait_seconds
        self._failed_visibility_seconds = failed_visibility_seconds

    def describe_busy(self) -> str:
        return f"{self.subscription.queue} still had messages or a running {self.subscription.function}"

    def poll_once(self) -> bool:
        messages = self._sqs.receive_message(
            QueueUrl=self.subscription.queue_url,
            MaxNumberOfMessages=min(self.subscription.batch_size, 10),
            WaitTimeSeconds=self._wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return True
        self._process(messages)
        return False

    def _process(self, messages: list[MessageTypeDef]) -> None:
        subscription = self.subscription
        ids = [message["MessageId"] for message in messages]
        event = sqs_event(messages, queue_arn=subscription.queue_arn, region=self._region)
        try:
            result = self._invoke(subscription.function, event)
        except Exception:
            logger.exception("%s raised on %d message(s); they will be retried", subscription.function, len(ids))
            failed = set(ids)
        else:
            failed = failed_message_ids(result, ids, report_batch_item_failures=subscription.report_batch_item_failures)
        succeeded = [message for message in messages if message["MessageId"] not in failed]
        if succeeded:
            self._sqs.delete_message_batch(
                QueueUrl=subscription.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]} for i, message in enumerate(succeeded)
                ],
            )
        if failed and self._failed_visibility_seconds is not None:
            self._sqs.change_message_visibility_batch(
                QueueUrl=subscription.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": message["ReceiptHandle"],
                        "VisibilityTimeout": self._failed_visibility_seconds,
                    }
                    for i, message in enumerate(messages)
                    if message["MessageId"] in failed
                ],
            )
        logger.info(
            "%s handled %d message(s) from %s: %d failed",
            subscription.function,
            len(messages),
            subscription.queue,
            len(failed),
        )
