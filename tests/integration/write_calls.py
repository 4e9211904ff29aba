"""Counting what reaches DynamoDB's write APIs, from botocore's events on the data layer's cached client."""

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from tradeprice.data.aws import dynamodb


@dataclass
class WriteCalls:
    batches: int = 0
    """BatchWriteItem calls."""
    items: int = 0
    """Put and delete requests inside them."""
    item_puts: int = 0
    """PutItem calls (conditional single writes), job records included."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    """The write path calls DynamoDB from worker threads."""

    def reset(self) -> None:
        with self._lock:
            self.batches = self.items = self.item_puts = 0

    def on_batch(self, params: dict[str, Any], **_: Any) -> None:
        items = sum(len(requests) for requests in params["RequestItems"].values())
        with self._lock:
            self.batches += 1
            self.items += items

    def on_put(self, params: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.item_puts += 1


@pytest.fixture
def write_calls(stack) -> WriteCalls:
    calls = WriteCalls()
    events = dynamodb().meta.events
    events.register("provide-client-params.dynamodb.BatchWriteItem", calls.on_batch)
    events.register("provide-client-params.dynamodb.PutItem", calls.on_put)
    return calls
