"""Price resolution (docs/pricing-rules.md) as pure functions: no I/O, so every rule is tested in isolation.

The caller gathers the customer, the group and list definitions (`customer_context` / `list_context`), reads the
stored ladders and product rules that `reads_needed` names, and `price_cart` answers every line.
docs/pricing-rules.md walks through each step with worked examples.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from decimal import Context as DecimalContext
from typing import Literal

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.records import line_record, record
from tradeprice.domain.resolution import (
    BASE_GROUP,
    CustomerStatus,
    CustomerTerms,
    GroupDefinition,
    ListDefinition,
    RoundingTerms,
    RuleTerms,
    StoredLadder,
)

MAX_CHAIN_DEPTH = 5
"""How many derivation hops a list may be from the list that stores the prices (C from B from A is 2)."""

Strategy = Literal["first", "lowest"]

_ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "up": ROUND_UP, "down": ROUND_DOWN}
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
_QUANTUM_BY_MINOR_UNITS = {minor: _ONE.scaleb(-minor) for minor in set(MINOR_UNITS.values())}
_DEFAULT_QUANTUM = Decimal("0.01")

# Products of prices, percentages and FX rates along a 5-hop chain reach ~200 significant digits; the default
# 28-digit context would round them before the one rounding §3 allows, and could turn a just-below-half into a tie.
_EXACT = DecimalContext(prec=400)


LadderSource = Mapping[tuple[str, str], StoredLadder]
"""Stored ladders by (price list slug, SKU)."""

RuleSource = Mapping[tuple[str, str], RuleTerms]
"""Product rules by (customer group slug, SKU)."""


@record
class Candidate:
    """A price list the customer may be priced from, and why it cannot be used at this lookup (if it cannot)."""

    slug: str
    price_list: ListDefinition | None
    skipped: str | None = None


@record
class Context:
    """Everything about the lookup that does not depend on the line."""

    currency: str | None
    candidates: tuple[Candidate, ...]
    lists: Mapping[str, ListDefinition]
    """Every list definition known, so derivation sources can be followed."""
    at: datetime
    group_chain: tuple[str, ...] = (BASE_GROUP,)
    discount_percent: Decimal = Decimal(0)
    strategy: Strategy = "first"
    refused: str | None = None
    """Set when the customer gets no trade price at all (inactive)."""

    @property
    def usable(self) -> tuple[Candidate, ...]:
        return tuple(candidate for candidate in self.candidates if candidate.skipped is None)


# Step 1: candidate lists ------------------------------------------------------------------------------------------


def group_chain(group_slug: str, groups: Mapping[str, GroupDefinition]) -> tuple[str, ...]:
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


def candidate_slugs(
    customer: CustomerTerms | None,
    chain: Sequence[str],
    groups: Mapping[str, GroupDefinition],
    lists: Mapping[str, ListDefinition] | None = None,
    at: datetime | None = None,
) -> list[str]:
    """The customer's own lists replace the group's; otherwise the lists of the first group up the chain that has
    one valid at `at` (given `lists` and `at`): a group whose lists have all expired, or have not started yet,
    falls back to its parent's."""
    if customer is not None and customer.price_lists:
        return list(dict.fromkeys(customer.price_lists))
    for slug in chain:
        group = groups.get(slug)
        if group is None or not group.price_lists:
            continue
        if lists is None or at is None or any(_valid(lists.get(name), at) for name in group.price_lists):
            return list(group.price_lists)
    return []


def _valid(definition: ListDefinition | None, at: datetime) -> bool:
    return definition is not None and definition.is_valid_at(at)


def derivation_closure(slugs: Sequence[str], lists: Mapping[str, ListDefinition]) -> list[str]:
    """The lists and every source they derive from (up to MAX_CHAIN_DEPTH hops each), in discovery order."""
    closure: dict[str, None] = {}
    for slug in slugs:
        # Each candidate walks its whole chain: stopping at a list another walk already reached would miss that
        # list's sources when the other walk had used up its depth there.
        walked: set[str] = set()
        current: str | None = slug
        for _ in range(MAX_CHAIN_DEPTH + 1):
            if current is None or current in walked:
                break
            walked.add(current)
            closure[current] = None
            definition = lists.get(current)
            current = definition.rules.source if definition is not None and definition.rules is not None else None
    return list(closure)


def build_context(
    *,
    customer: CustomerTerms | None,
    candidate_lists: Sequence[str],
    lists: Mapping[str, ListDefinition],
    chain: Sequence[str],
    at: datetime,
    currency: str | None,
    strategy: Strategy,
) -> Context:
    """Filter the candidates by validity at `at`, then by the lookup currency (explicit, customer's, first list's).

    "First list's" is the first candidate still valid at `at`: a list that is skipped anyway cannot set it.
    """
    dated: list[Candidate] = []
    for slug in candidate_lists:
        definition = lists.get(slug)
        if definition is None:
            dated.append(Candidate(slug, None, "unknown_list"))
        elif not definition.is_valid_at(at):
            dated.append(Candidate(slug, definition, "outside_validity"))
        else:
            dated.append(Candidate(slug, definition))
    lookup_currency = currency or (customer.currency if customer is not None else None)
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
        at=at,
        group_chain=tuple(chain),
        discount_percent=customer.discount_percent if customer is not None else Decimal(0),
        strategy=strategy,
        refused=refused,
    )


