"""Price resolution (PRODUCT.md §3) as pure functions: no I/O, so every rule is tested in isolation.

The caller gathers the customer context, the list definitions and the stored ladders; `price_line` answers one
cart line. docs/pricing-rules.md walks through each step with worked examples.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Literal

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.models import (
    BASE_GROUP,
    Customer,
    CustomerGroup,
    CustomerStatus,
    PriceList,
    ProductRule,
    Rounding,
    StoredLadder,
)

MAX_CHAIN_DEPTH = 5
"""How many derivation hops a list may be from the list that stores the prices (C from B from A is 2)."""

_ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "up": ROUND_UP, "down": ROUND_DOWN}
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


LadderSource = Mapping[tuple[str, str], StoredLadder]
"""Stored ladders by (price list slug, SKU)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A price list the customer may be priced from, and why it can or cannot be used at this lookup."""

    slug: str
    price_list: PriceList | None
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """Everything about the customer that does not depend on the line."""

    currency: str | None
    candidates: tuple[Candidate, ...]
    lists: Mapping[str, PriceList]
    """Every list definition reachable from the candidates, derivation sources included."""
    group_chain: tuple[str, ...] = (BASE_GROUP,)
    discount_percent: Decimal = Decimal(0)
    at: datetime | None = None
    strategy: Literal["first", "lowest"] = "first"
    refused: str | None = None
    """Set when the customer gets no trade price at all (inactive)."""

    @property
    def usable(self) -> tuple[Candidate, ...]:
        return tuple(candidate for candidate in self.candidates if candidate.skipped is None)


def group_chain(group_slug: str, groups: Mapping[str, CustomerGroup]) -> tuple[str, ...]:
    """The group, its parent, … up to base. A missing group ends the walk at base; a cycle cannot loop."""
    chain: list[str] = []
    slug: str | None = group_slug
    while slug is not None and slug not in chain:
        chain.append(slug)
        group = groups.get(slug)
        slug = group.parent if group is not None else (BASE_GROUP if slug != BASE_GROUP else None)
    if BASE_GROUP not in chain:
        chain.append(BASE_GROUP)
    return tuple(chain)


def candidate_slugs(customer: Customer | None, chain: Sequence[str], groups: Mapping[str, CustomerGroup]) -> list[str]:
    """The customer's own lists replace the group's; otherwise the first non-empty lists up the group chain."""
    if customer is not None and customer.price_lists:
        return list(customer.price_lists)
    for slug in chain:
        group = groups.get(slug)
        if group is not None and group.price_lists:
            return list(group.price_lists)
    return []


def derivation_closure(slugs: Sequence[str], lists: Mapping[str, PriceList]) -> list[str]:
    """The lists and every source they derive from (bounded by MAX_CHAIN_DEPTH), in discovery order."""
    seen: dict[str, None] = {}
    for slug in slugs:
        current: str | None = slug
        for _ in range(MAX_CHAIN_DEPTH + 1):
            if current is None or current in seen:
                break
            seen[current] = None
            definition = lists.get(current)
            current = definition.rules.source if definition is not None and definition.rules is not None else None
    return list(seen)


def build_context(
    *,
    customer: Customer | None,
    candidate_lists: Sequence[str],
    lists: Mapping[str, PriceList],
    chain: Sequence[str],
    at: datetime,
    currency: str | None,
    strategy: Literal["first", "lowest"],
) -> Context:
    """Filter the candidates by validity at `at` and by the lookup currency (explicit, customer's, first list's)."""
    dated: list[Candidate] = []
    for slug in candidate_lists:
        definition = lists.get(slug)
        if definition is None:
            dated.append(Candidate(slug, None, "unknown_list"))
        elif not definition.is_valid_at(at):
            dated.append(Candidate(slug, definition, "outside_validity"))
        else:
            dated.append(Candidate(slug, definition))
    lookup_currency = currency or (customer.currency if customer else None)
    if lookup_currency is None:
        lookup_currency = next((c.price_list.currency for c in dated if c.skipped is None and c.price_list), None)
    candidates = tuple(
        Candidate(c.slug, c.price_list, "other_currency")
        if c.skipped is None and c.price_list is not None and c.price_list.currency != lookup_currency
        else c
        for c in dated
    )
    refused = "customer_inactive" if customer is not None and customer.status is CustomerStatus.INACTIVE else None
    return Context(
        currency=lookup_currency,
        candidates=candidates,
        lists=lists,
        group_chain=tuple(chain),
        discount_percent=customer.discount_percent if customer else Decimal(0),
        at=at,
        strategy=strategy,
        refused=refused,
    )


@dataclass(frozen=True, slots=True)
class Ladder:
    """A list's effective ladder for a SKU: stored tiers times the derivation factor, and where it came from."""

    tiers: tuple[tuple[int, Decimal], ...]
    factor: Decimal
    via: tuple[str, ...]
    """The lists walked, from the candidate to the one that stores the price."""


