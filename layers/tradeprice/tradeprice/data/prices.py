"""The prices table: one item per (price list, SKU), partitioned by list and write shard.

Key: pk = "<list>#<shard>" with shard = crc32(sku) mod PRICE_SHARDS, sk = sku. A lookup knows (list, sku), so it
computes the key and reads with BatchGetItem; a list's prices are read by querying its shards; a 1,000,000-SKU
list import spreads its writes over PRICE_SHARDS partitions instead of one (docs/data-model.md has the math).
"""

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradeprice.config import get_settings
from tradeprice.data.batch import Item, batch_get, batch_write, call_with_retries
from tradeprice.data.codec import source_version_key, stamped, timestamp_text
from tradeprice.data.versioned import Outcome, Write, apply
from tradeprice.domain.clock import utc_now
from tradeprice.domain.resolution import StoredLadder

if TYPE_CHECKING:  # the lookup reads ladders (to_ladder) without importing pydantic: docs/operations.md, Cold start
    from tradeprice.domain.models import Price, Tier

PRICE_SHARDS = 16
"""Fixed for the life of a table: changing it moves every item (a migration, not a setting)."""


def shard_of(sku: str) -> int:
    return zlib.crc32(sku.encode()) % PRICE_SHARDS


def partition_key(price_list: str, sku: str) -> str:
    return f"{price_list}#{shard_of(sku):02d}"


def key(price_list: str, sku: str) -> Item:
    return {"pk": {"S": partition_key(price_list, sku)}, "sku": {"S": sku}}


def encode_tiers(tiers: Sequence["Tier"]) -> str:
    """`1:0.50 100:0.45` — compact, exact, readable in the console, and fast to parse on the lookup path."""
    return " ".join(f"{tier.min_qty}:{tier.price}" for tier in tiers)


def decode_tiers(text: str) -> list[tuple[int, Decimal]]:
    ladder = []
    for pair in text.split():
        quantity, _, price = pair.partition(":")
        ladder.append((int(quantity), Decimal(price)))
    return ladder


def to_item(price: "Price", updated_at: datetime, version_key: Decimal | None) -> Item:
    item: Item = {
        **key(price.price_list, price.sku),
        "price_list": {"S": price.price_list},
        "tiers": {"S": encode_tiers(price.tiers)},
        "updated_at": {"S": timestamp_text(updated_at)},
    }
    if price.unit_of_measure is not None:
        item["uom"] = {"S": price.unit_of_measure}
    if price.valid_from is not None:
        item["valid_from"] = {"S": price.valid_from.isoformat()}
    if price.valid_until is not None:
        item["valid_until"] = {"S": price.valid_until.isoformat()}
    if price.source_version is not None and version_key is not None:
        item["source_version"] = {"S": _version_text(price.source_version)}
        item["version_key"] = {"N": str(version_key)}
    return item


def _version_text(version: Any) -> str:
    return version.isoformat() if isinstance(version, datetime) else str(version)


def from_item(item: Item) -> "Price":
    """Validate what was read back: a corrupt item raises here rather than pricing a cart wrongly."""
    from tradeprice.domain.models import Price

    document: dict[str, Any] = {
        "price_list": item["price_list"]["S"],
        "sku": item["sku"]["S"],
        "tiers": [{"min_qty": quantity, "price": price} for quantity, price in decode_tiers(item["tiers"]["S"])],
        "updated_at": item["updated_at"]["S"],
    }
    for attribute, field in (
        ("uom", "unit_of_measure"),
        ("valid_from", "valid_from"),
        ("valid_until", "valid_until"),
        ("source_version", "source_version"),
    ):
        if attribute in item:
            document[field] = item[attribute]["S"]
    return Price.model_validate(document)


LADDER_ATTRIBUTES = ("price_list", "sku", "tiers", "valid_from", "valid_until")
"""What `to_ladder` reads of an item: the lookup asks for these only."""


def get_many(
    keys: Iterable[tuple[str, str]], *, consistent: bool = False, attributes: Sequence[str] | None = None
) -> dict[tuple[str, str], Item]:
    """Raw items for (list, sku) pairs, keyed by the pair; the lookup decodes only the ones it uses (and reads them
    strongly consistently: docs/pricing-rules.md, Freshness), and asks only for LADDER_ATTRIBUTES."""
    unique = list(dict.fromkeys(keys))
    keys_read = [key(price_list, sku) for price_list, sku in unique]
    items = batch_get(get_settings().prices_table, keys_read, attributes, consistent=consistent)
    return {(item["price_list"]["S"], item["sku"]["S"]): item for item in items}


