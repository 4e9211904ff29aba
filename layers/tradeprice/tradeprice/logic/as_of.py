"""What the lookup reads, as it was at a past instant: rebuilt from the history table.

A record's state at instant T is the `before` of its first change after T (None when that change created it);
a record with no change after T is as it is now. So records older than the history (or than its retention) are
still found, as long as they have not changed since T. Every list and group at T is today's set, with each one
changed since T put back as it was (the ByListing index finds them). The history lags the tables by the stream's
delay (about a second): an `as_of` a moment ago may not see the very last changes.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from tradeprice.config import get_settings
from tradeprice.data import history, reference
from tradeprice.data import prices as price_store
from tradeprice.data.batch import Item
from tradeprice.data.reference import CUSTOMERS, GROUPS, PRICE_LISTS, RULES
from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule, StoredLadder
from tradeprice.domain.types import utc_now
from tradeprice.errors import InvalidInput, NotFound
from tradeprice.logic import pricing


def check(as_of: datetime) -> None:
    """A past instant within the history's retention; otherwise the request's mistake, naming `as_of`."""
    now = utc_now()
    retention = get_settings().history_retention_days
    if as_of > now:
        raise InvalidInput("as_of must be in the past", [{"field": "as_of", "reason": "in the future"}])
    if as_of < now - timedelta(days=retention):
        reason = f"older than the history's retention ({retention} days)"
        raise InvalidInput(f"as_of is {reason}", [{"field": "as_of", "reason": reason}])


def customer_reference(
    customer_id: str, instant: datetime
) -> tuple[Customer, dict[str, CustomerGroup], dict[str, PriceList]]:
    entry = history.first_after("customer", {"id": customer_id}, instant)
    if entry is not None:
        customer = CUSTOMERS.from_item(entry.before) if entry.before is not None else None
    else:
        customer = reference.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"customer '{customer_id}' did not exist at {instant.isoformat()}", customer_id=customer_id)
    return customer, groups(instant), lists(instant)


def lists(instant: datetime) -> dict[str, PriceList]:
    found = reference.all_price_lists()
    for slug, before in _listed_before("price_list", instant).items():
        if before is None:
            found.pop(slug, None)
        else:
            found[slug] = PRICE_LISTS.from_item(before)
    return found


def groups(instant: datetime) -> dict[str, CustomerGroup]:
    found = reference.all_customer_groups()
    for slug, before in _listed_before("customer_group", instant).items():
        if before is None:
            found.pop(slug, None)
        else:
            found[slug] = GROUPS.from_item(before)
    return found


def _listed_before(record: str, instant: datetime) -> dict[str, Item | None]:
    """For each list (or group) changed after the instant: its image before its first change after it."""
    earliest: dict[str, Item | None] = {}
    for entry in history.listed_changes_after(record, instant):  # oldest first
        earliest.setdefault(entry.key["slug"], entry.before)
    return earliest


def prices_and_rules(
    ctx: pricing.Context, skus: Sequence[str], instant: datetime
) -> tuple[dict[tuple[str, str], StoredLadder], dict[tuple[str, str], ProductRule]]:
    price_keys, rule_keys = pricing.reads_needed(ctx, skus)
    live_prices = price_store.get_many(price_keys)
    price_changes = history.first_after_each(
        "price", [{"price_list": slug, "sku": sku} for slug, sku in price_keys], instant
    )
    ladders: dict[tuple[str, str], StoredLadder] = {}
    for pair, entry in zip(price_keys, price_changes, strict=True):
        item = entry.before if entry is not None else live_prices.get(pair)
        if item is not None:
            ladders[pair] = price_store.to_ladder(item)
    live_rules = reference.get_product_rules(rule_keys)
    rule_changes = history.first_after_each(
        "product_rule", [{"group": group, "sku": sku} for group, sku in rule_keys], instant
    )
    rules: dict[tuple[str, str], ProductRule] = {}
    for pair, entry in zip(rule_keys, rule_changes, strict=True):
        if entry is None:
            if pair in live_rules:
                rules[pair] = live_rules[pair]
        elif entry.before is not None:
            rules[pair] = RULES.from_item(entry.before)
    return ladders, rules