def customer_context(
    customer: CustomerTerms,
    groups: Mapping[str, GroupDefinition],
    lists: Mapping[str, ListDefinition],
    *,
    at: datetime,
    currency: str | None = None,
    strategy: Strategy = "first",
) -> Context:
    """The context of a lookup for a customer: their lists (or their group chain's) and their discount."""
    chain = group_chain(customer.group, groups)
    return build_context(
        customer=customer,
        candidate_lists=candidate_slugs(customer, chain, groups, lists, at),
        lists=lists,
        chain=chain,
        at=at,
        currency=currency,
        strategy=strategy,
    )


def list_context(
    slug: str,
    lists: Mapping[str, ListDefinition],
    *,
    at: datetime,
    currency: str | None = None,
    strategy: Strategy = "first",
) -> Context:
    """The context of a lookup straight against one list: no customer, no discount, the base group's rules."""
    return build_context(
        customer=None,
        candidate_lists=[slug],
        lists=lists,
        chain=(BASE_GROUP,),
        at=at,
        currency=currency,
        strategy=strategy,
    )


def reads_needed(ctx: Context, skus: Sequence[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (list, sku) prices and (group, sku) rules a cart needs: all known up front, so one round reads them."""
    if not skus:
        return [], []
    rule_keys = [(group, sku) for group in ctx.group_chain for sku in skus]
    if ctx.refused:
        return [], rule_keys
    price_lists = derivation_closure([candidate.slug for candidate in ctx.usable], ctx.lists)
    return [(slug, sku) for slug in price_lists for sku in skus], rule_keys


# Steps 2–5: the price -----------------------------------------------------------------------------------------------


@line_record
class Ladder:
    """A list's effective ladder for a SKU: stored tiers times the derivation factor, and where it came from."""

    tiers: tuple[tuple[int, Decimal], ...]
    factor: Decimal
    via: tuple[str, ...]
    """The lists walked, from the candidate to the one that stores the price."""

    @property
    def derived(self) -> bool:
        return len(self.via) > 1


def effective_ladder(slug: str, sku: str, ctx: Context, stored: LadderSource) -> Ladder | str:
    """The ladder `slug` prices `sku` with at ctx.at, or the reason it has none.

    A price stored on a list (and valid at `at`) overrides the list's rule for that SKU; otherwise the rule derives
    the ladder from its source, whose own stored price or rule decides in turn.
    """
    factor = _ONE
    via: list[str] = []
    current = slug
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
        adjusted = _EXACT.multiply(factor, _ONE + rules.adjustment_percent / _HUNDRED)
        factor = _EXACT.multiply(adjusted, rules.fx_rate or _ONE)
        current = rules.source
        if current in via:
            return "rule_cycle"


def round_money(amount: Decimal, currency: str, rounding: RoundingTerms | None) -> Decimal:
    """Half-up to the currency's minor units, or by the list's rounding rule (mode, and increment when set)."""
    mode = _ROUNDING_MODES[rounding.mode] if rounding is not None else ROUND_HALF_UP
    minor = MINOR_UNITS.get(currency)
    quantum = _DEFAULT_QUANTUM if minor is None else _QUANTUM_BY_MINOR_UNITS[minor]
    if rounding is None or rounding.increment is None:
        return amount.quantize(quantum, rounding=mode)
    steps = _EXACT.divide(amount, rounding.increment).quantize(_ONE, rounding=mode)
    rounded = steps * rounding.increment
    # Written with the currency's decimals (5 × 0.5 is "2.50", not "2.5") unless the increment is finer.
    as_currency = rounded.quantize(quantum)
    return as_currency if as_currency == rounded else rounded


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
    """(min_qty, unit_price, add_qty) of the next tier that is cheaper than the one paid."""
    reason: str | None = None
    explain: list[dict[str, object]] = field(default_factory=list)


def price_line(
    sku: str, qty: int, tier_qty: int, ctx: Context, stored: LadderSource, *, explain: bool = False
) -> PricedLine:
    """Price one line: the first usable list with a price wins (or the lowest, by strategy); all-units tiers."""
    if ctx.refused:
        return PricedLine(found=False, reason=ctx.refused)
    trail: list[dict[str, object]] = []
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
            trail.append(_priced_step(candidate.slug, ladder, line, ctx))
        # Ties keep the earlier list, so `lowest` still honours the candidates' order.
        if best is None or _cheaper(line, best):
            best = line
    result = best or PricedLine(found=False, reason="no_price" if ctx.usable else "no_price_list")
    if explain:
        for entry in trail:
            if entry["outcome"] == "priced":
                entry["outcome"] = _verdict(entry, result)
        result.explain = trail
    return result


def _cheaper(line: PricedLine, best: PricedLine) -> bool:
    return line.unit_price is not None and best.unit_price is not None and line.unit_price < best.unit_price


def _verdict(entry: dict[str, object], winner: PricedLine) -> str:
    if entry["price_list"] == winner.price_list:
        return "won"
    return "equal_price" if Decimal(str(entry["unit_price"])) == winner.unit_price else "higher_price"


def _priced_step(slug: str, ladder: Ladder, line: PricedLine, ctx: Context) -> dict[str, object]:
    """The explain trail's step for a list that priced the line: the tier chosen, its price on the list (before
    derivation), the factor and the customer's discount applied to it, and the exact amount before rounding."""
    list_price = dict(ladder.tiers)[line.tier_min_qty] if line.tier_min_qty is not None else None
    exact = (
        _EXACT.multiply(list_price, _EXACT.multiply(_ONE - ctx.discount_percent / _HUNDRED, ladder.factor))
        if list_price is not None
        else None
    )
    return {
        "price_list": slug,
        "outcome": "priced",
        "via": list(ladder.via),
        "factor": str(ladder.factor),
        "tier_min_qty": line.tier_min_qty,
        "list_price": None if list_price is None else str(list_price),
        "discount_percent": str(ctx.discount_percent),
        "unrounded": None if exact is None else str(exact.normalize()),
        "unit_price": str(line.unit_price),
    }


def _apply(price_list: ListDefinition, ladder: Ladder, qty: int, tier_qty: int, ctx: Context) -> PricedLine:
    # The list's rounding rule is part of its derivation rule, so a stored price (which overrides the rule for
    # its SKU) is rounded to the currency only. Along a chain only the answering list's rule rounds, once.
    rounding = price_list.rules.rounding if ladder.derived and price_list.rules is not None else None
    keep = _EXACT.multiply(_ONE - ctx.discount_percent / _HUNDRED, ladder.factor)
    currency = price_list.currency
    paid = [(min_qty, round_money(_EXACT.multiply(price, keep), currency, rounding)) for min_qty, price in ladder.tiers]
    index = 0
    for position, (min_qty, _) in enumerate(paid):
        if min_qty > tier_qty:
            break
        index = position
    tier_min_qty, unit_price = paid[index]
    next_tier = next(
        ((min_qty, price, min_qty - tier_qty) for min_qty, price in paid[index + 1 :] if price < unit_price), None
    )
    return PricedLine(
        found=True,
        price_list=price_list.slug,
        currency=currency,
        tax_inclusive=price_list.tax_inclusive,
        unit_price=unit_price,
        line_total=_EXACT.multiply(unit_price, Decimal(qty)),
        tier_min_qty=tier_min_qty,
        tiers=paid,
        next_tier=next_tier,
    )


# Step 6: product rules ----------------------------------------------------------------------------------------------


@line_record
class MergedRule:
    """A SKU's product rule for a customer after field-by-field inheritance up the group chain."""

    pack_size: int | None = None
    min_qty: int | None = None
    max_qty: int | None = None
    sell: bool | None = None
    display: bool | None = None


_RULE_FIELDS = ("pack_size", "min_qty", "max_qty", "sell", "display")
_NO_RULE = MergedRule()


def merge_rules(sku: str, chain: Sequence[str], rules: RuleSource) -> MergedRule:
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
    return MergedRule(**merged) if merged else _NO_RULE  # type: ignore[arg-type]


@line_record
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
    """The smallest orderable quantity ≥ qty; when none exists (max_qty is in the way), the largest orderable one."""
    up = -(-max(qty, lowest) // pack) * pack
    if highest is None or up <= highest:
        return up
    down = (highest // pack) * pack
    return down if down >= lowest else None


# The cart -----------------------------------------------------------------------------------------------------------


@line_record
class LineRequest:
    sku: str
    qty: int
    tier_group: str | None = None


@line_record
class LineAnswer:
    sku: str
    qty: int
    priced: PricedLine
    rule: MergedRule
    orderability: Orderability


def price_cart(
    lines: Sequence[LineRequest],
    ctx: Context,
    stored: LadderSource,
    rules: RuleSource,
    *,
    explain: bool = False,
) -> list[LineAnswer]:
    """Answer every line; lines sharing a `tier_group` reach their tier with the group's summed quantity."""
    group_quantities: dict[str, int] = {}
    for line in lines:
        if line.tier_group is not None:
            group_quantities[line.tier_group] = group_quantities.get(line.tier_group, 0) + line.qty
    answers = []
    for line in lines:
        tier_qty = group_quantities[line.tier_group] if line.tier_group is not None else line.qty
        priced = price_line(line.sku, line.qty, tier_qty, ctx, stored, explain=explain)
        rule = merge_rules(line.sku, ctx.group_chain, rules)
        # An inactive customer may order nothing (the line says so), whatever the product rules allow.
        check = Orderability(False, (ctx.refused,), None) if ctx.refused else check_quantity(line.qty, rule)
        answers.append(LineAnswer(line.sku, line.qty, priced, rule, check))
    return answers
