"""The lookup: gather one customer's context, read every needed price and rule in one parallel round, price the cart.

Round trips, and freshness (docs/pricing-rules.md):
1. the customer and the generation stamps of the cached kinds, in one strongly consistent BatchGetItem;
   (1b. only when a stamp moved since this function last loaded that kind, or on its first lookup: the list
   definitions and/or groups, read whole, side by side);
2. every price and product rule the cart needs, strongly consistent, in parallel BatchGetItems.
A warm lookup is two rounds, whatever the cart's size; one that follows a change of lists or groups is three.
Every read is strongly consistent, so a lookup reflects every write acknowledged before it started.

Records are read as resolution's plain records (data/lookup_reads.py), not the pydantic models: nothing on a
lookup's path imports pydantic (docs/operations.md, Cold start). An `as_of` lookup, rare, reads the history
through the models (logic/as_of.py), imported when one is asked for.
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import cache

from tradeprice.config import get_settings
from tradeprice.data import lookup_reads as reference
from tradeprice.data import prices as price_store
from tradeprice.data.aws import dynamodb
from tradeprice.data.reference_cache import current
from tradeprice.domain.clock import utc_now
from tradeprice.domain.records import record
from tradeprice.domain.resolution import CustomerRecord, GroupRecord, ListRecord, RuleRecord, StoredLadder
from tradeprice.errors import NotFound
from tradeprice.logic import pricing
from tradeprice.logic.pricing import LineAnswer, LineRequest

__all__ = ["LineAnswer", "LineRequest", "LookupAnswer", "lookup"]


@record
class LookupAnswer:
    currency: str | None
    at: datetime
    customer_id: str | None
    lines: list[LineAnswer]
    as_of: datetime | None = None
    """Set when the answer was rebuilt from the history: the instant whose data it priced with."""


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
    as_of: datetime | None = None,
) -> LookupAnswer:
    """Price `lines` for a customer (their lists and group chain) or directly against one price list.

    `as_of`: answer as the lookup would have at that past instant, from the history (logic/as_of.py); `at`
    defaults to it.
    """
    if as_of is not None:
        return _lookup_as_of(lines, as_of, customer_id, price_list, currency, at or as_of, explain)
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


def _lookup_as_of(
    lines: Sequence[LineRequest],
    as_of: datetime,
    customer_id: str | None,
    price_list: str | None,
    currency: str | None,
    at: datetime,
    explain: bool,
) -> LookupAnswer:
    from tradeprice.logic import as_of as past  # the history's models: see the module docstring

    past.check(as_of)
    strategy = get_settings().price_strategy
    if customer_id is not None:
        customer, groups, lists = past.customer_reference(customer_id, as_of)
        ctx = pricing.customer_context(customer, groups, lists, at=at, currency=currency, strategy=strategy)
    else:
        assert price_list is not None, "a lookup names a customer or a price list"
        lists = past.lists(as_of)
        if price_list not in lists:
            raise NotFound(f"price list '{price_list}' did not exist at {as_of.isoformat()}", price_list=price_list)
        ctx = pricing.list_context(price_list, lists, at=at, currency=currency, strategy=strategy)
    stored, rules = past.prices_and_rules(ctx, list(dict.fromkeys(line.sku for line in lines)), as_of)
    answers = pricing.price_cart(lines, ctx, stored, rules, explain=explain)
    return LookupAnswer(currency=ctx.currency, at=at, customer_id=customer_id, lines=answers, as_of=as_of)


def _customer_reference(customer_id: str) -> tuple[CustomerRecord, dict[str, GroupRecord], dict[str, ListRecord]]:
    """The customer (read every time), every group and every list definition (reloaded when their stamp moved)."""
    _round()
    customer, stamps = reference.customer_and_stamps(customer_id)
    if customer is None:
        raise NotFound(f"customer '{customer_id}' does not exist", customer_id=customer_id)
    groups, lists = _reference_data(stamps)
    return customer, groups, lists


def _reference_data(stamps: reference.Stamps) -> tuple[dict[str, GroupRecord], dict[str, ListRecord]]:
    """Groups and list definitions as of `stamps` (read before this call); both reloads, if due, side by side."""
    pool = _round()
    groups = pool.submit(current, "customer-groups", stamps.customer_groups, reference.all_customer_groups)
    lists = pool.submit(current, "price-lists", stamps.price_lists, reference.all_price_lists)
    return groups.result(), lists.result()


def _lists_including(slug: str) -> dict[str, ListRecord]:
    _round()
    lists = current("price-lists", reference.read_stamps().price_lists, reference.all_price_lists)
    if slug not in lists:
        raise NotFound(f"price list '{slug}' does not exist", price_list=slug)
    return lists


def _read_prices_and_rules(
    ctx: pricing.Context, skus: Sequence[str]
) -> tuple[dict[tuple[str, str], StoredLadder], dict[tuple[str, str], RuleRecord]]:
    """One round trip: the price BatchGets and the rule BatchGets run side by side."""
    price_keys, rule_keys = pricing.reads_needed(ctx, skus)
    if not price_keys and not rule_keys:
        return {}, {}
    pool = _round()
    items = pool.submit(price_store.get_many, price_keys, consistent=True, attributes=price_store.LADDER_ATTRIBUTES)
    rules = pool.submit(reference.get_product_rules, rule_keys, consistent=True)
    return {pair: price_store.to_ladder(item) for pair, item in items.result().items()}, rules.result()