def write_many(records: Sequence[tuple[str, str, "Price | None", datetime]]) -> list[Outcome]:
    """(list, sku, price or None to remove, time) for distinct SKUs → created/updated/unchanged/stale/deleted.

    Equal values are one price: a ladder equal in value to the stored one (`12.5` from an XLSX cell, `12.50` from
    a CSV) keeps the stored spelling, so it is `unchanged`, is not rewritten and moves no `updated_at`.
    """
    table = get_settings().prices_table
    stored = {
        (item["price_list"]["S"], item["sku"]["S"]): item
        for item in batch_get(table, [key(p, k) for p, k, _, _ in records])
    }
    writes = []
    for price_list, sku, price, now in records:
        if price is None:
            writes.append(Write(key(price_list, sku), None))
            continue
        version = source_version_key(price.source_version)
        writes.append(
            Write(
                key(price_list, sku),
                in_stored_spelling(to_item(price, now, version), stored.get((price_list, sku))),
                version,
            )
        )
    return apply(table, writes, list(stored.values()))


def in_stored_spelling(item: Item, stored: Item | None) -> Item:
    """`item` with the stored tiers text when the two ladders are equal in value (`1:12.5` and `1:12.50`)."""
    if stored is None or stored["tiers"]["S"] == item["tiers"]["S"]:
        return item
    if decode_tiers(stored["tiers"]["S"]) != decode_tiers(item["tiers"]["S"]):
        return item
    return {**item, "tiers": stored["tiers"]}


def to_ladder(item: Item) -> StoredLadder:
    """The lookup's light decoding: tiers and validity only, parsed strictly (a corrupt item raises)."""
    return StoredLadder(
        tiers=tuple(decode_tiers(item["tiers"]["S"])),
        valid_from=datetime.fromisoformat(item["valid_from"]["S"]) if "valid_from" in item else None,
        valid_until=datetime.fromisoformat(item["valid_until"]["S"]) if "valid_until" in item else None,
    )


def page_list(
    price_list: str, limit: int, cursor: dict[str, Any] | None, updated_since: datetime | None
) -> tuple[list[Item], dict[str, Any] | None]:
    """A page of one list's prices, walking its shards in order; the cursor is (shard, last key in it)."""
    shard = int(cursor["shard"]) if cursor else 0  # a cursor is one this module issued (tradeprice/data/paging.py)
    start_key = cursor.get("key") if cursor else None
    if not 0 <= shard < PRICE_SHARDS:
        raise ValueError(f"shard {shard} is not one of 0..{PRICE_SHARDS - 1}")
    found: list[Item] = []
    while shard < PRICE_SHARDS and len(found) < limit:
        request: dict[str, Any] = {
            "TableName": get_settings().prices_table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"{price_list}#{shard:02d}"}},
            "Limit": limit - len(found),
        }
        if updated_since is not None:
            request["FilterExpression"] = "updated_at >= :since"
            request["ExpressionAttributeValues"][":since"] = {"S": timestamp_text(updated_since)}
        if start_key:
            request["ExclusiveStartKey"] = start_key
        response = call_with_retries("query", **request)
        found.extend(response.get("Items", []))
        start_key = response.get("LastEvaluatedKey")
        if start_key is None:
            shard += 1
    if shard >= PRICE_SHARDS:
        return found, None
    return found, {"shard": shard, "key": start_key}


def skus_of(price_list: str) -> Iterable[str]:
    """Every SKU on a list (for a delete or a full-sync import), read page by page."""
    cursor: dict[str, Any] | None = None
    while True:
        items, cursor = page_list(price_list, 1000, cursor, None)
        yield from (item["sku"]["S"] for item in items)
        if cursor is None:
            return


def delete_all(price_list: str) -> int:
    """Remove every price of a list; returns how many. Each is stamped with its deleter first (see versioned.py)."""
    table = get_settings().prices_table
    now = utc_now()
    removed = 0
    cursor: dict[str, Any] | None = None
    while True:
        items, cursor = page_list(price_list, 1000, cursor, None)
        batch_write(table, puts=[stamped(item, now) for item in items])
        batch_write(table, deletes=[key(price_list, item["sku"]["S"]) for item in items])
        removed += len(items)
        if cursor is None:
            return removed
