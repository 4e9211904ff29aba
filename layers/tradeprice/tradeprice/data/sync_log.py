"""The sync log: recent API batches that had rejected records, kept for a few days (DynamoDB TTL).

One item per batch, partitioned by UTC day (`day`), sorted by `at_id` (`<time>#<id>`): reading the recent ones
is a Query per day, newest first. Only batches with a rejected record are written, so even an ERP that sends a
bad batch every second stays far below one partition's write rate.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.batch import call_with_retries
from tradeprice.data.paging import decode_cursor, encode_cursor


@dataclass(frozen=True, slots=True)
class SyncBatch:
    id: str
    at: datetime
    principal: str
    method: str
    route: str
    records: int
    rejected_count: int
    rejected: list[dict[str, Any]]
    """The first rejected records: {index, key, errors}."""


def _table() -> str:
    return get_settings().sync_log_table


def put(batch: SyncBatch, keep_days: int) -> None:
    expires = int((batch.at + timedelta(days=keep_days)).timestamp())
    call_with_retries(
        "put_item",
        TableName=_table(),
        Item={
            "day": {"S": batch.at.strftime("%Y-%m-%d")},
            "at_id": {"S": f"{codec.timestamp_text(batch.at)}#{batch.id}"},
            "id": {"S": batch.id},
            "at": {"S": codec.timestamp_text(batch.at)},
            "principal": {"S": batch.principal},
            "method": {"S": batch.method},
            "route": {"S": batch.route},
            "records": {"N": str(batch.records)},
            "rejected_count": {"N": str(batch.rejected_count)},
            "rejected": {"S": json.dumps(batch.rejected, separators=(",", ":"), default=str)},
            "expires_at": {"N": str(expires)},
        },
    )


def _from_item(item: dict[str, Any]) -> SyncBatch:
    return SyncBatch(
        id=item["id"]["S"],
        at=datetime.fromisoformat(item["at"]["S"]),
        principal=item["principal"]["S"],
        method=item["method"]["S"],
        route=item["route"]["S"],
        records=int(item["records"]["N"]),
        rejected_count=int(item["rejected_count"]["N"]),
        rejected=json.loads(item["rejected"]["S"]),
    )


def recent(now: datetime, keep_days: int, limit: int, cursor: str | None) -> tuple[list[SyncBatch], str | None]:
    """Batches newest first, at most `limit`, from today back `keep_days` days (older ones have expired)."""
    listing = f"query:{_table()}"
    position = decode_cursor(listing, cursor) or {"days_back": 0}
    days_back = int(position.get("days_back", 0))
    start: dict[str, Any] | None = position.get("start")
    found: list[SyncBatch] = []
    while days_back <= keep_days and len(found) < limit:
        day = (now - timedelta(days=days_back)).strftime("%Y-%m-%d")
        request: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "#day = :day",
            "ExpressionAttributeNames": {"#day": "day"},
            "ExpressionAttributeValues": {":day": {"S": day}},
            "ScanIndexForward": False,
            "Limit": limit - len(found),
        }
        if start is not None:
            request["ExclusiveStartKey"] = start
        response = call_with_retries("query", **request)
        found.extend(_from_item(item) for item in response.get("Items", []))
        start = response.get("LastEvaluatedKey")
        if start is None:
            days_back += 1
    more = days_back <= keep_days
    next_position = {"days_back": days_back, **({"start": start} if start is not None else {})} if more else None
    if next_position is not None and len(found) < limit:  # pragma: no cover - the loop only stops early when full
        next_position = None
    return found, encode_cursor(listing, next_position)