def effective_ladder(slug: str, sku: str, ctx: Context, stored: LadderSource) -> Ladder | str:
    """The ladder `slug` prices `sku` with at ctx.at, or the reason it has none."""
    factor = _ONE
    via: list[str] = []
    current = slug
    assert ctx.at is not None
    while True:
        via.append(current)
        definition = ctx.lists.get(current)
        if definition is None:
            return "unknown_source" if len(via) > 1 else "unknown_list"
        if len(via) > 1 and not definition.is_valid_at(ctx.at):
            return "source_outside_validity"
        ladder = stored.get((current, sku))
        if ladder is not None and ladder.is_valid_at(ctx.at):
            return Ladder(ladder.tiers, factor, tuple(via))
        rules = definition.rules
        if rules is None:
            return "no_price" if ladder is None else "price_outside_validity"
        if len(via) > MAX_CHAIN_DEPTH:
            return "chain_too_deep"
        factor = factor * (_ONE + rules.adjustment_percent / _HUNDRED) * rules.fx_rate
        current = rules.source
        if current in via:
            return "rule_cycle"


def round_money(amount: Decimal, currency: str, rounding: Rounding | None) -> Decimal:
    mode = _ROUNDING_MODES[rounding.mode] if rounding else ROUND_HALF_UP
    if rounding is not None and rounding.increment is not None:
        steps = (amount / rounding.increment).quantize(_ONE, rounding=mode)
        return steps * rounding.increment
    minor = MINOR_UNITS.get(currency, 2)
    return amount.quantize(Decimal(1).scaleb(-minor), rounding=mode)


@dataclass(slots=True)
class PricedLine:
    """The answer for one line before product rules."""

    found: bool
    price_list: str | None = None
    currency: str | None = None
    tax_inclusive: bool | None = None
    unit_price: Decimal | None = None
    line_total: Decimal | None = None
    tier_min_qty: int | None = None
    tiers: list[tuple[int, Decimal]] = field(default_factory=list)
    next_tier: tuple[int, Decimal, int] | None = None
    """(min_qty, unit_price, add_qty) of the next cheaper tier."""
    reason: str | None = None
    explain: list[dict[str, object]] = field(default_factory=list)


def price_line(
    sku: str, qty: int, tier_qty: int, ctx: Context, stored: LadderSource, *, explain: bool = False
) -> PricedLine:
    """Price one line: first usable list with a price wins (or the lowest, by strategy); all-units tiers."""
    trail: list[dict[str, object]] = []
    if ctx.refused:
        return PricedLine(found=False, reason=ctx.refused)
    best: PricedLine | None = None
    for candidate in ctx.candidates:
        if candidate.skipped is not None:
            if explain:
                trail.append({"price_list": candidate.slug, "outcome": candidate.skipped})
            continue
        if best is not None and ctx.strategy == "first":
            if explain:
                trail.append({"price_list": candidate.slug, "outcome": "not_reached"})
            continue
        ladder = effective_ladder(candidate.slug, sku, ctx, stored)
        if isinstance(ladder, str):
            if explain:
                trail.append({"price_list": candidate.slug, "outcome": ladder})
            continue
        assert candidate.price_list is not None
        line = _apply(candidate.price_list, ladder, qty, tier_qty, ctx)
        if explain:
            trail.append(
                {
                    "price_list": candidate.slug,
                    "outcome": "priced",
                    "via": list(ladder.via),
                    "factor": str(ladder.factor),
                    "unit_price": str(line.unit_price),
                }
            )
        if best is None or (
            line.unit_price is not None and best.unit_price is not None and line.unit_price < best.unit_price
        ):
            best = line
    result = best or PricedLine(found=False, reason="no_price" if ctx.usable else "no_price_list")
    if explain:
        for entry in trail:
            if entry.get("outcome") == "priced":
                entry["outcome"] = "won" if entry["price_list"] == result.price_list else "higher_price"
        result.explain = trail
    return result


