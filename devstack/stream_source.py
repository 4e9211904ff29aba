"""Read DynamoDB streams for a function the way Lambda's DynamoDB event source mapping does.

Each shard is read in order from its start (TRIM_HORIZON); new records go to the handler as a real-shaped
DynamoDB stream event (epoch-seconds ApproximateCreationDateTime, the stream's ARN in eventSourceARN). With
ReportBatchItemFailures, the first failed sequence number the handler reports is where the next read starts; a
handler that raises fails the whole batch. A batch that keeps failing is given up after the template's
MaximumRetryAttempts retries, so that one poison record cannot stop the shard, and the event source's OnFailure
queue is told where the records were, in the shape Lambda sends.

`StreamReader.poll()` reads and delivers whatever is new, once: tests call it directly, in process, to play the
part of Lambda after a write. `StreamPoller` runs it on a thread for the local stack (devstack.polling's loop);
`wait_until_idle()` returns once a poll that started after the call found nothing new, so no sleeps are needed.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from devstack.infra import StreamSubscription
from devstack.polling import PollLoop

__all__ = ["StreamPoller", "StreamReader", "stream_event"]

logger = logging.getLogger(__name__)

Invoke = Callable[[str, dict[str, Any]], Any]


def stream_event(records: list[dict[str, Any]], *, stream_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda builds from records read with GetRecords."""
    shaped = []
    for record in records:
        stream = dict(record["dynamodb"])
        created = stream.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            stream["ApproximateCreationDateTime"] = created.timestamp()
        shaped.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": stream,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": shaped}


class StreamReader:
    """Reads one table's stream and delivers new records to a function."""

    def __init__(
        self,
        subscription: StreamSubscription,
        invoke: Invoke,
        *,
        region: str,
        dynamodb: Any,
        streams: Any,
        sqs: Any = None,
        max_attempts: int | None = None,
    ) -> None:
        self.subscription = subscription
        self._invoke = invoke
        self._region = region
        self._dynamodb = dynamodb
        self._streams = streams
        retries = subscription.maximum_retry_attempts
        # Lambda retries "until the records expire" (a day) when no maximum is set; locally 10 tries stand for it.
        self._max_attempts = max_attempts if max_attempts is not None else (retries + 1 if retries >= 0 else 10)
        self._sqs = sqs
        self._after: dict[str, str] = {}
        """Per shard: the last sequence number delivered (or given up on)."""
        self._attempts: dict[str, int] = {}
        self._stream_arn: str | None = None
        """The table's stream, read once: a table's stream stays while the table does (this reader's lifetime)."""
        self.invocations = 0

    def poll(self) -> int:
        """Deliver every record that is new since the last poll; returns how many were read."""
        if self._stream_arn is None:
            table = self._dynamodb.describe_table(TableName=self.subscription.table)["Table"]
            self._stream_arn = table.get("LatestStreamArn")
        arn = self._stream_arn
        if not arn:
            return 0
        read = 0
        for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            read += self._poll_shard(arn, shard["ShardId"])
        return read

    def _poll_shard(self, arn: str, shard_id: str) -> int:
        read = 0
        while True:
            after = self._after.get(shard_id)
            position: dict[str, Any] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                if after
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **position)["ShardIterator"]
            records = self._streams.get_records(ShardIterator=iterator, Limit=self.subscription.batch_size)["Records"]
            if not records:
                return read
            read += len(records)
            self._deliver(arn, shard_id, records)

    def _deliver(self, arn: str, shard_id: str, records: list[dict[str, Any]]) -> None:
        sequences = [str(record["dynamodb"]["SequenceNumber"]) for record in records]
        event = stream_event(records, stream_arn=arn, region=self._region)
        failed_from: str | None
        try:
            result = self._invoke(self.subscription.function, event)
        except Exception:
            logger.exception("%s raised on %d stream record(s)", self.subscription.function, len(records))
            failed_from = sequences[0]
        else:
            failed_from = self._first_failure(result, sequences)
        finally:
            self.invocations += 1
        if failed_from is None:
            self._after[shard_id] = sequences[-1]
            self._attempts.pop(shard_id, None)
            return
        attempts = self._attempts.get(shard_id, 0) + 1
        if attempts >= self._max_attempts:
            logger.error("%s: giving up on stream records from %s", self.subscription.function, failed_from)
            self._tell_on_failure_destination(arn, shard_id, records[sequences.index(failed_from) :], attempts)
            self._after[shard_id] = sequences[-1]
            self._attempts.pop(shard_id, None)
            return
        self._attempts[shard_id] = attempts
        index = sequences.index(failed_from)
        if index > 0:
            self._after[shard_id] = sequences[index - 1]

    def _tell_on_failure_destination(
        self, arn: str, shard_id: str, records: list[dict[str, Any]], attempts: int
    ) -> None:
        """What Lambda sends the OnFailure destination for a stream batch it gave up on: where the records are,
        not the records (they stay in the stream for a day, to be read back)."""
        queue_url = self.subscription.on_failure_queue_url
        if queue_url is None or self._sqs is None:
            return
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.subscription.function,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": attempts,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": str(first["SequenceNumber"]),
                "endSequenceNumber": str(last["SequenceNumber"]),
                "approximateArrivalOfFirstRecord": _iso(first.get("ApproximateCreationDateTime")),
                "approximateArrivalOfLastRecord": _iso(last.get("ApproximateCreationDateTime")),
                "batchSize": len(records),
                "streamArn": arn,
            },
        }
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))

    def _first_failure(self, result: Any, sequences: list[str]) -> str | None:
        if not self.subscription.report_batch_item_failures or not isinstance(result, dict):
            return None
        failures = [failure.get("itemIdentifier") for failure in result.get("batchItemFailures") or []]
        known = [sequence for sequence in sequences if sequence in failures]
        if len(known) != len(failures):
            logger.error("batchItemFailures names unknown sequence numbers %r: the whole batch fails", failures)
            return sequences[0]
        return known[0] if known else None


def _iso(created: Any) -> str | None:
    if isinstance(created, datetime):
        return created.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return None


class StreamPoller(PollLoop):
    """One background thread polling a table's stream for a function, until stopped."""

    # Six tables polled every half second is some forty calls a second to moto; Lambda itself waits up to the
    # batching window (1 to 5 seconds here) before invoking, so a local half second delays nothing it would not.
    def __init__(self, reader: StreamReader, *, interval_seconds: float = 0.5) -> None:
        subscription = reader.subscription
        super().__init__(
            f"stream-{subscription.table}->{subscription.function}",
            idle_interval_seconds=interval_seconds,
            error_backoff_seconds=interval_seconds,
        )
        self.reader = reader

    def poll_once(self) -> bool:
        return self.reader.poll() == 0

    def describe_busy(self) -> str:
        return f"{self.reader.subscription.table}'s stream still had records"
