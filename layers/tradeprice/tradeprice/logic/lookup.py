"""The lookup: gather one customer's context, read every needed price and rule in one parallel round, price the cart.

Round trips (docs/data-model.md): list definitions, groups and the customer come from a short-lived in-function cache
(`REFERENCE_CACHE_SECONDS`, default 30 s); when any is missing they are read together, in one round. Prices and
product rules are never cached: all their keys are known once the context is, so they are read in one more round.
A warm lookup is therefore one round, a cold one two.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from tradeprice.config import get_settings
from tradeprice.data import prices as price_store
from tradeprice.data import reference
from tradeprice.data.aws import dynamodb
from tradeprice.data.reference_cache import cached
from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule, StoredLadder
from tradeprice.domain.types import utc_now
from tradeprice.errors import NotFound
from tradeprice.logic import pricing
from tradeprice.logic.pricing import LineAnswer, LineRequest

__all__ = ["LineAnswer", "LineRequest", "LookupAnswer", "lookup"]


@dataclass(frozen=True, slots=True)
class LookupAnswer:
    currency: str | None
    at: datetime
    customer_id: str | None
    lines: list[LineAnswer]


@cache
def _readers() -> ThreadPoolExecutor:
    """Threads for the reads of one round, kept across warm invocations (each BatchGet fans out further itself)."""
    return ThreadPoolExecutor(max_workers=3, thread_name_prefix="lookup-read")


def _round() -> ThreadPoolExecutor:
    # boto3's default session is not thread-safe while it builds a client: build the shared one before any thread.
    dynamodb()
    return _readers()


def lookup(
    lines: Sequence[LineRequest],
    *,
    customer_id: str | None = None,
    price_list: str | None = None,
    currency: str | None = None,
    at: datetime | None = None,
    explain: bool = False,
) -> LookupAnswer:
    """Price `lines` for a customer (their lists and group chain) or directly against one price list."""
    strategy = get_settings().price_strategy
    at = at or utc_now()
    if customer_id is not None:
        customer, groups, lists = _customer_reference(customer_id)
        ctx = pricing.customer_context(customer, groups, lists, at=at, currency=currency, strategy=strategy)
    else:
        assert price_list is not None, "a lookup names a customer or a price list"
        ctx = pricing.list_context(
            price_list, _lists_including(price_list), at=at, currency=currency, strategy=strategy
        )

    stored, rules = _read_prices_and_rules(ctx, list(dict.fromkeys(line.sku for line in lines)))
    answers = pricing.price_cart(lines, ctx, stored, rules, explain=explain)
    return LookupAnswer(currency=ctx.currency, at=at, customer_id=customer_id, lines=answers)


def _customer_reference(customer_id: str) -> tuple[Customer, dict[str, CustomerGroup], dict[str, PriceList]]:
    """The customer, every group and every list definition: cached, and read side by side when they are not."""

    def load_customer() -> Customer:
        # Raising (rather than returning None) keeps an unknown id out of the cache: a customer the ERP creates
        # a moment later is found on the next lookup, not REFERENCE_CACHE_SECONDS later.
        customer = reference.get_customer(customer_id)
        if customer is None:
            raise NotFound(f"customer '{customer_id}' does not exist", customer_id=customer_id)
        return customer

    pool = _round()
    customer = pool.submit(cached, "customer", customer_id, load_customer)
    groups = pool.submit(cached, "customer-groups", "*", reference.all_customer_groups)
    lists = pool.submit(cached, "price-lists", "*", reference.all_price_lists)
    return customer.result(), groups.result(), lists.result()


def _lists_including(slug: str) -> dict[str, PriceList]:
    lists = cached("price-lists", "*", reference.all_price_lists)
    if slug not in lists:
        lists = reference.all_price_lists()  # a list created since the cache was filled
        if slug not in lists:
            raise NotFound(f"price list '{slug}' does not exist", price_list=slug)
    return lists


def _read_prices_and_rules(
    ctx: pricing.Context, skus: Sequence[str]
) -> tuple[dict[tuple[str, str], StoredLadder], dict[tuple[str, str], ProductRule]]:
    """One round trip: the price BatchGets and the rule BatchGets run side by side."""
    price_keys, rule_keys = pricing.reads_needed(ctx, skus)
    if not price_keys and not rule_keys:
        return {}, {}
    pool = _round()
    items = pool.submit(price_store.get_many, price_keys)
    rules = pool.submit(reference.get_product_rules, rule_keys)
    return {pair: price_store.to_ladder(item) for pair, item in items.result().items()}, rules.result()
