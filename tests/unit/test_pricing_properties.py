"""Invariants of price resolution, for any ladder, currency, derivation rule, discount and quantity (hypothesis)."""

from datetime import UTC, datetime
from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeprice.domain.models import Customer, DerivationRule, PriceList, Rounding, StoredLadder
from tradeprice.logic import pricing

# No deadlines: these machines are shared, and a timing limit is a timed assert by another name.
NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
SKU = "SKU-1"

currencies = st.sampled_from(["GBP", "USD", "JPY", "KWD", "CLF"])  # 2, 2, 0, 3 and 4 minor units
quantities = st.integers(min_value=1, max_value=50_000)
discounts = st.decimals(min_value=0, max_value=100, places=4)


@st.composite
def monotone_ladders(draw: st.DrawFn) -> StoredLadder:
    """Tiers from min_qty 1 up, each price at most the one before it (up to 6 decimals, as stored)."""
    extra = draw(st.lists(st.integers(min_value=2, max_value=20_000), max_size=6, unique=True))
    quantities_ = [1, *sorted(extra)]
    price = draw(st.decimals(min_value=Decimal("0.000001"), max_value=100_000, places=6))
    tiers = []
    for min_qty in quantities_:
        tiers.append((min_qty, price))
        price = max(Decimal(0), price - draw(st.decimals(min_value=0, max_value=price, places=6)))
    return StoredLadder(tuple(tiers))


def quantities_near(ladder: StoredLadder) -> st.SearchStrategy[int]:
    """Any quantity, but often one either side of a tier boundary, where off-by-one mistakes live."""
    edges = sorted({qty for min_qty, _ in ladder.tiers for qty in (min_qty - 1, min_qty, min_qty + 1) if qty >= 1})
    return st.one_of(quantities, st.sampled_from(edges))


increments = st.sampled_from([Decimal(v) for v in ("0.001", "0.01", "0.05", "0.5", "1", "5")])
roundings = st.one_of(
    st.none(),
    st.builds(
        Rounding,
        increment=st.one_of(st.none(), increments),
        mode=st.sampled_from(["half_up", "half_even", "up", "down"]),
    ),
)


@st.composite
def price_lists(draw: st.DrawFn) -> dict[str, PriceList]:
    """The list the customer is priced from: stored prices, or derived from a stored source (± %, FX, rounding)."""
    currency = draw(currencies)
    if draw(st.booleans()):
        return {"l": PriceList(slug="l", name="L", currency=currency)}
    rule = DerivationRule(
        source="src",
        adjustment_percent=draw(st.decimals(min_value=Decimal("-99.99"), max_value=1000, places=2)),
        fx_rate=draw(st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4)),
        rounding=draw(roundings),
    )
    return {
        "l": PriceList(slug="l", name="L", currency=currency, rules=rule),
        "src": PriceList(slug="src", name="Source", currency="GBP"),
    }


def _price(lists: dict[str, PriceList], ladder: StoredLadder, qty: int, discount: Decimal = Decimal(0)):
    customer = Customer(id="C-1", email="c@example.com", discount_percent=discount)
    ctx = pricing.build_context(
        customer=customer, candidate_lists=["l"], lists=lists, chain=("base",), at=NOW, currency=None, strategy="first"
    )
    stored_on = "src" if "src" in lists else "l"
    line = pricing.price_line(SKU, qty, qty, ctx, {(stored_on, SKU): ladder})
    assert line.found
    assert line.unit_price is not None
    return line


@given(price_lists(), monotone_ladders(), discounts, st.data())
@settings(max_examples=300, deadline=None)
def test_within_one_list_the_unit_price_never_rises_with_quantity(lists, ladder, discount, data):
    fewer, more = sorted((data.draw(quantities_near(ladder)), data.draw(quantities_near(ladder))))
    assert _price(lists, ladder, more, discount).unit_price <= _price(lists, ladder, fewer, discount).unit_price


@given(price_lists(), monotone_ladders(), st.data())
@settings(deadline=None)
def test_the_tier_is_the_highest_min_qty_at_or_below_the_quantity(lists, ladder, data):
    qty = data.draw(quantities_near(ladder))
    line = _price(lists, ladder, qty)
    assert line.tier_min_qty == max(min_qty for min_qty, _ in ladder.tiers if min_qty <= qty)


@given(price_lists(), monotone_ladders(), quantities, discounts)
@settings(max_examples=300, deadline=None)
def test_line_total_is_unit_price_times_quantity_exactly(lists, ladder, qty, discount):
    line = _price(lists, ladder, qty, discount)
    with localcontext(prec=200):  # wide enough that the expected product itself is exact
        expected = line.unit_price * qty
    assert line.line_total == expected
    assert line.line_total.as_tuple().exponent == line.unit_price.as_tuple().exponent  # no digits invented or lost


@given(price_lists(), monotone_ladders(), quantities, discounts, discounts)
@settings(max_examples=300, deadline=None)
def test_a_discount_never_raises_a_price(lists, ladder, qty, discount_a, discount_b):
    smaller, larger = sorted((discount_a, discount_b))
    undiscounted = _price(lists, ladder, qty).unit_price
    assert _price(lists, ladder, qty, smaller).unit_price <= undiscounted
    assert _price(lists, ladder, qty, larger).unit_price <= _price(lists, ladder, qty, smaller).unit_price


@given(price_lists(), monotone_ladders(), quantities, discounts)
@settings(deadline=None)
def test_every_tier_of_the_ladder_shown_is_what_that_quantity_would_pay(lists, ladder, qty, discount):
    line = _price(lists, ladder, qty, discount)
    for min_qty, unit_price in line.tiers:
        assert _price(lists, ladder, min_qty, discount).unit_price == unit_price
