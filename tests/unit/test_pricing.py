"""Price resolution, one rule at a time (the full table of hand-computed cases lives in test_pricing_cases.py)."""

from datetime import UTC, datetime
from decimal import Decimal

from tradeprice.domain.models import Customer, CustomerGroup, PriceList, ProductRule, StoredLadder
from tradeprice.logic import pricing

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def ladder(*tiers: tuple[int, str]) -> StoredLadder:
    return StoredLadder(tuple((qty, Decimal(price)) for qty, price in tiers))


def context(lists, candidates, customer=None, currency=None, chain=("base",), strategy="first"):
    return pricing.build_context(
        customer=customer,
        candidate_lists=candidates,
        lists=lists,
        chain=chain,
        at=NOW,
        currency=currency,
        strategy=strategy,
    )


TRADE = PriceList(slug="trade", name="Trade", currency="GBP")
STORED = {("trade", "BOLT-M8"): ladder((1, "0.50"), (100, "0.45"), (1000, "0.40"))}


def test_all_units_tier_applies_to_the_whole_line():
    line = pricing.price_line("BOLT-M8", 150, 150, context({"trade": TRADE}, ["trade"]), STORED)
    assert (line.unit_price, line.line_total, line.tier_min_qty) == (Decimal("0.45"), Decimal("67.50"), 100)
    assert line.next_tier == (1000, Decimal("0.40"), 850)


def test_a_sku_without_a_price_is_not_found_not_an_error():
    line = pricing.price_line("NOPE", 1, 1, context({"trade": TRADE}, ["trade"]), STORED)
    assert not line.found
    assert line.reason == "no_price"


def test_derived_list_multiplies_adjustment_and_fx_then_rounds_once():
    eur = PriceList.model_validate(
        {
            "slug": "eur",
            "name": "EUR",
            "currency": "EUR",
            "rules": {"source": "trade", "adjustment_percent": "-5", "fx_rate": "1.17"},
        }
    )
    line = pricing.price_line("BOLT-M8", 1, 1, context({"trade": TRADE, "eur": eur}, ["eur"]), STORED)
    # 0.50 × 0.95 × 1.17 = 0.555750 → 0.56 (half-up, EUR has 2 minor units)
    assert (line.unit_price, line.currency) == (Decimal("0.56"), "EUR")


def test_customer_discount_applies_to_the_tier_price_before_rounding():
    customer = Customer(id="C-1", email="a@b.co", discount_percent=Decimal("2.5"))
    line = pricing.price_line("BOLT-M8", 100, 100, context({"trade": TRADE}, ["trade"], customer=customer), STORED)
    # 0.45 × 0.975 = 0.43875 → 0.44
    assert line.unit_price == Decimal("0.44")


def test_inactive_customer_gets_no_trade_price():
    customer = Customer(id="C-1", email="a@b.co", status="inactive")
    line = pricing.price_line("BOLT-M8", 1, 1, context({"trade": TRADE}, ["trade"], customer=customer), STORED)
    assert not line.found
    assert line.reason == "customer_inactive"


def test_an_inactive_customer_may_order_nothing_whatever_the_rules_allow():
    customer = Customer(id="C-1", email="a@b.co", status="inactive")
    ctx = context({"trade": TRADE}, ["trade"], customer=customer)

    (answer,) = pricing.price_cart([pricing.LineRequest("BOLT-M8", 1)], ctx, STORED, {})

    assert (answer.orderability.orderable, answer.orderability.reasons) == (False, ("customer_inactive",))


def test_group_chain_and_candidates_inherit_from_the_parent():
    groups = {
        "base": CustomerGroup(slug="base", name="Base", parent=None, price_lists=["retail"]),
        "trade": CustomerGroup(slug="trade", name="Trade", price_lists=["trade"]),
        "gold": CustomerGroup(slug="gold", name="Gold", parent="trade"),
    }
    chain = pricing.group_chain("gold", groups)
    assert chain == ("gold", "trade", "base")
    assert pricing.candidate_slugs(Customer(id="C", email="a@b.co", group="gold"), chain, groups) == ["trade"]
    own = Customer(id="C", email="a@b.co", group="gold", price_lists=["vip"])
    assert pricing.candidate_slugs(own, chain, groups) == ["vip"]


def test_a_group_whose_lists_have_all_expired_or_not_started_falls_back_to_its_parents():
    lists = {
        "retail": PriceList(slug="retail", name="Retail", currency="GBP"),
        "trade": TRADE,
        "summer": PriceList(slug="summer", name="Summer", currency="GBP", valid_until=datetime(2026, 9, 1, tzinfo=UTC)),
        "winter": PriceList(slug="winter", name="Winter", currency="GBP", valid_from=datetime(2027, 1, 1, tzinfo=UTC)),
    }
    groups = {
        "base": CustomerGroup(slug="base", name="Base", parent=None, price_lists=["retail"]),
        "trade": CustomerGroup(slug="trade", name="Trade", price_lists=["trade"]),
        "gold": CustomerGroup(slug="gold", name="Gold", parent="trade", price_lists=["summer", "winter"]),
    }
    stored = {**STORED, ("retail", "BOLT-M8"): ladder((1, "0.90"))}
    gold = Customer(id="C", group="gold")
    # Given gold's lists ended in September and start in January, at NOW (November) gold prices as trade does
    ctx = pricing.customer_context(gold, groups, lists, at=NOW)
    assert [c.slug for c in ctx.candidates] == ["trade"]
    assert pricing.price_line("BOLT-M8", 1, 1, ctx, stored).price_list == "trade"
    # And once winter starts, gold's own lists apply again
    january = pricing.customer_context(gold, groups, lists, at=datetime(2027, 1, 2, tzinfo=UTC))
    assert [c.slug for c in january.candidates] == ["summer", "winter"]


def test_every_line_carries_display_inherited_like_the_other_rule_fields():
    from tradeprice.api.views import line_view

    rules = {
        ("base", "BOLT-M8"): ProductRule(sku="BOLT-M8", display=False),
        ("trade", "BOLT-M8"): ProductRule(group="trade", sku="BOLT-M8", display=True),
        ("base", "NUT-M8"): ProductRule(sku="NUT-M8", display=False),
    }
    ctx = context({"trade": TRADE}, ["trade"], chain=("trade", "base"))
    lines = [pricing.LineRequest("BOLT-M8", 1), pricing.LineRequest("NUT-M8", 1), pricing.LineRequest("WASHER", 1)]
    answers = pricing.price_cart(lines, ctx, STORED, rules)
    assert [line_view(answer)["display"] for answer in answers] == [True, False, True]


def test_product_rules_merge_field_by_field_and_suggest_a_quantity():
    rules = {
        ("base", "BOLT-M8"): ProductRule(sku="BOLT-M8", pack_size=50, max_qty=1000),
        ("trade", "BOLT-M8"): ProductRule(group="trade", sku="BOLT-M8", min_qty=100),
    }
    merged = pricing.merge_rules("BOLT-M8", ("trade", "base"), rules)
    assert (merged.pack_size, merged.min_qty, merged.max_qty) == (50, 100, 1000)
    check = pricing.check_quantity(120, merged)
    assert (check.orderable, check.reasons, check.suggested_qty) == (False, ("not_a_pack_multiple",), 150)
    assert pricing.check_quantity(1020, merged).suggested_qty == 1000
    assert pricing.check_quantity(150, merged).orderable
