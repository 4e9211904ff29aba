"""docs/pricing-rules.md, case by case: one shared catalogue, then a table of hand-computed lookups against it.

Each row is: who asks (a customer below), which lines, when / in which currency / by which strategy, and what
the line must answer. Only the fields a row names are checked. The arithmetic is in each row's comment, worked by
hand, never copied from the code's output.

The rows run the same pure pipeline as the lookup (customer_context → reads_needed → price_cart), and the
stored data is filtered to what `reads_needed` asked for, so a row also fails if the lookup would not read a
price it needs (a derivation source, say).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule, StoredLadder
from tradeprice.logic import pricing

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
BEFORE = NOW - timedelta(microseconds=1)
MIDNIGHT = datetime(2026, 11, 27, tzinfo=UTC)
JUST_BEFORE_MIDNIGHT = MIDNIGHT - timedelta(microseconds=1)


# The catalogue ------------------------------------------------------------------------------------------------------


def _list(slug: str, currency: str = "GBP", **fields: Any) -> PriceList:
    return PriceList.model_validate({"slug": slug, "name": slug.title(), "currency": currency, **fields})


def _derived(slug: str, source: str, currency: str = "GBP", **rule: Any) -> PriceList:
    return _list(slug, currency, rules={"source": source, **rule})


LISTS = {
    price_list.slug: price_list
    for price_list in [
        _list("retail"),
        _list("trade"),
        _list("promo", valid_from=NOW, valid_until=MIDNIGHT),  # a window starting exactly at NOW
        _list("expired", valid_until=NOW),  # a window ending exactly at NOW
        _list("usd-future", "USD", valid_from=MIDNIGHT),
        _list("retail-usd", "USD"),
        _derived("trade-eur", "trade", "EUR", adjustment_percent="-5", fx_rate="1.17"),  # × 1.1115
        _derived("trade-plus", "trade", adjustment_percent="10"),  # × 1.10
        _derived("nickel-up", "trade", adjustment_percent="5", rounding={"increment": "0.05", "mode": "half_up"}),
        _derived("nickel-even", "trade", adjustment_percent="5", rounding={"increment": "0.05", "mode": "half_even"}),
        _derived("trade-down", "trade", adjustment_percent="-3", rounding={"mode": "down"}),  # × 0.97
        _list("chain-a"),
        # B's own rounding (whole units, up) must not apply when C, derived from B, answers: rounding is once.
        _derived("chain-b", "chain-a", adjustment_percent="20", rounding={"increment": "1", "mode": "up"}),
        _derived("chain-c", "chain-b", "USD", adjustment_percent="-10", fx_rate="1.25"),  # 1.2 × 0.9 × 1.25 = 1.35
        _derived("trade-jpy", "trade", "JPY", fx_rate="187.3"),
        _derived("trade-kwd", "trade", "KWD", fx_rate="0.3837"),
    ]
}


def _ladder(*tiers: tuple[int, str], valid_from: datetime | None = None, valid_until: datetime | None = None):
    return StoredLadder(tuple((qty, Decimal(price)) for qty, price in tiers), valid_from, valid_until)


LADDERS = {
    ("trade", "BOLT-M8"): _ladder((1, "0.50"), (100, "0.45"), (1000, "0.40")),
    ("trade", "BOLT-M10"): _ladder((1, "0.65"), (100, "0.60")),
    ("trade", "DRILL-18V"): _ladder((1, "33.61"), (5, "32.00")),
    ("trade", "NUT-M8"): _ladder((1, "0.12"), (500, "0.10")),
    ("trade", "WASHER-M8"): _ladder((1, "0.05")),
    ("trade", "PIN"): _ladder((1, "0.101"), (10, "0.099"), (50, "0.090")),  # more decimals than GBP has
    ("trade", "SEASONAL"): _ladder((1, "5.00"), valid_from=NOW),
    ("trade", "ENDED"): _ladder((1, "8.00"), valid_until=NOW),
    ("retail", "BOLT-M8"): _ladder((1, "0.60")),
    ("retail", "BOLT-M10"): _ladder((1, "0.62")),
    ("retail", "GLOVES-L"): _ladder((1, "4.20")),
    ("retail", "ENDED"): _ladder((1, "9.99")),
    ("promo", "BOLT-M8"): _ladder((1, "0.30")),
    ("expired", "BOLT-M8"): _ladder((1, "0.20")),
    ("usd-future", "BOLT-M8"): _ladder((1, "0.55")),
    ("retail-usd", "BOLT-M8"): _ladder((1, "0.75")),
    ("trade-plus", "DRILL-18V"): _ladder((1, "30.00")),  # a stored price overriding the list's +10 % rule
    ("nickel-up", "NUT-M8"): _ladder((1, "0.12")),  # ... and the rule's rounding with it
    ("chain-a", "WIDGET"): _ladder((1, "10.00"), (10, "9.00")),
    ("chain-a", "GADGET"): _ladder((1, "3.21")),
    ("chain-a", "WIDGET-2"): _ladder((1, "5.00")),
    ("chain-b", "WIDGET-2"): _ladder((1, "20.00")),  # the middle of the chain stores its own price
}


def _group(slug: str, *price_lists: str, parent: str | None = "base") -> CustomerGroup:
    return CustomerGroup(slug=slug, name=slug.title(), parent=parent, price_lists=list(price_lists))


GROUPS = {
    group.slug: group
    for group in [
        _group("base", "retail", parent=None),
        _group("trade", "trade"),
        _group("gold", parent="trade"),  # no lists: inherits trade's
        _group("platinum", parent="gold"),  # no lists two levels up: still trade's
        _group("eu", "trade-eur"),
        _group("multi", "promo", "trade", "retail"),
        _group("lapsed", "expired", "trade"),
        _group("mixed", "retail-usd", "trade"),
        _group("future-usd", "usd-future", "trade"),
        _group("retail-first", "retail", "trade"),
        _group("plus", "trade-plus"),
        _group("nickel-up", "nickel-up"),
        _group("nickel-even", "nickel-even"),
        _group("down", "trade-down"),
        _group("chain", "chain-c"),
        _group("jp", "trade-jpy"),
        _group("kw", "trade-kwd"),
    ]
}


def _customer(customer_id: str, group: str, **fields: Any) -> Customer:
    email = f"{customer_id.lower()}@example.com"
    return Customer.model_validate({"id": customer_id, "email": email, "group": group, **fields})


CUSTOMERS = {
    customer.id: customer
    for customer in [
        _customer("C-BASE", "base"),
        _customer("C-TRADE", "trade"),
        _customer("C-GOLD", "gold"),
        _customer("C-PLAT", "platinum"),
        _customer("C-OWN", "trade", price_lists=["retail"]),
        _customer("C-MULTI", "multi"),
        _customer("C-LAPSED", "lapsed"),
        _customer("C-MIXED", "mixed"),
        _customer("C-MIXED-GBP", "mixed", currency="GBP"),
        _customer("C-FUTURE-USD", "future-usd"),
        _customer("C-RETAIL-FIRST", "retail-first"),
        _customer("C-EUR", "eu"),
        _customer("C-PLUS", "plus"),
        _customer("C-PLUS-DISC", "plus", discount_percent="10"),
        _customer("C-NICKEL-UP", "nickel-up"),
        _customer("C-NICKEL-EVEN", "nickel-even"),
        _customer("C-DOWN", "down"),
        _customer("C-CHAIN", "chain"),
        _customer("C-JPY", "jp"),
        _customer("C-JPY-DISC", "jp", discount_percent="7.5"),
        _customer("C-KWD", "kw"),
        _customer("C-DISC10", "trade", discount_percent="10"),
        _customer("C-DISC2.5", "trade", discount_percent="2.5"),
        _customer("C-INACTIVE", "trade", status="inactive"),
    ]
}


def _rule(group: str, sku: str, **fields: Any) -> tuple[tuple[str, str], ProductRule]:
    return (group, sku), ProductRule.model_validate({"group": group, "sku": sku, **fields})


RULES = dict(
    [
        _rule("base", "BOLT-M8", pack_size=25, max_qty=5000),
        _rule("trade", "BOLT-M8", min_qty=100),
        _rule("gold", "BOLT-M8", pack_size=50),
        _rule("base", "DRILL-18V", max_qty=10),
        _rule("base", "GLOVES-L", sell=False),
        _rule("trade", "GLOVES-L", sell=True),
        _rule("base", "NUT-M8", pack_size=100, min_qty=250),
        _rule("base", "WASHER-M8", pack_size=40, max_qty=100),
    ]
)


# The table --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    why: str
    customer: str
    lines: list[tuple[Any, ...]]
    expect: dict[str, Any]
    at: datetime = NOW
    currency: str | None = None
    strategy: pricing.Strategy = "first"
    line: int = 0
    """Which line's answer `expect` describes."""


