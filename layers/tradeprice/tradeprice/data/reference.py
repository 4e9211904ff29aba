"""Reference records — price lists, customer groups, customers, product rules: stored as the model's JSON form.

One `Collection` per table says which model it holds and which attributes form its key; the functions below
work on any of them, so every record type gets the same versioned writes, paging and read-back validation.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic

from botocore.exceptions import ClientError

from tradeprice.config import Settings, get_settings
from tradeprice.data import codec
from tradeprice.data.batch import Item, batch_get, call_with_retries
from tradeprice.data.paging import decode_cursor, encode_cursor
from tradeprice.data.versioned import Outcome, Write, apply
from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule
from tradeprice.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Collection(Generic[codec.M]):
    table_setting: str
    model: type[codec.M]
    key_names: tuple[str, ...]

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


assert {"price_lists_table", "customer_groups_table", "customers_table", "product_rules_table"} <= set(
    Settings.model_fields
)

PRICE_LISTS = Collection("price_lists_table", PriceList, ("slug",))
GROUPS = Collection("customer_groups_table", CustomerGroup, ("slug",))
CUSTOMERS = Collection("customers_table", Customer, ("id",))
RULES = Collection("product_rules_table", ProductRule, ("sku", "group"))


def get(collection: Collection[codec.M], *key: str) -> codec.M | None:
    item = call_with_retries("get_item", TableName=collection.table, Key=collection.key(*key)).get("Item")
    return collection.from_item(item) if item else None


def get_many(collection: Collection[codec.M], keys: Sequence[tuple[str, ...]]) -> list[codec.M]:
    items = batch_get(collection.table, [collection.key(*key) for key in dict.fromkeys(keys)])
    return [collection.from_item(item) for item in items]


def write(collection: Collection[codec.M], records: Sequence[tuple[tuple[str, ...], codec.M | None]]) -> list[Outcome]:
    """Upsert (or, with None, delete) distinct records by key; outcomes in input order, stale ones skipped."""
    writes = []
    for key, record in records:
        if record is None:
            writes.append(Write(collection.key(*key), None))
        else:
            version = codec.source_version_key(getattr(record, "source_version", None))
            writes.append(Write(collection.key(*key), collection.to_item(record), version))
    return apply(collection.table, writes)


def scan_page(
    table: str, limit: int, cursor: str | None, updated_since: datetime | None = None
) -> tuple[list[Item], str | None]:
    """One page of a whole table's raw items; with `updated_since`, only items changed at or after that instant."""
    request: dict[str, Any] = {"TableName": table, "Limit": limit}
    start = decode_cursor(cursor)
    if start:
        request["ExclusiveStartKey"] = start
    if updated_since is not None:
        request["FilterExpression"] = "updated_at >= :since"
        request["ExpressionAttributeValues"] = {":since": {"S": codec.timestamp_text(updated_since)}}
    try:
        response = call_with_retries("scan", **request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationException":
            raise InvalidInput(
                "cursor does not belong to this listing", [{"field": "cursor", "reason": "foreign"}]
            ) from error
        raise
    return response.get("Items", []), encode_cursor(response.get("LastEvaluatedKey"))


def page(
    collection: Collection[codec.M], limit: int, cursor: str | None, updated_since: datetime | None = None
) -> tuple[list[codec.M], str | None]:
    """One page of a whole table; with `updated_since`, only records changed at or after that instant."""
    items, next_cursor = scan_page(collection.table, limit, cursor, updated_since)
    return [collection.from_item(item) for item in items], next_cursor


def scan_all(collection: Collection[codec.M]) -> list[codec.M]:
    """Every record of a small table (list definitions, groups: tens to hundreds)."""
    records: list[codec.M] = []
    request: dict[str, Any] = {"TableName": collection.table}
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


def get_product_rules(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ProductRule]:
    """Rules for (group, sku) pairs that exist."""
    rules = get_many(RULES, [(sku, group) for group, sku in pairs])
    return {(rule.group, rule.sku): rule for rule in rules}


def put_price_list(price_list: PriceList) -> Outcome:
    return write(PRICE_LISTS, [((price_list.slug,), price_list)])[0]


def put_customer_group(group: CustomerGroup) -> Outcome:
    return write(GROUPS, [((group.slug,), group)])[0]


def put_product_rule(rule: ProductRule) -> Outcome:
    return write(RULES, [((rule.sku, rule.group), rule)])[0]
