"""The lookup's reads of reference records, decoded into resolution's plain records (domain/resolution.py).

Every other reader validates what it reads back through the canonical pydantic models (data/reference.py). The
lookup reads the same items into frozen dataclasses instead, so that its cold path never imports pydantic
(docs/operations.md, Cold start). It still refuses what it cannot trust: every field resolution uses is checked for
its stored type, and a malformed item raises here (a 500) rather than pricing a cart wrongly. Fields resolution
does not use (a customer's email, addresses, terms) are not decoded at all.

Generation stamps (docs/pricing-rules.md, Freshness) live here too: the lookup reads them with the customer, and
data/reference.py bumps them on every write of a cached kind.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data.batch import Item, batch_get, call_with_retries, get_across_tables
from tradeprice.data.codec import deserialize
from tradeprice.domain.records import record
from tradeprice.domain.resolution import (
    BASE_GROUP,
    CustomerRecord,
    CustomerStatus,
    Derivation,
    GroupRecord,
    ListRecord,
    Rounding,
    RuleRecord,
)

STAMPS_KEY: Item = {"id": {"S": "reference"}}
"""The one item of the stamps table: {id: "reference", price_lists: N, customer_groups: N}."""


@record
class Stamps:
    """Generation counters of the kinds the lookup caches; each moves on every write of its kind."""

    price_lists: int = 0
    customer_groups: int = 0

    @classmethod
    def from_item(cls, item: Item | None) -> "Stamps":
        item = item or {}
        return cls(**{name: int(item[name]["N"]) for name in ("price_lists", "customer_groups") if name in item})


def read_stamps() -> Stamps:
    item = call_with_retries(
        "get_item", TableName=get_settings().stamps_table, Key=STAMPS_KEY, ConsistentRead=True
    ).get("Item")
    return Stamps.from_item(item)


def customer_and_stamps(customer_id: str) -> tuple[CustomerRecord | None, Stamps]:
    """The customer and the generation stamps, strongly consistent, in one BatchGetItem (one round trip)."""
    settings = get_settings()
    customers, stamps = settings.customers_table, settings.stamps_table
    key = {"id": {"S": customer_id}}
    found = get_across_tables({customers: [key], stamps: [STAMPS_KEY]}, consistent=True)
    customer = customer_record(found[customers][0]) if found[customers] else None
    return customer, Stamps.from_item(found[stamps][0] if found[stamps] else None)


def all_price_lists() -> dict[str, ListRecord]:
    """Every list definition, strongly consistent (the lookup caches them under the stamp read just before)."""
    return {record.slug: record for record in map(list_record, _scan_all(get_settings().price_lists_table))}


def all_customer_groups() -> dict[str, GroupRecord]:
    return {record.slug: record for record in map(group_record, _scan_all(get_settings().customer_groups_table))}


def get_product_rules(
    pairs: Sequence[tuple[str, str]], *, consistent: bool = False
) -> dict[tuple[str, str], RuleRecord]:
    """Rules for (group, sku) pairs that exist."""
    keys = [{"sku": {"S": sku}, "group": {"S": group}} for group, sku in dict.fromkeys(pairs)]
    items = batch_get(get_settings().product_rules_table, keys, RULE_ATTRIBUTES, consistent=consistent)
    rules = map(rule_record, items)
    return {(rule.group, rule.sku): rule for rule in rules}


RULE_ATTRIBUTES = ("group", "sku", "pack_size", "min_qty", "max_qty", "sell", "display")
"""What `rule_record` reads of a rule: a cart reads hundreds of them, so only these come back."""


def _scan_all(table: str) -> list[Item]:
    items: list[Item] = []
    request: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        response = call_with_retries("scan", **request)
        items.extend(response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return items
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


# Decoding: the stored JSON form (data/codec.py) → resolution's records -------------------------------------------


class MalformedItem(ValueError):
    """A stored item that does not hold what was validated on write: refused, never priced from."""


def _document(item: Item) -> dict[str, Any]:
    return {name: deserialize(value) for name, value in item.items()}


def _get(document: dict[str, Any], name: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    """`name`'s value, which must be of `kind` (a bool is not a number here), or `default` when absent or null."""
    value = document.get(name)
    if value is None:
        return default
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise MalformedItem(f"stored {name} is malformed: {value!r}")
    return value


def _required(document: dict[str, Any], name: str) -> str:
    value: str | None = _get(document, name, str)
    if value is None:
        raise MalformedItem(f"stored record lacks {name}")
    return value


def _decimal(document: dict[str, Any], name: str) -> Decimal | None:
    value = _get(document, name, (str, int, Decimal))  # decimals are stored as their exact text
    return None if value is None else Decimal(value)


def _instant(document: dict[str, Any], name: str) -> datetime | None:
    value = _get(document, name, str)
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise MalformedItem(f"stored {name} has no offset: {value!r}")
    return moment


def _slugs(document: dict[str, Any], name: str) -> tuple[str, ...]:
    value: list[Any] = _get(document, name, list, [])
    if not all(isinstance(slug, str) for slug in value):
        raise MalformedItem(f"stored {name} is malformed: {value!r}")
    return tuple(value)


def customer_record(item: Item) -> CustomerRecord:
    document = _document(item)
    return CustomerRecord(
        id=_required(document, "id"),
        status=CustomerStatus(_get(document, "status", str, CustomerStatus.ACTIVE.value)),
        group=_get(document, "group", str, BASE_GROUP),
        price_lists=_slugs(document, "price_lists"),
        discount_percent=_decimal(document, "discount_percent") or Decimal(0),
        currency=_get(document, "currency", str),
    )


def list_record(item: Item) -> ListRecord:
    document = _document(item)
    rules = _get(document, "rules", dict)
    return ListRecord(
        slug=_required(document, "slug"),
        currency=_required(document, "currency"),
        tax_inclusive=_get(document, "tax_inclusive", bool, False),
        valid_from=_instant(document, "valid_from"),
        valid_until=_instant(document, "valid_until"),
        rules=None if rules is None else _derivation(rules),
    )


def _derivation(document: dict[str, Any]) -> Derivation:
    rounding = _get(document, "rounding", dict)
    return Derivation(
        source=_required(document, "source"),
        adjustment_percent=_decimal(document, "adjustment_percent") or Decimal(0),
        fx_rate=_decimal(document, "fx_rate"),
        rounding=None if rounding is None else _rounding(rounding),
    )


def _rounding(document: dict[str, Any]) -> Rounding:
    return Rounding(increment=_decimal(document, "increment"), mode=_get(document, "mode", str, "half_up"))


def group_record(item: Item) -> GroupRecord:
    document = _document(item)
    slug = _required(document, "slug")
    # As the model reads it (domain/models.py): the parent defaults to base, except for base itself.
    parent = _get(document, "parent", str, None if slug == BASE_GROUP else BASE_GROUP)
    return GroupRecord(slug=slug, parent=parent, price_lists=_slugs(document, "price_lists"))


def rule_record(item: Item) -> RuleRecord:
    document = _document(item)
    return RuleRecord(
        group=_get(document, "group", str, BASE_GROUP),
        sku=_required(document, "sku"),
        pack_size=_get(document, "pack_size", int),
        min_qty=_get(document, "min_qty", int),
        max_qty=_get(document, "max_qty", int),
        sell=_get(document, "sell", bool),
        display=_get(document, "display", bool),
    )