def case(why: str, customer: str, lines: list[tuple[Any, ...]], /, **expect: Any) -> Any:
    options = {name: expect.pop(name) for name in ("at", "currency", "strategy", "line") if name in expect}
    return pytest.param(Case(why, customer, lines, expect, **options), id=why)


# Rows are laid out by hand (who, lines / what they must answer), so the formatter leaves the table alone.
# fmt: off
CASES = [
    # Candidate lists: group → parent → base; the customer's own lists replace the group's.
    case("base group prices from retail", "C-BASE", [("BOLT-M8", 1)], list="retail", unit="0.60", total="0.60", tier=1),
    case(
        "trade group, all-units tier 100 for the whole line",  # 150 × 0.45 = 67.50; 850 more reach 1000
        "C-TRADE", [("BOLT-M8", 150)],
        list="trade", unit="0.45", total="67.50", tier=100, next_tier=(1000, "0.40", 850),
    ),
    case("group with no lists inherits its parent's", "C-GOLD", [("BOLT-M8", 150)], list="trade", unit="0.45"),
    case(
        "inheritance walks two levels up; top tier has no next tier",  # 1000 × 0.40
        "C-PLAT", [("BOLT-M8", 1000)],
        list="trade", unit="0.40", total="400.00", tier=1000, next_tier=None,
    ),
    case("customer lists replace the group's", "C-OWN", [("BOLT-M8", 150)], list="retail", unit="0.60", total="90.00"),
    case(
        "replaced group lists are not a fallback", "C-OWN", [("DRILL-18V", 1)], found=False, reason="no_price"
    ),
    case(
        "a non-empty group list set stops the walk (base's retail is not consulted)",
        "C-TRADE", [("GLOVES-L", 1)], found=False, reason="no_price",
    ),
    # Validity of lists: valid_from inclusive, valid_until exclusive, at the exact instant.
    case("list valid from exactly now is used", "C-MULTI", [("BOLT-M8", 1)], list="promo", unit="0.30"),
    case("list 1 µs before valid_from is skipped", "C-MULTI", [("BOLT-M8", 1)], at=BEFORE, list="trade", unit="0.50"),
    case("list at valid_until is skipped", "C-MULTI", [("BOLT-M8", 1)], at=MIDNIGHT, list="trade", unit="0.50"),
    case(
        "list 1 µs before valid_until is used",
        "C-MULTI", [("BOLT-M8", 1)], at=JUST_BEFORE_MIDNIGHT, list="promo", unit="0.30",
    ),
    case("expired list (until = now) falls through", "C-LAPSED", [("BOLT-M8", 1)], list="trade", unit="0.50"),
    case("expired list still valid 1 µs earlier", "C-LAPSED", [("BOLT-M8", 1)], at=BEFORE, list="expired", unit="0.20"),
    # Validity of prices.
    case("price valid from exactly now is used", "C-TRADE", [("SEASONAL", 1)], list="trade", unit="5.00"),
    case(
        "price 1 µs before its valid_from is not found",
        "C-TRADE", [("SEASONAL", 1)], at=BEFORE, found=False, reason="no_price",
    ),
    case(
        "price at its valid_until falls through to the next list",  # promo: none; trade: ended; retail: 9.99
        "C-MULTI", [("ENDED", 1)], list="retail", unit="9.99",
    ),
    case("price 1 µs before its valid_until is used", "C-MULTI", [("ENDED", 1)], at=BEFORE, list="trade", unit="8.00"),
    # The lookup currency: explicit, else the customer's, else the first (valid) candidate's.
    case(
        "first candidate's currency (USD) when none is given",
        "C-MIXED", [("BOLT-M8", 1)], list="retail-usd", currency_is="USD", unit="0.75",
    ),
    case(
        "lists in another currency are skipped (trade is GBP)",
        "C-MIXED", [("NUT-M8", 1)], found=False, reason="no_price",
    ),
    case(
        "customer's currency skips the USD list",
        "C-MIXED-GBP", [("NUT-M8", 1)], list="trade", currency_is="GBP", unit="0.12",
    ),
    case(
        "explicit currency beats the first candidate's",
        "C-MIXED", [("BOLT-M8", 1)], currency="GBP", list="trade", currency_is="GBP", unit="0.50",
    ),
    case(
        "explicit currency beats the customer's",
        "C-MIXED-GBP", [("BOLT-M8", 1)], currency="USD", list="retail-usd", currency_is="USD", unit="0.75",
    ),
    case(
        "no list in the asked currency",
        "C-TRADE", [("BOLT-M8", 1)], currency="EUR", found=False, reason="no_price_list",
    ),
    case(
        "a list outside its window does not set the currency",
        "C-FUTURE-USD", [("BOLT-M8", 1)], list="trade", currency_is="GBP", unit="0.50",
    ),
    case(
        "once valid, it does (and GBP trade is skipped)",
        "C-FUTURE-USD", [("BOLT-M8", 1)], at=MIDNIGHT, list="usd-future", currency_is="USD", unit="0.55",
    ),
    # First list wins, or the lowest by strategy.
    case(
        "first list with a price wins, even if dearer",
        "C-RETAIL-FIRST", [("BOLT-M8", 1)], list="retail", unit="0.60",
    ),
    case(
        "lowest: trade 0.50 beats retail 0.60",
        "C-RETAIL-FIRST", [("BOLT-M8", 1)], strategy="lowest", list="trade", unit="0.50",
    ),
    case(
        "lowest at qty 1: retail 0.62 beats trade 0.65",
        "C-RETAIL-FIRST", [("BOLT-M10", 1)], strategy="lowest", list="retail", unit="0.62",
    ),
    case(
        "lowest at qty 100: trade's tier 0.60 beats retail 0.62",
        "C-RETAIL-FIRST", [("BOLT-M10", 100)], strategy="lowest", list="trade", unit="0.60", total="60.00",
    ),
    case(
        "stored decimals beyond the currency round; the next tier is the next cheaper one (10+ pays 0.10 too)",
        "C-TRADE", [("PIN", 1)],
        unit="0.10", tiers=[(1, "0.10"), (10, "0.10"), (50, "0.09")], next_tier=(50, "0.09", 49),
    ),
    case(
        "first list without the SKU passes to the next",
        "C-RETAIL-FIRST", [("DRILL-18V", 1)], list="trade", unit="33.61",
    ),
    # Derived lists: ± %, FX, overrides, list rounding.
    case(
        "−5 % and FX 1.17: 0.50 × 0.95 × 1.17 = 0.55575 → 0.56",
        "C-EUR", [("BOLT-M8", 1)], list="trade-eur", currency_is="EUR", unit="0.56", total="0.56",
    ),
    case(
        "derived ladder: 0.45 × 1.1115 = 0.500175 → 0.50; next 0.40 × 1.1115 = 0.4446 → 0.44",
        "C-EUR", [("BOLT-M8", 150)], unit="0.50", total="75.00", tier=100, next_tier=(1000, "0.44", 850),
    ),
    case("+10 %: 0.50 × 1.10 = 0.55", "C-PLUS", [("BOLT-M8", 1)], list="trade-plus", unit="0.55"),
    case(
        "stored price overrides the rule (not 33.61 × 1.1 = 36.97)", "C-PLUS", [("DRILL-18V", 1)], unit="30.00"
    ),
    case(
        "stored ladder replaces the source's tiers too (no 5+ tier)",
        "C-PLUS", [("DRILL-18V", 5)], unit="30.00", tier=1, total="150.00", next_tier=None,
    ),
    case(
        "increment 0.05 half-up: 0.525 / 0.05 = 10.5 → 11 → 0.55",
        "C-NICKEL-UP", [("BOLT-M8", 1)], list="nickel-up", unit="0.55",
    ),
    case("increment 0.05 half-even: 10.5 → 10 → 0.50", "C-NICKEL-EVEN", [("BOLT-M8", 1)], unit="0.50"),
    case(
        "increment 0.05: 33.61 × 1.05 = 35.2905; / 0.05 = 705.81 → 706 → 35.30",
        "C-NICKEL-UP", [("DRILL-18V", 1)], unit="35.30",
    ),
    case(
        "a stored price on a rounded list keeps its own value (not 0.10 or 0.15)",
        "C-NICKEL-UP", [("NUT-M8", 1)], unit="0.12",
    ),
    case("mode down: 33.61 × 0.97 = 32.6017 → 32.60", "C-DOWN", [("DRILL-18V", 1)], list="trade-down", unit="32.60"),
    case("mode down: 0.50 × 0.97 = 0.485 → 0.48 (half-up would be 0.49)", "C-DOWN", [("BOLT-M8", 1)], unit="0.48"),
    case(
        "chain C←B←A: 10.00 × 1.2 × 0.9 × 1.25 = 13.50 USD",
        "C-CHAIN", [("WIDGET", 1)], list="chain-c", currency_is="USD", unit="13.50",
    ),
    case(
        "chain keeps A's ladder: 9.00 × 1.35 = 12.15, × 10 = 121.50",
        "C-CHAIN", [("WIDGET", 10)], unit="12.15", tier=10, total="121.50",
    ),
    case(
        "B's stored price overrides B's rule; C derives from it: 20.00 × 0.9 × 1.25 = 22.50",
        "C-CHAIN", [("WIDGET-2", 1)], unit="22.50",
    ),
    case(
        "only the answering list rounds: 3.21 × 1.35 = 4.3335 → 4.33 (B's round-up would give 4.50)",
        "C-CHAIN", [("GADGET", 1)], unit="4.33",
    ),
    # Currencies with 0 and 3 minor units.
    case(
        "JPY, 0 decimals: 0.50 × 187.3 = 93.65 → 94",
        "C-JPY", [("BOLT-M8", 1)], currency_is="JPY", unit="94", total="94",
    ),
    case("JPY tier: 0.45 × 187.3 = 84.285 → 84; × 150 = 12600", "C-JPY", [("BOLT-M8", 150)], unit="84", total="12600"),
    case("JPY: 33.61 × 187.3 = 6295.153 → 6295; × 2", "C-JPY", [("DRILL-18V", 2)], unit="6295", total="12590"),
    case(
        "KWD, 3 decimals: 0.50 × 0.3837 = 0.19185 → 0.192",
        "C-KWD", [("BOLT-M8", 1)], currency_is="KWD", unit="0.192", total="0.192",
    ),
    case(
        "KWD: 33.61 × 0.3837 = 12.896157 → 12.896; × 3 = 38.688",
        "C-KWD", [("DRILL-18V", 3)], unit="12.896", total="38.688",
    ),
    # Customer discount on the tier price, rounded once at the end.
    case("10 % off tier 100: 0.45 × 0.9 = 0.405 → 0.41", "C-DISC10", [("BOLT-M8", 150)], unit="0.41", total="61.50"),
    case("2.5 % off: 0.45 × 0.975 = 0.43875 → 0.44", "C-DISC2.5", [("BOLT-M8", 100)], unit="0.44", total="44.00"),
    case(
        "derivation and discount round once: 0.65 × 1.1 × 0.9 = 0.6435 → 0.64 (not 0.72 × 0.9 → 0.65)",
        "C-PLUS-DISC", [("BOLT-M10", 1)], unit="0.64",
    ),
    case(
        "the ladder is shown as this customer pays it, next tier included",
        "C-DISC10", [("BOLT-M8", 1)],
        tiers=[(1, "0.45"), (100, "0.41"), (1000, "0.36")], next_tier=(100, "0.41", 99),
    ),
    case("JPY with 7.5 % off: 0.50 × 187.3 × 0.925 = 86.62625 → 87", "C-JPY-DISC", [("BOLT-M8", 1)], unit="87"),
    # tier_group: quantities of lines sharing a group are summed to reach a tier.
    case(
        "60 + 40 in one tier group reach the 100 tier",
        "C-TRADE", [("BOLT-M8", 60, "bolts"), ("BOLT-M10", 40, "bolts")],
        unit="0.45", total="27.00", tier=100, next_tier=(1000, "0.40", 900),
    ),
    case(
        "... for every line of the group",
        "C-TRADE", [("BOLT-M8", 60, "bolts"), ("BOLT-M10", 40, "bolts")], line=1, unit="0.60", total="24.00", tier=100,
    ),
    case(
        "60 + 39 = 99 stays on tier 1; one more reaches 100",
        "C-TRADE", [("BOLT-M8", 60, "bolts"), ("BOLT-M10", 39, "bolts")],
        unit="0.50", total="30.00", next_tier=(100, "0.45", 1),
    ),
    case(
        "a line outside the group keeps its own quantity",
        "C-TRADE", [("BOLT-M8", 60), ("BOLT-M10", 40, "bolts")], unit="0.50", tier=1,
    ),
    case(
        "tier group, then discount: 96 + 24 = 120 → 0.45 × 0.9 = 0.405 → 0.41; × 96 = 39.36",
        "C-DISC10", [("BOLT-M8", 96, "bolts"), ("BOLT-M10", 24, "bolts")], unit="0.41", total="39.36",
    ),
    case(
        "... and 0.60 × 0.9 = 0.54; × 24 = 12.96",
        "C-DISC10", [("BOLT-M8", 96, "bolts"), ("BOLT-M10", 24, "bolts")], line=1, unit="0.54", total="12.96",
    ),
    # Inactive customers.
    case(
        "inactive customer gets no trade price",
        "C-INACTIVE", [("BOLT-M8", 150)], found=False, reason="customer_inactive", unit=None, total=None,
    ),
    # Product rules: field-by-field inheritance, orderability and suggested quantities.
    case(
        "base pack of 25: 30 → 50",
        "C-BASE", [("BOLT-M8", 30)],
        pack=25, min=None, max=5000, orderable=False, because=("not_a_pack_multiple",), suggested=50,
    ),
    case(
        "trade sets min 100, inherits pack 25 and max 5000 from base: 30 → 100",
        "C-TRADE", [("BOLT-M8", 30)],
        pack=25, min=100, max=5000, orderable=False, because=("below_min_qty", "not_a_pack_multiple"), suggested=100,
    ),
    case("150 is a multiple of 25 above 100: orderable", "C-TRADE", [("BOLT-M8", 150)], orderable=True, suggested=None),
    case(
        "gold overrides pack to 50, keeps trade's min and base's max: 125 → 150",
        "C-GOLD", [("BOLT-M8", 125)],
        pack=50, min=100, max=5000, orderable=False, because=("not_a_pack_multiple",), suggested=150,
    ),
    case(
        "above max and off-pack: the largest orderable, 5000",
        "C-TRADE", [("BOLT-M8", 5010)], because=("above_max_qty", "not_a_pack_multiple"), suggested=5000,
    ),
    case(
        "above max on a pack multiple: 5025 → 5000",
        "C-TRADE", [("BOLT-M8", 5025)], because=("above_max_qty",), suggested=5000,
    ),
    case(
        "sell=false: priced but not orderable, nothing to suggest",
        "C-BASE", [("GLOVES-L", 1)], unit="4.20", orderable=False, because=("not_for_sale",), suggested=None,
    ),
    case(
        "trade's sell=true overrides base's false (price is a separate question)",
        "C-TRADE", [("GLOVES-L", 1)], orderable=True, found=False,
    ),
    case(
        "min 250 not a pack multiple of 100: smallest orderable is 300",
        "C-BASE", [("NUT-M8", 1)], because=("below_min_qty", "not_a_pack_multiple"), suggested=300,
    ),
    case(
        "pack 40, max 100, qty 110: largest orderable is 80",
        "C-BASE", [("WASHER-M8", 110)], because=("above_max_qty", "not_a_pack_multiple"), suggested=80,
    ),
    case(
        "pack 40, max 100, qty 90: 120 would pass max, so 80",
        "C-BASE", [("WASHER-M8", 90)], because=("not_a_pack_multiple",), suggested=80,
    ),
    case(
        "max 10: 11 → 10, still priced at the 5+ tier",
        "C-TRADE", [("DRILL-18V", 11)], because=("above_max_qty",), suggested=10, unit="32.00", tier=5,
    ),
    case("no rule anywhere: any quantity is orderable", "C-TRADE", [("BOLT-M10", 7)], pack=None, orderable=True),
]
# fmt: on


