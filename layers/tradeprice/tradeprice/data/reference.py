"""Reference records — price lists, customer groups, customers, product rules: stored as the model's JSON form.

One `Collection` per table says which model it holds and which attributes form its key; the functions below
work on any of them, so every record type gets the same versioned writes, paging and read-back validation.

Generation stamps. The lookup keeps list definitions and groups in memory between requests
(data/reference_cache.py). So that it never answers from a stale copy, one small item in the stamps table holds a
counter per cached kind, and `write` bumps its collection's counter after every write of that kind, acknowledged
or not, whoever the writer is (API, imports, integrations, deletes). A lookup reads the counters strongly
consistently with the customer and reloads a kind only when its counter moved (docs/pricing-rules.md, Freshness).
The lookup's own reads (the customer with the stamps, the cached kinds, the rules) are in data/lookup_reads.py.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic

from tradeprice.config import FIELDS, get_settings
from tradeprice.data import codec
from tradeprice.data.batch import Item, batch_get, call_with_retries
from tradeprice.data.lookup_reads import STAMPS_KEY
from tradeprice.data.lookup_reads import Stamps as Stamps  # re-exported beside `bump`, which moves them
from tradeprice.data.lookup_reads import read_stamps as read_stamps
from tradeprice.data.paging import decode_cursor, encode_cursor
from tradeprice.data.versioned import Outcome, Write, apply
from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule


@dataclass(frozen=True, slots=True)
class Collection(Generic[codec.M]):
    table_setting: str
    model: type[codec.M]
    key_names: tuple[str, ...]
    stamp: str | None = None
    """The generation counter `write` bumps, for kinds the lookup caches (None: read afresh by every lookup)."""

    @property
    def table(self) -> str:
        return str(getattr(get_settings(), self.table_setting))

    def key(self, *values: str) -> Item:
        return {name: {"S": value} for name, value in zip(self.key_names, values, strict=True)}

    def key_of(self, record: codec.M) -> Item:
        return self.key(*(str(getattr(record, name)) for name in self.key_names))

    def to_item(self, record: codec.M) -> Item:
        item = codec.to_item(record)
        version = codec.source_version_key(getattr(record, "source_version", None))
        if version is not None:
            item["version_key"] = {"N": str(version)}
        return item

    def from_item(self, item: Item) -> codec.M:
        return codec.from_item(self.model, item, drop=("version_key", codec.CHANGED_BY, "source_versions"))


assert {"price_lists_table", "customer_groups_table", "customers_table", "product_rules_table", "stamps_table"} <= {
    field.name for field in FIELDS
}

PRICE_LISTS = Collection("price_lists_table", PriceList, ("slug",), stamp="price_lists")
GROUPS = Collection("customer_groups_table", CustomerGroup, ("slug",), stamp="customer_groups")
CUSTOMERS = Collection("customers_table", Customer, ("id",))
RULES = Collection("product_rules_table", ProductRule, ("sku", "group"))


def bump(stamp: str) -> None:
    """Move one generation counter (an atomic ADD: concurrent writers never lose a bump)."""
    call_with_retries(
        "update_item",
        TableName=get_settings().stamps_table,
        Key=STAMPS_KEY,
        UpdateExpression="ADD #stamp :one",
        ExpressionAttributeNames={"#stamp": stamp},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def get(collection: Collection[codec.M], *key: str) -> codec.M | None:
    item = call_with_retries("get_item", TableName=collection.table, Key=collection.key(*key)).get("Item")
    return collection.from_item(item) if item else None


def get_many(
    collection: Collection[codec.M], keys: Sequence[tuple[str, ...]], *, consistent: bool = False
) -> list[codec.M]:
    keys_read = [collection.key(*key) for key in dict.fromkeys(keys)]
    return [collection.from_item(item) for item in batch_get(collection.table, keys_read, consistent=consistent)]


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[codec.M]):
    """Records as stored just before a write that builds on them (a partial update merges into them); handed
    back to `write`, which then does not read them a second time."""

    collection: Collection[codec.M]
    items: dict[tuple[str, ...], Item]

    def get(self, *key: str) -> codec.M | None:
        item = self.items.get(key)
        return self.collection.from_item(item) if item is not None else None


def read(collection: Collection[codec.M], keys: Sequence[tuple[str, ...]]) -> Snapshot[codec.M]:
    """Strongly consistent: a partial update merges into the write acknowledged just before it, not an older one."""
    items = batch_get(collection.table, [collection.key(*key) for key in dict.fromkeys(keys)], consistent=True)
    return Snapshot(collection, {tuple(str(item[name]["S"]) for name in collection.key_names): item for item in items})


def write(
    collection: Collection[codec.M],
    records: Sequence[tuple[tuple[str, ...], codec.M | None]],
    snapshot: Snapshot[codec.M] | None = None,
) -> list[Outcome]:
    """Upsert (or, with None, delete) distinct records by key; outcomes in input order, stale ones skipped.

    `snapshot`: the records as just read (by `read`), when the caller has them.

    For a cached kind the collection's generation stamp is bumped afterwards, whatever happened: also when
    every record was unchanged or the write failed half-way, so that a retry of a request whose bump was lost
    (the records written, the bump throttled away) still moves the stamp. Bumping after the records are written
    is what makes it safe: a lookup that sees the new stamp reloads and finds the records.
    """
    writes = []
    for key, record in records:
        if record is None:
            writes.append(Write(collection.key(*key), None))
        else:
            version = codec.source_version_key(getattr(record, "source_version", None))
            writes.append(Write(collection.key(*key), collection.to_item(record), version))
    if not writes:
        return []
    try:
        return apply(collection.table, writes, list(snapshot.items.values()) if snapshot is not None else None)
    finally:
        if collection.stamp is not None:
            bump(collection.stamp)


def scan_page(
    table: str, limit: int, cursor: str | None, updated_since: datetime | None = None
) -> tuple[list[Item], str | None]:
    """One page of a whole table's raw items; with `updated_since`, only items changed at or after that instant."""
    request: dict[str, Any] = {"TableName": table, "Limit": limit}
    listing = f"scan:{table}"
    start = decode_cursor(listing, cursor)
    if start:
        request["ExclusiveStartKey"] = start
    if updated_since is not None:
        request["FilterExpression"] = "updated_at >= :since"
        request["ExpressionAttributeValues"] = {":since": {"S": codec.timestamp_text(updated_since)}}
    response = call_with_retries("scan", **request)
    return response.get("Items", []), encode_cursor(listing, response.get("LastEvaluatedKey"))


