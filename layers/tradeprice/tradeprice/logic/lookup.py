"""The lookup: gather one customer's context, read every needed price in one parallel round, price each line."""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from tradeprice.config import get_settings
from tradeprice.data import prices as price_store
from tradeprice.data import reference
from tradeprice.data.reference_cache import cached
from tradeprice.domain.models import BASE_GROUP, Customer, ProductRule, StoredLadder
from tradeprice.domain.types import utc_now
from tradeprice.errors import NotFound
from tradeprice.logic import pricing


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku: str
    qty: int
    tier_group: str | None = None


@dataclass(frozen=True, slots=True)
class LineAnswer:
    sku: str
    qty: int
    priced: pricing.PricedLine
    rule: pricing.MergedRule
    orderability: pricing.Orderability


@dataclass(frozen=True, slots=True)
class LookupAnswer:
    currency: str | None
    at: datetime
    customer_id: str | None
    lines: list[LineAnswer]


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
    settings = get_settings()
    at = at or utc_now()
    lists = cached("price-lists", "*", reference.all_price_lists)
    customer: Customer | None = None
    if customer_id is not None:
        customer = cached("customer", customer_id, lambda: reference.get_customer(customer_id))
        if customer is None:
            raise NotFound(f"customer '{customer_id}' does not exist", customer_id=customer_id)
        groups = cached("customer-groups", "*", reference.all_customer_groups)
        chain = pricing.group_chain(customer.group, groups)
        candidate_lists = pricing.candidate_slugs(customer, chain, groups)
    else:
        assert price_list is not None, "a lookup names a customer or a price list"
        if price_list not in lists:
            lists = reference.all_price_lists()  # a list created since the cache was filled
            if price_list not in lists:
                raise NotFound(f"price list '{price_list}' does not exist", price_list=price_list)
        chain, candidate_lists = (BASE_GROUP,), [price_list]

    ctx = pricing.build_context(
        customer=customer,
        candidate_lists=candidate_lists,
        lists=lists,
        chain=chain,
        at=at,
        currency=currency,
        strategy=settings.price_strategy,
    )
    skus = list(dict.fromkeys(line.sku for line in lines))
    stored, rules = _read_prices_and_rules(ctx, skus)

    tier_quantities: dict[str, int] = {}
    for line in lines:
        if line.tier_group is not None:
            tier_quantities[line.tier_group] = tier_quantities.get(line.tier_group, 0) + line.qty
    answers = []
    for line in lines:
        tier_qty = tier_quantities[line.tier_group] if line.tier_group is not None else line.qty
        priced = pricing.price_line(line.sku, line.qty, tier_qty, ctx, stored, explain=explain)
        rule = pricing.merge_rules(line.sku, chain, rules)
        answers.append(LineAnswer(line.sku, line.qty, priced, rule, pricing.check_quantity(line.qty, rule)))
    return LookupAnswer(currency=ctx.currency, at=at, customer_id=customer_id, lines=answers)


def _read_prices_and_rules(
    ctx: pricing.Context, skus: Sequence[str]
) -> tuple[dict[tuple[str, str], StoredLadder], dict[tuple[str, str], ProductRule]]:
    """One round trip: the price BatchGets and the rule BatchGets run side by side."""
    price_lists = pricing.derivation_closure([c.slug for c in ctx.usable], ctx.lists)
    price_keys = [(slug, sku) for slug in price_lists for sku in skus]
    rule_keys = [(group, sku) for group in ctx.group_chain for sku in skus]
    if ctx.refused or not skus:
        return {}, {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        items_future = pool.submit(price_store.get_many, price_keys)
        rules_future = pool.submit(reference.get_product_rules, rule_keys)
        items, rules = items_future.result(), rules_future.result()
    return {pair: price_store.to_ladder(item) for pair, item in items.items()}, rules
