"""Change events and history from the tables' stream records: who changed what, from what, to what, and when.

Every record table streams NEW_AND_OLD_IMAGES. For each batch of stream records the change-stream function:
1. turns each record into a history entry (record kind and key, created/updated/deleted, before, after, when and
   who: the `changed_by` every write stamps on its item, see domain/authors.py). A MODIFY that changes nothing a
   reader sees (a delete's author stamp, a newer source version of the same content) is no change and is skipped;
2. stores the entries in the history table, keyed by the stream record so a redelivered batch adds nothing;
3. groups the entries by record kind, list (for prices) and author (API request or import job) and publishes one
   event per group of up to EVENT_MAX_CHANGES changes. A request or a job has EVENT_MAX_PER_GROUP detailed events per
   kind and list; the next one is a pointer (`truncated`, with links to re-read what changed and to the job), and
   after that it is silent. So a 1,000,000-row import on one list is at most EVENT_MAX_PER_GROUP + 1 events.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from pydantic import BaseModel

from tradeprice.config import Settings, get_settings
from tradeprice.data import bus, history
from tradeprice.data import prices as price_store
from tradeprice.data.batch import Item, chunks
from tradeprice.data.codec import CHANGED_BY, deserialize, timestamp_text
from tradeprice.data.history import Entry
from tradeprice.data.reference import CUSTOMERS, GROUPS, PRICE_LISTS, RULES, Collection
from tradeprice.data.versioned import same_content
from tradeprice.domain.authors import UNATTRIBUTED

TABLE_KINDS: Final = {
    "prices_table": "price",
    "price_lists_table": "price_list",
    "customer_groups_table": "customer_group",
    "customers_table": "customer",
    "product_rules_table": "product_rule",
    "api_keys_table": "api_key",
}
"""Which record kind each streamed table holds (by its setting)."""

EVENT_TYPES: Final = {
    "price": "prices.changed",
    "price_list": "price_lists.changed",
    "customer_group": "customer_groups.changed",
    "customer": "customers.changed",
    "product_rule": "product_rules.changed",
    "api_key": "api_keys.changed",
}
"""The event's detail-type for each record kind: the catalogue docs/events.md and the AsyncAPI document list."""

_LISTINGS: Final = {
    "price_list": "/v1/price-lists",
    "customer_group": "/v1/customer-groups",
    "customer": "/v1/customers",
}
_CHANGES: Final = {"INSERT": "created", "MODIFY": "updated", "REMOVE": "deleted"}
_NEVER_SHOWN: Final = frozenset({CHANGED_BY, "secret_hash"})
"""Attributes no event or history entry carries: the author is said apart; a key's secret hash goes nowhere."""

Publish = Callable[[Sequence[tuple[str, str]]], int]


class UnreadableRecord(ValueError):
    """A stream record this function cannot read (an unknown table, a missing image): reported as failed."""


# Stream records → history entries --------------------------------------------------------------------------------


def table_kinds(settings: Settings) -> dict[str, str]:
    return {str(getattr(settings, name)): kind for name, kind in TABLE_KINDS.items()}


def table_of(stream_arn: str) -> str:
    """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> → <name>."""
    return stream_arn.split(":table/", 1)[-1].split("/", 1)[0]


def entry_of(record: dict[str, Any], kind: str) -> Entry | None:
    """The history entry a stream record makes, or None when it changes nothing a reader sees."""
    try:
        stream = record["dynamodb"]
        change = _CHANGES[record["eventName"]]
        old: Item | None = stream.get("OldImage")
        new: Item | None = stream.get("NewImage")
        image = new if new is not None else old
        if image is None:
            raise KeyError("NewImage and OldImage")
        if old is not None and new is not None and same_content(old, new):
            return None
        stamp = deserialize(image[CHANGED_BY]) if CHANGED_BY in image else UNATTRIBUTED.as_dict()
        at = stamp.pop("at", None) or timestamp_text(
            datetime.fromtimestamp(float(stream["ApproximateCreationDateTime"]), UTC)
        )
        key = {name: image[name]["S"] for name in history.RECORD_KEYS[kind]}
        return Entry(kind, key, change, at, str(stream["SequenceNumber"]), stamp, _shown(old), _shown(new))
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableRecord(f"stream record {record.get('eventID')} cannot be read: {error}") from error


def _shown(image: Item | None) -> Item | None:
    return None if image is None else {name: value for name, value in image.items() if name not in _NEVER_SHOWN}


def document(kind: str, image: Item | None) -> dict[str, Any] | None:
    """A record's JSON form as the API shows it, from a stored image (validated as a read from the table is)."""
    if image is None:
        return None
    if kind == "price":
        return price_store.from_item(image).model_dump(mode="json", exclude_none=True)
    if kind == "api_key":
        values = {name: deserialize(value) for name, value in image.items()}
        return {name: values[name] for name in ("key_id", "name", "scopes", "created_at", "revoked") if name in values}
    collections: dict[str, Collection[Any]] = {
        "price_list": PRICE_LISTS,
        "customer_group": GROUPS,
        "customer": CUSTOMERS,
        "product_rule": RULES,
    }
    record: BaseModel = collections[kind].from_item(image)
    return record.model_dump(mode="json", exclude_none=True)


