"""BatchGetItem / BatchWriteItem at the service limits, in bounded parallel, retrying what DynamoDB leaves over.

DynamoDB may return part of a batch as Unprocessed{Keys,Items} under load. Nothing is dropped: leftovers are
retried with exponential backoff and full jitter, and if they still remain the call raises StoreUnavailable.
"""

import contextvars
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data.aws import dynamodb
from tradeprice.errors import StoreUnavailable

Item = dict[str, Any]
"""A DynamoDB item in the low-level attribute-value format."""

WRITE_BATCH = 25
"""BatchWriteItem's limit (moto accepts more; AWS does not)."""
GET_BATCH = 100
"""BatchGetItem's limit."""

T = TypeVar("T")
R = TypeVar("R")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def parallel_map(function: Callable[[T], R], inputs: Sequence[T]) -> list[R]:
    """Apply `function` to each input with bounded parallelism, keeping input order.

    Each call runs in a copy of the caller's context, so context variables (who is writing: domain/authors.py)
    hold in the worker threads as they do in the caller.
    """
    if len(inputs) <= 1:
        return [function(value) for value in inputs]
    workers = min(get_settings().dynamodb_max_workers, len(inputs))
    contexts = [contextvars.copy_context() for _ in inputs]  # one each: a context runs in one thread at a time
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda context, value: context.run(function, value), contexts, inputs))


def _backoff(attempt: int) -> None:
    settings = get_settings()
    time.sleep(random.uniform(0, settings.retry_base_seconds * 2**attempt))  # noqa: S311  # nosec B311  # jitter, not crypto


_THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def call_with_retries(operation: str, **kwargs: Any) -> dict[str, Any]:
    """One DynamoDB call, retried with backoff and jitter while DynamoDB throttles or fails transiently.

    botocore's standard mode already retries a few times; this outer loop keeps a long import or a 1,000-record
    batch going through a longer burst, and gives up as StoreUnavailable (HTTP 503, retry later).
    """
    attempts = get_settings().retry_attempts
    for attempt in range(attempts):
        try:
            response: dict[str, Any] = getattr(dynamodb(), operation)(**kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in _THROTTLED:
                raise
            if attempt == attempts - 1:
                raise StoreUnavailable("DynamoDB is throttling or unavailable; retry later", code=code) from error
            _backoff(attempt)
            continue
        return response
    raise AssertionError("unreachable")


def batch_get(
    table: str, keys: Sequence[Item], attributes: Sequence[str] | None = None, *, consistent: bool = False
) -> list[Item]:
    """Read many items of one table by key, in chunks of 100, in parallel. Missing keys are simply absent.

    `attributes`: only these attributes of each item (a projection: the same read units, a smaller answer to
    parse; the lookup parses hundreds of items per cart).

    `consistent`: strongly consistent reads (twice the read units): the answer reflects every write acknowledged
    before the call, which an eventually consistent read does not promise.
    """
    if not keys:
        return []
    return [
        item
        for found in parallel_map(
            lambda chunk: _get_chunk(table, chunk, attributes, consistent), list(chunks(keys, GET_BATCH))
        )
        for item in found
    ]


def _get_chunk(
    table: str, keys: Sequence[Item], attributes: Sequence[str] | None, consistent: bool = False
) -> list[Item]:
    """Read one chunk, retrying unprocessed keys; give up only after `retry_attempts` rounds without progress."""
    request: dict[str, Any] = {"Keys": list(keys)}
    if attributes:
        # Names, not the attributes themselves: `group` and other words are reserved in expressions.
        request["ProjectionExpression"] = ", ".join(f"#a{index}" for index in range(len(attributes)))
        request["ExpressionAttributeNames"] = {f"#a{index}": name for index, name in enumerate(attributes)}
    if consistent:
        request["ConsistentRead"] = True
    found: list[Item] = []
    stalled = 0
    while True:
        response = call_with_retries("batch_get_item", RequestItems={table: request})
        read = response.get("Responses", {}).get(table, [])
        found.extend(read)
        leftover = response.get("UnprocessedKeys", {}).get(table)
        if not leftover:
            return found
        stalled = 0 if len(leftover["Keys"]) < len(request["Keys"]) else stalled + 1
        if stalled >= get_settings().retry_attempts:
            raise StoreUnavailable(
                "DynamoDB left keys unread after every retry", table=table, unread=len(leftover["Keys"])
            )
        request = leftover
        _backoff(stalled)


def get_across_tables(keys: dict[str, list[Item]], *, consistent: bool = False) -> dict[str, list[Item]]:
    """A few items from several tables in one BatchGetItem (at most 100 keys in all): one round trip, not one per
    table. Unprocessed keys are retried as `_get_chunk` does."""
    assert sum(len(table_keys) for table_keys in keys.values()) <= GET_BATCH, "one BatchGetItem's worth of keys"
    request: dict[str, Any] = {
        table: {"Keys": table_keys, **({"ConsistentRead": True} if consistent else {})}
        for table, table_keys in keys.items()
        if table_keys
    }
    found: dict[str, list[Item]] = {table: [] for table in keys}
    stalled = 0
    while True:
        response = call_with_retries("batch_get_item", RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found[table].extend(items)
        leftover = response.get("UnprocessedKeys") or {}
        if not leftover:
            return found
        stalled += 1
        if stalled >= get_settings().retry_attempts:
            raise StoreUnavailable("DynamoDB left keys unread after every retry", tables=sorted(leftover))
        request = leftover
        _backoff(stalled)


def batch_write(table: str, puts: Iterable[Item] = (), deletes: Iterable[Item] = ()) -> int:
    """Put and delete items without conditions, 25 per call, in parallel. Returns the number of calls made."""
    requests = [{"PutRequest": {"Item": item}} for item in puts] + [{"DeleteRequest": {"Key": key}} for key in deletes]
    if not requests:
        return 0
    return sum(parallel_map(lambda chunk: _write_chunk(table, chunk), list(chunks(requests, WRITE_BATCH))))


def _write_chunk(table: str, requests: Sequence[dict[str, Any]]) -> int:
    """Write one chunk, retrying unprocessed items; give up only after `retry_attempts` rounds without progress."""
    pending = list(requests)
    calls = stalled = 0
    while pending:
        response = call_with_retries("batch_write_item", RequestItems={table: pending})
        calls += 1
        leftover = response.get("UnprocessedItems", {}).get(table, [])
        stalled = 0 if len(leftover) < len(pending) else stalled + 1
        if leftover and stalled >= get_settings().retry_attempts:
            raise StoreUnavailable(
                "DynamoDB left writes unprocessed after every retry", table=table, unwritten=len(leftover)
            )
        pending = leftover
        if pending:
            _backoff(stalled)
    return calls