def _observed(answer: pricing.LineAnswer) -> dict[str, Any]:
    priced, rule, check = answer.priced, answer.rule, answer.orderability
    return {
        "found": priced.found,
        "reason": priced.reason,
        "list": priced.price_list,
        "currency_is": priced.currency,
        "unit": None if priced.unit_price is None else str(priced.unit_price),
        "total": None if priced.line_total is None else str(priced.line_total),
        "tier": priced.tier_min_qty,
        "tiers": [(qty, str(price)) for qty, price in priced.tiers],
        "next_tier": None
        if priced.next_tier is None
        else (priced.next_tier[0], str(priced.next_tier[1]), priced.next_tier[2]),
        "pack": rule.pack_size,
        "min": rule.min_qty,
        "max": rule.max_qty,
        "orderable": check.orderable,
        "because": check.reasons,
        "suggested": check.suggested_qty,
    }


def test_the_table_is_big_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("row", CASES)
def test_case(row: Case):
    ctx = pricing.customer_context(
        CUSTOMERS[row.customer], GROUPS, LISTS, at=row.at, currency=row.currency, strategy=row.strategy
    )
    lines = [pricing.LineRequest(*line) for line in row.lines]
    price_keys, rule_keys = pricing.reads_needed(ctx, [line.sku for line in lines])
    stored = {key: LADDERS[key] for key in price_keys if key in LADDERS}
    rules = {key: RULES[key] for key in rule_keys if key in RULES}

    answer = pricing.price_cart(lines, ctx, stored, rules)[row.line]

    observed = _observed(answer)
    assert {name: observed[name] for name in row.expect} == row.expect


