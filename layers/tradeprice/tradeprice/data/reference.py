"""Reference records: price lists, customer groups, customers and product rules (small, read on every lookup)."""

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.aws import dynamodb
from tradeprice.data.batch import Item, batch_get
from tradeprice.data.paging import decode_cursor, encode_cursor
from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule
from tradeprice.errors import Conflict


def _put(table: str, item: Item) -> bool:
    """Store an item; True when it created a new record, False when it replaced one."""
    response = dynamodb().put_item(TableName=table, Item=item, ReturnValues="ALL_OLD")
    return "Attributes" not in response


def _get(table: str, key: Item) -> Item | None:
    return dynamodb().get_item(TableName=table, Key=key).get("Item")


def _page(table: str, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
    request: dict[str, Any] = {"TableName": table, "Limit": limit}
    start = decode_cursor(cursor)
    if start:
        request["ExclusiveStartKey"] = start
    try:
        response = dynamodb().scan(**request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationException":
            raise Conflict("cursor does not belong to this listing", field="cursor") from error
        raise
    return response.get("Items", []), encode_cursor(response.get("LastEvaluatedKey"))


# Price lists ----------------------------------------------------------------------------------------------------


def put_price_list(price_list: PriceList) -> bool:
    return _put(get_settings().price_lists_table, codec.to_item(price_list))


def get_price_list(slug: str) -> PriceList | None:
    item = _get(get_settings().price_lists_table, {"slug": {"S": slug}})
    return codec.from_item(PriceList, item) if item else None


def get_price_lists(slugs: Sequence[str]) -> dict[str, PriceList]:
    items = batch_get(get_settings().price_lists_table, [{"slug": {"S": slug}} for slug in dict.fromkeys(slugs)])
    lists = (codec.from_item(PriceList, item) for item in items)
    return {price_list.slug: price_list for price_list in lists}


def page_price_lists(limit: int, cursor: str | None) -> tuple[list[PriceList], str | None]:
    items, next_cursor = _page(get_settings().price_lists_table, limit, cursor)
    return [codec.from_item(PriceList, item) for item in items], next_cursor


# Customer groups ------------------------------------------------------------------------------------------------


def put_customer_group(group: CustomerGroup) -> bool:
    return _put(get_settings().customer_groups_table, codec.to_item(group))


def get_customer_groups(slugs: Sequence[str]) -> dict[str, CustomerGroup]:
    items = batch_get(get_settings().customer_groups_table, [{"slug": {"S": slug}} for slug in dict.fromkeys(slugs)])
    groups = (codec.from_item(CustomerGroup, item) for item in items)
    return {group.slug: group for group in groups}


# Customers ------------------------------------------------------------------------------------------------------


def put_customer(customer: Customer) -> bool:
    return _put(get_settings().customers_table, codec.to_item(customer))


def get_customer(customer_id: str) -> Customer | None:
    item = _get(get_settings().customers_table, {"id": {"S": customer_id}})
    return codec.from_item(Customer, item) if item else None


# Product rules --------------------------------------------------------------------------------------------------


def put_product_rule(rule: ProductRule) -> bool:
    return _put(get_settings().product_rules_table, codec.to_item(rule))


def get_product_rules(pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ProductRule]:
    """Rules for (group, sku) pairs that exist."""
    keys = [{"sku": {"S": sku}, "group": {"S": group}} for group, sku in dict.fromkeys(pairs)]
    rules = (codec.from_item(ProductRule, item) for item in batch_get(get_settings().product_rules_table, keys))
    return {(rule.group, rule.sku): rule for rule in rules}


def all_price_lists() -> dict[str, PriceList]:
    """Every list definition (a merchant has tens to hundreds): one paged scan, cached by the caller."""
    return {price_list.slug: price_list for price_list in _scan_all(get_settings().price_lists_table, PriceList)}


def all_customer_groups() -> dict[str, CustomerGroup]:
    return {group.slug: group for group in _scan_all(get_settings().customer_groups_table, CustomerGroup)}


def _scan_all(table: str, model: type[codec.M]) -> list[codec.M]:
    records: list[codec.M] = []
    request: dict[str, Any] = {"TableName": table}
    while True:
        response = dynamodb().scan(**request)
        records.extend(codec.from_item(model, item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return records
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
