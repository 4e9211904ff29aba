"""Cin7 Core (DEAR) adapter: PriceTiers by tier name, zero tiers, custom prices, customers and their contacts."""

from decimal import Decimal

from tests.unit.integration_fixtures import (
    accounted,
    documents,
    errors,
    load,
    mapped,
    prices,
)

ACME = "a1f0c9d2-0000-4000-8000-00000000acme"


def test_price_tiers_are_read_by_the_tenants_tier_names():
    batch = mapped("cin7", "products", load("cin7", "products.json"))

    found = prices(batch)
    assert found[("cin7-tier-retail", "BOLT-M8")] == [(1, "0.50")]
    assert found[("cin7-tier-trade", "BOLT-M8")] == [(1, "0.42")]
    assert found[("cin7-tier-wholesale", "BOLT-M8")] == [(1, "0.38")]
    assert not errors(batch)


def test_a_zero_tier_price_removes_the_sku_rather_than_selling_at_zero():
    batch = mapped("cin7", "products", load("cin7", "products.json"))

    assert prices(batch)[("cin7-tier-tier-4", "BOLT-M8")] == []
    assert prices(batch)[("cin7-tier-wholesale", "NUT-M8")] == []


def test_without_price_tiers_the_numbered_fields_stand_for_the_default_names():
    batch = mapped("cin7", "products", [{"SKU": "X", "PriceTier1": 1, "PriceTier2": Decimal("0.9")}])

    assert prices(batch) == {("cin7-tier-tier-1", "X"): [(1, "1")], ("cin7-tier-tier-2", "X"): [(1, "0.9")]}


def test_custom_prices_go_to_the_customers_list_in_the_customers_currency():
    batch = mapped("cin7", "products", load("cin7", "products.json"))

    assert prices(batch)[(f"cin7-customer-{ACME}", "BOLT-M8")] == [(1, "0.35")]
    assert batch.lists[f"cin7-customer-{ACME}"].currency == "GBP"
    assert batch.relink == {ACME: f"cin7-customer-{ACME}"}


def test_carton_quantity_is_never_a_sales_rule():
    batch = mapped("cin7", "products", load("cin7", "products.json"))

    assert documents(batch, "rule") == []


def test_customers_take_their_tier_discount_contact_email_and_own_prices():
    batch = mapped("cin7", "customers", load("cin7", "customers.json"))

    acme = documents(batch, "customer")[0]
    assert acme["email"] == "ann@acme.example"  # the default contact's
    assert acme["group"] == "cin7-tier-trade"
    assert acme["discount_percent"] == 5
    assert acme["payment_terms"] == {"credit_limit": 5000}
    assert prices(batch)[(f"cin7-customer-{ACME}", "WASHER-M8")] == [(1, "0.02")]
    assert documents(batch, "group")[0]["price_lists"] == ["cin7-tier-trade"]


def test_malformed_payloads_name_the_native_field():
    products = mapped("cin7", "products", load("cin7", "malformed-products.json"))
    people = mapped("cin7", "customers", load("cin7", "malformed-customers.json"))

    assert errors(products) == {0: ["PriceTiers.Trade"], 1: ["CustomPrices[0].CustomerID"], 2: ["SKU"]}
    # A customer without an email is passed on without one
    expected = {1: ["Currency"], 2: ["Discount"]}
    assert errors(people) == expected


def test_the_products_envelope_is_required_for_an_object_payload():
    import pytest

    from tradeprice.errors import InvalidInput

    with pytest.raises(InvalidInput, match="'Products'"):
        mapped("cin7", "products", {"CustomerList": []})


# -- vendor samples (sources: the `_source` of each fixture) ------------------------------------------------------


def test_the_docs_customer_is_mapped_with_its_default_contacts_email():
    batch = mapped("cin7", "customers", load("cin7", "customers-docs.json"))

    diisr = documents(batch, "customer")[0]
    assert (diisr["email"], diisr["group"], diisr["currency"]) == ("accounts@diisr.govt", "cin7-tier-tier-1", "AUD")


def test_a_customer_whose_contact_has_an_empty_email_is_passed_on_without_one():
    batch = mapped("cin7", "customers", load("cin7", "customers-docs.json"))

    assert errors(batch) == {}
    walk_in = documents(batch, "customer")[1]
    assert "email" not in walk_in
    assert walk_in["group"] == "cin7-tier-tier-2"
    assert accounted(batch) == {0: "mapped", 1: "mapped"}