def test_explain_names_every_candidate_and_why_it_lost():
    ctx = pricing.customer_context(CUSTOMERS["C-MULTI"], GROUPS, LISTS, at=BEFORE)
    price_keys, _ = pricing.reads_needed(ctx, ["ENDED"])
    stored = {key: LADDERS[key] for key in price_keys if key in LADDERS}

    line = pricing.price_line("ENDED", 1, 1, ctx, stored, explain=True)

    assert [(entry["price_list"], entry["outcome"]) for entry in line.explain] == [
        ("promo", "outside_validity"),
        ("trade", "won"),
        ("retail", "not_reached"),
    ]


def test_explain_under_lowest_says_which_lists_were_dearer():
    ctx = pricing.customer_context(CUSTOMERS["C-RETAIL-FIRST"], GROUPS, LISTS, at=NOW, strategy="lowest")

    line = pricing.price_line("BOLT-M8", 1, 1, ctx, LADDERS, explain=True)

    assert [(entry["price_list"], entry["outcome"], entry["unit_price"]) for entry in line.explain] == [
        ("retail", "higher_price", "0.60"),
        ("trade", "won", "0.50"),
    ]


def test_a_derivation_source_is_read_even_when_another_walk_reached_it_at_full_depth():
    # deep-5 → deep-4 → … → deep-0 uses all 5 hops and reaches deep-0 last; short → deep-1 → deep-0 → root then
    # needs root, which the deep walk never reached.
    lists = {"root": _list("root"), "deep-0": _derived("deep-0", "root")}
    for depth in range(1, 6):
        lists[f"deep-{depth}"] = _derived(f"deep-{depth}", f"deep-{depth - 1}")
    lists["short"] = _derived("short", "deep-1")

    assert "root" in pricing.derivation_closure(["deep-5", "short"], lists)