def page(
    collection: Collection[codec.M], limit: int, cursor: str | None, updated_since: datetime | None = None
) -> tuple[list[codec.M], str | None]:
    """One page of a whole table; with `updated_since`, only records changed at or after that instant."""
    items, next_cursor = scan_page(collection.table, limit, cursor, updated_since)
    return [collection.from_item(item) for item in items], next_cursor


def scan_all(collection: Collection[codec.M]) -> list[codec.M]:
    """Every record of a small table (list definitions, groups: tens to hundreds), strongly consistent: the lookup
    caches what this returns, and the write checks (cycles, references) must see every acknowledged write."""
    records: list[codec.M] = []
    request: dict[str, Any] = {"TableName": collection.table, "ConsistentRead": True}
    while True:
        response = call_with_retries("scan", **request)
        records.extend(collection.from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return records
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def query(collection: Collection[codec.M], partition: str) -> list[codec.M]:
    """Every record under one partition key (all rules of a SKU)."""
    records: list[codec.M] = []
    name = collection.key_names[0]
    request: dict[str, Any] = {
        "TableName": collection.table,
        "KeyConditionExpression": "#k = :k",
        "ExpressionAttributeNames": {"#k": name},
        "ExpressionAttributeValues": {":k": {"S": partition}},
    }
    while True:
        response = call_with_retries("query", **request)
        records.extend(collection.from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return records
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# Shorthands the lookup and the logic use -------------------------------------------------------------------------


def get_price_list(slug: str) -> PriceList | None:
    return get(PRICE_LISTS, slug)


def all_price_lists() -> dict[str, PriceList]:
    return {price_list.slug: price_list for price_list in scan_all(PRICE_LISTS)}


def all_customer_groups() -> dict[str, CustomerGroup]:
    return {group.slug: group for group in scan_all(GROUPS)}


def get_customer(customer_id: str) -> Customer | None:
    return get(CUSTOMERS, customer_id)


def get_product_rules(
    pairs: Sequence[tuple[str, str]], *, consistent: bool = False
) -> dict[tuple[str, str], ProductRule]:
    """Rules for (group, sku) pairs that exist."""
    rules = get_many(RULES, [(sku, group) for group, sku in pairs], consistent=consistent)
    return {(rule.group, rule.sku): rule for rule in rules}


def put_price_list(price_list: PriceList) -> Outcome:
    return write(PRICE_LISTS, [((price_list.slug,), price_list)])[0]


def put_customer_group(group: CustomerGroup) -> Outcome:
    return write(GROUPS, [((group.slug,), group)])[0]


def put_product_rule(rule: ProductRule) -> Outcome:
    return write(RULES, [((rule.sku, rule.group), rule)])[0]