def change_view(entry: Entry) -> dict[str, Any]:
    """One change as events and the history routes show it."""
    return {
        "key": entry.key,
        "change": entry.change,
        "at": entry.at,
        "changed_by": entry.changed_by,
        "before": document(entry.record, entry.before),
        "after": document(entry.record, entry.after),
    }


# History entries → grouped events ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Group:
    """The changes of one batch by one author to one record kind (and one list, for prices)."""

    record: str
    scope: dict[str, str]
    changed_by: dict[str, Any]
    entries: list[Entry] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Who and what, stable across batches: the budget's key."""
        author = self.changed_by.get("request") or json.dumps(self.changed_by, sort_keys=True)
        return "|".join([self.record, *self.scope.values(), str(author)])


def group(entries: Sequence[Entry]) -> list[Group]:
    groups: dict[str, Group] = {}
    for entry in entries:
        scope = {"price_list": entry.key["price_list"]} if entry.record == "price" else {}
        candidate = Group(entry.record, scope, entry.changed_by)
        groups.setdefault(candidate.name, candidate).entries.append(entry)
    return list(groups.values())


def compose(
    groups: Sequence[Group], settings: Settings, claim: Callable[[str, int], int]
) -> list[tuple[str, dict[str, Any]]]:
    """The events for these groups: (detail-type, detail). `claim(group, n)` counts n more of a group's events and
    returns how many it had before (only for groups with a request or job id; others are never capped)."""
    composed: list[tuple[str, dict[str, Any]]] = []
    for each in groups:
        drafts = list(chunks(each.entries, settings.event_max_changes))
        before = claim(each.name, len(drafts)) if each.changed_by.get("request") else 0
        for index, draft in enumerate(drafts, start=before):
            if each.changed_by.get("request") and index > settings.event_max_per_group:
                break  # the pointer has been sent: the rest of this request or job is silent
            pointer = bool(each.changed_by.get("request")) and index == settings.event_max_per_group
            composed.append((EVENT_TYPES[each.record], _detail(each, list(draft), pointer=pointer)))
    return composed


def _detail(each: Group, entries: list[Entry], *, pointer: bool) -> dict[str, Any]:
    first = entries[0]
    identity = f"{each.name}|{first.sequence}|{pointer}"
    detail: dict[str, Any] = {
        "id": hashlib.sha256(identity.encode()).hexdigest()[:32],
        "type": EVENT_TYPES[each.record],
        "record": each.record,
        **each.scope,
        "changed_by": each.changed_by,
        "truncated": pointer,
        "count": 0 if pointer else len(entries),
        "changes": [] if pointer else [change_view(entry) for entry in entries],
        "links": _links(each, since=min(entry.at for entry in entries), pointer=pointer),
    }
    return detail


def _links(each: Group, *, since: str, pointer: bool) -> dict[str, str]:
    links: dict[str, str] = {}
    if each.changed_by.get("kind") == "import":
        links["job"] = f"/v1/imports/{each.changed_by['id']}"
    if pointer:
        listing = (
            f"/v1/price-lists/{each.scope['price_list']}/prices"
            if each.record == "price"
            else _LISTINGS.get(each.record)
        )
        if listing is not None:
            links["changed_since"] = f"{listing}?updated_since={since}"
    return links


# One stream batch ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    changes: int
    events: int
    failed_sequence: str | None
    """The first record that could not be read: it and every later record of the shard are retried."""


def process(
    records: Sequence[dict[str, Any]], publish: Publish = bus.publish, now: datetime | None = None
) -> BatchOutcome:
    """Record, group and publish one batch of stream records (from any of the record tables)."""
    settings = get_settings()
    kinds = table_kinds(settings)
    entries: list[Entry] = []
    failed: str | None = None
    for record in records:
        try:
            kind = kinds.get(table_of(str(record.get("eventSourceARN", ""))))
            if kind is None:
                raise UnreadableRecord(f"stream record {record.get('eventID')} is from a table this function ignores")
            entry = entry_of(record, kind)
        except UnreadableRecord:
            failed = str(((record.get("dynamodb") or {}).get("SequenceNumber")) or "")
            break
        if entry is not None:
            entries.append(entry)
    history.put(entries)
    moment = now or datetime.now(UTC)
    events = compose(group(entries), settings, lambda name, count: history.claim_announcements(name, count, moment))
    publish([(kind, json.dumps(detail, separators=(",", ":"))) for kind, detail in events])
    return BatchOutcome(len(entries), len(events), failed)
