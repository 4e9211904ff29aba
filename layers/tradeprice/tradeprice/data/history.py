"""The history table: every change to a record, with before, after, when and who, kept for a retention period.

Key: pk = "<record kind>#<record key>" (e.g. "price#trade#BOLT-M8"; only the last key part may contain "#"),
sk = "<time of the change>#<stream sequence number, zero-padded>". Both come from the stream record, so a
redelivered stream batch rewrites the same items instead of adding duplicates. `since`/`until` are a range on sk
and newest-first is a backward query. `expires_at` (epoch seconds) is the table's TTL attribute.

Price-list and customer-group entries also carry `listing` (their kind): a sparse index (ByListing) that finds
every list or group changed after an instant, which is what an `as_of` lookup needs to rebuild "all lists" as they
were. Items under pk "budget#<group>" count the events a request or an import job has been announced by.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from tradeprice.config import get_settings
from tradeprice.data.batch import Item, batch_write, call_with_retries, parallel_map
from tradeprice.data.codec import deserialize, serialize, timestamp_text
from tradeprice.data.paging import decode_cursor, encode_cursor

RECORD_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "price": ("price_list", "sku"),
    "price_list": ("slug",),
    "customer_group": ("slug",),
    "customer": ("id",),
    "product_rule": ("group", "sku"),
    "api_key": ("key_id",),
}
"""Each record kind's key fields, in the order they form the history key (a free-text one last)."""

LISTED: Final = frozenset({"price_list", "customer_group"})
LISTING_INDEX: Final = "ByListing"
_SEQUENCE_WIDTH = 40  # stream sequence numbers are decimal strings of up to 40 digits
_BUDGET_DAYS = 2


@dataclass(frozen=True, slots=True)
class Entry:
    """One change to one record, as the history keeps it. Images are the stored items (attribute-value form)."""

    record: str
    key: dict[str, str]
    change: str
    """created, updated or deleted."""
    at: str
    """When, as stored `updated_at` text (fixed-width UTC, so string order is time order)."""
    sequence: str
    changed_by: dict[str, Any]
    before: Item | None
    after: Item | None

    @property
    def partition(self) -> str:
        return partition(self.record, self.key)

    @property
    def sort_key(self) -> str:
        return f"{self.at}#{self.sequence.zfill(_SEQUENCE_WIDTH)}"


def partition(record: str, key: dict[str, str]) -> str:
    return "#".join([record, *(key[name] for name in RECORD_KEYS[record])])


def to_item(entry: Entry, retention_days: int) -> Item:
    expires = datetime.fromisoformat(entry.at.replace("Z", "+00:00")) + timedelta(days=retention_days)
    item: Item = {
        "pk": {"S": entry.partition},
        "sk": {"S": entry.sort_key},
        "record": {"S": entry.record},
        "key": serialize(entry.key),
        "change": {"S": entry.change},
        "at": {"S": entry.at},
        "sequence": {"S": entry.sequence},
        "changed_by": serialize(entry.changed_by),
        "expires_at": {"N": str(int(expires.timestamp()))},
    }
    if entry.before is not None:
        item["before"] = {"M": entry.before}
    if entry.after is not None:
        item["after"] = {"M": entry.after}
    if entry.record in LISTED:
        item["listing"] = {"S": entry.record}
    return item


def from_item(item: Item) -> Entry:
    return Entry(
        record=item["record"]["S"],
        key={name: str(value) for name, value in deserialize(item["key"]).items()},
        change=item["change"]["S"],
        at=item["at"]["S"],
        sequence=item["sequence"]["S"],
        changed_by=deserialize(item["changed_by"]),
        before=item["before"]["M"] if "before" in item else None,
        after=item["after"]["M"] if "after" in item else None,
    )


def put(entries: Sequence[Entry]) -> int:
    """Store entries (idempotent: an entry's key is its record, time and stream position). Returns the calls made."""
    settings = get_settings()
    unique = {entry.partition + entry.sort_key: entry for entry in entries}  # one batch may not name a key twice
    items = [to_item(entry, settings.history_retention_days) for entry in unique.values()]
    return batch_write(settings.history_table, puts=items)


def page(
    record: str,
    key: dict[str, str],
    limit: int,
    cursor: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[Entry], str | None]:
    """A page of one record's history, newest first, optionally between `since` and `until` (both inclusive)."""
    condition = "pk = :pk"
    listing = f"history:{partition(record, key)}"  # a cursor pages this record's history and no other listing
    values: dict[str, Any] = {":pk": {"S": partition(record, key)}}
    if since is not None and until is not None:
        condition += " AND sk BETWEEN :since AND :until"
    elif since is not None:
        condition += " AND sk >= :since"
    elif until is not None:
        condition += " AND sk <= :until"
    if since is not None:
        values[":since"] = {"S": timestamp_text(since)}
    if until is not None:
        values[":until"] = {"S": timestamp_text(until) + "#~"}  # every entry of that very microsecond
    request: dict[str, Any] = {
        "TableName": get_settings().history_table,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": False,
        "Limit": limit,
    }
    start = decode_cursor(listing, cursor)
    if start:
        request["ExclusiveStartKey"] = start
    response = call_with_retries("query", **request)
    next_cursor = encode_cursor(listing, response.get("LastEvaluatedKey"))
    return [from_item(item) for item in response.get("Items", [])], next_cursor


def first_after(record: str, key: dict[str, str], instant: datetime) -> Entry | None:
    """The record's earliest change after `instant` (its `before` is the record as it was at that instant)."""
    response = call_with_retries(
        "query",
        TableName=get_settings().history_table,
        KeyConditionExpression="pk = :pk AND sk > :after",
        ExpressionAttributeValues={
            ":pk": {"S": partition(record, key)},
            ":after": {"S": timestamp_text(instant) + "#~"},
        },
        ScanIndexForward=True,
        Limit=1,
    )
    items = response.get("Items", [])
    return from_item(items[0]) if items else None


def first_after_each(record: str, keys: Sequence[dict[str, str]], instant: datetime) -> list[Entry | None]:
    """`first_after` for many records of one kind, in parallel; in input order."""
    return parallel_map(lambda key: first_after(record, key, instant), list(keys))


def listed_changes_after(record: str, instant: datetime) -> list[Entry]:
    """Every change to a price list or customer group after `instant`, oldest first (the sparse ByListing index)."""
    assert record in LISTED, "only lists and groups are indexed by kind"
    request: dict[str, Any] = {
        "TableName": get_settings().history_table,
        "IndexName": LISTING_INDEX,
        "KeyConditionExpression": "listing = :record AND sk > :after",
        "ExpressionAttributeValues": {":record": {"S": record}, ":after": {"S": timestamp_text(instant) + "#~"}},
    }
    entries: list[Entry] = []
    while True:
        response = call_with_retries("query", **request)
        entries.extend(from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return entries
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def claim_announcements(group: str, count: int, now: datetime) -> int:
    """Count `count` more events for a group (a request or an import job); returns how many it had before.

    One atomic ADD, so concurrent stream shards of one import share one budget.
    """
    response = call_with_retries(
        "update_item",
        TableName=get_settings().history_table,
        Key={"pk": {"S": f"budget#{group}"}, "sk": {"S": "budget"}},
        UpdateExpression="ADD announced :count SET expires_at = if_not_exists(expires_at, :expires)",
        ExpressionAttributeValues={
            ":count": {"N": str(count)},
            ":expires": {"N": str(int((now + timedelta(days=_BUDGET_DAYS)).timestamp()))},
        },
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["announced"]["N"]) - count