def _apply(price_list: PriceList, ladder: Ladder, qty: int, tier_qty: int, ctx: Context) -> PricedLine:
    rounding = price_list.rules.rounding if price_list.rules else None
    keep = (_ONE - ctx.discount_percent / _HUNDRED) * ladder.factor
    paid = [(min_qty, round_money(price * keep, price_list.currency, rounding)) for min_qty, price in ladder.tiers]
    index = 0
    for position, (min_qty, _) in enumerate(paid):
        if min_qty <= tier_qty:
            index = position
    tier_min_qty, unit_price = paid[index]
    next_tier = None
    if index + 1 < len(paid):
        next_min, next_price = paid[index + 1]
        next_tier = (next_min, next_price, next_min - tier_qty)
    return PricedLine(
        found=True,
        price_list=price_list.slug,
        currency=price_list.currency,
        tax_inclusive=price_list.tax_inclusive,
        unit_price=unit_price,
        line_total=unit_price * qty,
        tier_min_qty=tier_min_qty,
        tiers=paid,
        next_tier=next_tier,
    )


@dataclass(frozen=True, slots=True)
class MergedRule:
    """A SKU's product rule for a customer after field-by-field inheritance up the group chain."""

    pack_size: int | None = None
    min_qty: int | None = None
    max_qty: int | None = None
    sell: bool | None = None
    display: bool | None = None


_RULE_FIELDS = ("pack_size", "min_qty", "max_qty", "sell", "display")


def merge_rules(sku: str, chain: Sequence[str], rules: Mapping[tuple[str, str], ProductRule]) -> MergedRule:
    """Field by field: the nearest group in the chain that sets a field decides it."""
    merged: dict[str, int | bool] = {}
    for group in chain:
        rule = rules.get((group, sku))
        if rule is None:
            continue
        for name in _RULE_FIELDS:
            value = getattr(rule, name)
            if value is not None:
                merged.setdefault(name, value)
    return MergedRule(**merged)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Orderability:
    orderable: bool
    reasons: tuple[str, ...]
    suggested_qty: int | None


def check_quantity(qty: int, rule: MergedRule) -> Orderability:
    """Orderable when sell is not false, min_qty ≤ qty ≤ max_qty and qty is a multiple of pack_size."""
    pack = rule.pack_size or 1
    lowest = rule.min_qty or 1
    reasons = []
    if rule.sell is False:
        reasons.append("not_for_sale")
    if qty < lowest:
        reasons.append("below_min_qty")
    if rule.max_qty is not None and qty > rule.max_qty:
        reasons.append("above_max_qty")
    if qty % pack:
        reasons.append("not_a_pack_multiple")
    suggested = _suggest(qty, pack, lowest, rule.max_qty) if reasons and rule.sell is not False else None
    return Orderability(orderable=not reasons, reasons=tuple(reasons), suggested_qty=suggested)


def _suggest(qty: int, pack: int, lowest: int, highest: int | None) -> int | None:
    """The smallest orderable quantity ≥ qty, or the largest orderable one when qty is above max_qty."""
    up = -(-max(qty, lowest) // pack) * pack
    if highest is None or up <= highest:
        return up
    down = (highest // pack) * pack
    return down if down >= lowest else None
