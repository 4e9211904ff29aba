"""Read DynamoDB streams for a function the way Lambda's DynamoDB event source mapping does.

Each shard is read in order from its start (TRIM_HORIZON); new records go to the handler as a real-shaped
DynamoDB stream event (epoch-seconds ApproximateCreationDateTime, the stream's ARN in eventSourceARN). With
ReportBatchItemFailures, the first failed sequence number the handler reports is where the next read starts; a
handler that raises fails the whole batch. A batch that keeps failing is given up after `max_attempts` deliveries
(on AWS it would be described in the on-failure destination) so that one poison record cannot stop the shard.

`StreamReader.poll()` reads and delivers whatever is new, once: tests call it directly, in process, to play the
part of Lambda after a write. `StreamPoller` runs it on a thread for the local stack; `wait_until_idle()` returns
once a poll that started after the call found nothing new, so no sleeps are needed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from devstack.infra import StreamSubscription

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
        max_attempts: int = 3,
    ) -> None:
        self.subscription = subscription
        self._invoke = invoke
        self._region = region
        self._dynamodb = dynamodb
        self._streams = streams
        self._max_attempts = max_attempts
        self._after: dict[str, str] = {}
        """Per shard: the last sequence number delivered (or given up on)."""
        self._attempts: dict[str, int] = {}
        self.invocations = 0

    def poll(self) -> int:
        """Deliver every record that is new since the last poll; returns how many were read."""
        arn = self._dynamodb.describe_table(TableName=self.subscription.table)["Table"].get("LatestStreamArn")
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
            self._after[shard_id] = sequences[-1]
            self._attempts.pop(shard_id, None)
            return
        self._attempts[shard_id] = attempts
        index = sequences.index(failed_from)
        if index > 0:
            self._after[shard_id] = sequences[index - 1]

    def _first_failure(self, result: Any, sequences: list[str]) -> str | None:
        if not self.subscription.report_batch_item_failures or not isinstance(result, dict):
            return None
        failures = [failure.get("itemIdentifier") for failure in result.get("batchItemFailures") or []]
        known = [sequence for sequence in sequences if sequence in failures]
        if len(known) != len(failures):
            logger.error("batchItemFailures names unknown sequence numbers %r: the whole batch fails", failures)
            return sequences[0]
        return known[0] if known else None


class StreamPoller:
    """One background thread polling a table's stream for a function, until stopped."""

    def __init__(self, reader: StreamReader, *, interval_seconds: float = 0.2) -> None:
        self.reader = reader
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = threading.Condition()
        self._polls_started = 0
        self._last_idle_poll = 0

    def start(self) -> StreamPoller:
        self._stopping.clear()
        subscription = self.reader.subscription
        self._thread = threading.Thread(
            target=self._run, name=f"stream-{subscription.table}->{subscription.function}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._state:
            self._state.notify_all()

    def wait_until_idle(self, timeout: float = 30) -> None:
        """Block until a poll that started after this call found nothing new."""
        with self._state:
            if self._thread is None:
                raise RuntimeError("the poller is not running")
            before = self._polls_started
            idle = self._state.wait_for(lambda: self._last_idle_poll > before or self._stopping.is_set(), timeout)
            if self._stopping.is_set():
                raise RuntimeError("the poller stopped")
            if not idle:
                raise TimeoutError(f"{self.reader.subscription.table}'s stream still had records after {timeout} s")

    def _run(self) -> None:
        while not self._stopping.is_set():
            with self._state:
                self._polls_started += 1
                poll = self._polls_started
            try:
                read = self.reader.poll()
            except Exception:
                if self._stopping.is_set():
                    break
                logger.exception("reading %s's stream failed; retrying", self.reader.subscription.table)
                read = -1
            if read == 0:
                with self._state:
                    self._last_idle_poll = poll
                    self._state.notify_all()
                self._stopping.wait(self._interval)
