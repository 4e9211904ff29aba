"""The domain invariants every input path relies on."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tradeprice.domain.models import Customer, CustomerGroup, Price, PriceList, ProductRule


def a_price(**overrides):
    return {"price_list": "trade", "sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}], **overrides}


def test_price_keeps_the_decimal_exactly_as_entered():
    price = Price.model_validate(a_price(tiers=[{"min_qty": 1, "price": "33.61"}]))
    assert price.tiers[0].price == Decimal("33.61")
    assert str(price.tiers[0].price) == "33.61"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("12.50", "12.5"),
        ("100.00", "100"),
        ("1E+2", "100"),
        ("1.25E+1", "12.5"),
        ("-0", "0"),
        ("0.000", "0"),
        ("0.000100", "0.0001"),
        ("1200", "1200"),
        ("33.61", "33.61"),
        (12.5, "12.5"),
    ],
)
def test_a_price_has_one_canonical_form_the_shortest_exact_decimal(written, canonical):
    # 12.5 from an XLSX cell and 12.50 from a CSV are one price, stored and answered once
    price = Price.model_validate(a_price(tiers=[{"min_qty": 1, "price": written}]))
    assert str(price.tiers[0].price) == canonical


@pytest.mark.parametrize("version", ["-5", "-0.5", " -5", -5, Decimal("-5")])
def test_a_negative_source_version_is_refused_as_text_or_number(version):
    # A string is read as a number version (never a time), so "-5" is as negative as -5
    for model, data in ((Price, a_price()), (PriceList, {"slug": "trade", "name": "Trade", "currency": "GBP"})):
        with pytest.raises(ValidationError) as error:
            model.model_validate({**data, "source_version": version})
        assert all(e["loc"][0] == "source_version" for e in error.value.errors())


def test_tiers_are_sorted_by_min_qty():
    price = Price.model_validate(a_price(tiers=[{"min_qty": 100, "price": "0.45"}, {"min_qty": 1, "price": "0.50"}]))
    assert [tier.min_qty for tier in price.tiers] == [1, 100]


@pytest.mark.parametrize(
    ("tiers", "reason"),
    [
        ([{"min_qty": 10, "price": "0.45"}], "min_qty 1 is required"),
        ([{"min_qty": 1, "price": "0.5"}, {"min_qty": 1, "price": "0.4"}], "different min_qty"),
        ([{"min_qty": 1, "price": "-0.01"}], "greater than or equal to 0"),
        ([{"min_qty": 1, "price": "abc"}], "valid decimal"),
        ([{"min_qty": 1, "price": "NaN"}], "finite number"),
        ([{"min_qty": 1, "price": "0.1234567"}], "decimal places"),
        ([{"min_qty": 0, "price": "1"}], "greater than or equal to 1"),
        ([], "at least 1 item"),
    ],
)
def test_a_bad_ladder_is_rejected_with_the_reason(tiers, reason):
    with pytest.raises(ValidationError, match=reason):
        Price.model_validate(a_price(tiers=tiers))


@pytest.mark.parametrize("slug", ["Trade", "trade list", "-trade", "", "a" * 65, "trade/eu"])
def test_slugs_follow_the_pattern(slug):
    with pytest.raises(ValidationError):
        PriceList(slug=slug, name="x", currency="GBP")


def test_currency_must_be_iso_4217():
    with pytest.raises(ValidationError, match="ISO 4217"):
        PriceList(slug="trade", name="Trade", currency="XYZ")


def test_validity_window_must_not_be_empty():
    with pytest.raises(ValidationError, match="later than valid_from"):
        PriceList.model_validate(
            {
                "slug": "t",
                "name": "T",
                "currency": "GBP",
                "valid_from": "2027-01-01T00:00:00Z",
                "valid_until": "2027-01-01T00:00:00Z",
            }
        )


def test_naive_times_are_refused():
    with pytest.raises(ValidationError, match="timezone"):
        PriceList.model_validate({"slug": "t", "name": "T", "currency": "GBP", "valid_from": "2027-01-01T00:00:00"})


def test_customer_email_is_compared_case_insensitively():
    assert Customer(id="C-1", email=" Buyer@Example.COM ").email == "buyer@example.com"


@pytest.mark.parametrize("email", [None, "", "   "])
def test_a_customer_may_have_no_email(email):
    assert Customer.model_validate({"id": "C-1", "email": email}).email is None
    assert Customer(id="C-1").email is None


def test_groups_descend_from_base():
    assert CustomerGroup(slug="trade", name="Trade").parent == "base"
    with pytest.raises(ValidationError, match="own parent"):
        CustomerGroup(slug="trade", name="Trade", parent="trade")


def test_product_rule_bounds():
    with pytest.raises(ValidationError, match="max_qty"):
        ProductRule(sku="BOLT-M8", min_qty=10, max_qty=5)


def test_unknown_fields_are_errors_not_silently_dropped():
    with pytest.raises(ValidationError, match="Extra inputs"):
        Price.model_validate(a_price(prise="0.50"))
