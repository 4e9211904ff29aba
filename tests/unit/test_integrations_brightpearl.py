"""Brightpearl adapter: SELL lists only, quantityPrice keys as breaks, contacts grouped by their price list."""

from decimal import Decimal

from tests.unit.integration_fixtures import documents, errors, load, mapped, prices


def test_buy_lists_are_skipped_and_sell_lists_defined_with_currency_and_gross():
    batch = mapped("brightpearl", "price-lists", load("brightpearl", "price-lists.json"))

    assert batch.records[0].skipped
    assert "brightpearl-1" not in batch.lists
    retail, trade = batch.lists["brightpearl-2"], batch.lists["brightpearl-3"]
    assert (retail.name, retail.currency, retail.tax_inclusive, retail.define) == ("Retail", "GBP", True, True)
    assert (trade.name, trade.tax_inclusive) == ("Trade", False)


def test_quantity_price_map_keys_become_breaks_and_string_prices_stay_exact():
    batch = mapped("brightpearl", "product-prices", load("brightpearl", "product-prices.json"))

    found = prices(batch)
    assert found[("brightpearl-3", "BOLT-M8")] == [(1, "0.50"), (100, "0.45"), (1000, "0.40")]
    assert found[("brightpearl-3", "NUT-M8")] == [(1, "0.1250"), (500, "0.0955")]


def test_product_prices_never_create_a_list_so_cost_prices_cannot_leak():
    batch = mapped("brightpearl", "product-prices", load("brightpearl", "product-prices.json"))

    assert {spec.when_missing for spec in batch.lists.values()} == {"skip"}


def test_malformed_breaks_name_the_native_field():
    batch = mapped("brightpearl", "product-prices", load("brightpearl", "malformed-product-prices.json"))

    assert errors(batch) == {
        0: ["priceLists[0].quantityPrice"],
        1: ["priceLists[0].quantityPrice"],
        2: ["priceLists[0].quantityPrice.1"],
    }


def test_an_empty_quantity_price_removes_the_sku_from_the_list():
    payload = {"response": [{"productId": 1, "priceLists": [{"priceListId": 3, "sku": "X", "quantityPrice": {}}]}]}

    assert prices(mapped("brightpearl", "product-prices", payload)) == {("brightpearl-3", "X"): []}


def test_contacts_join_the_group_of_their_price_list_with_their_financial_details():
    batch = mapped("brightpearl", "customers", load("brightpearl", "customers.json"))

    acme = documents(batch, "customer")[0]
    assert acme == {
        "id": "204",
        "email": "buyer@acme.example",
        "group": "brightpearl-3",
        "company": "Acme Fixings Ltd",
        "discount_percent": Decimal("2.5"),
        "currency": "GBP",
        "payment_terms": {"credit_limit": 5000, "net_days": 30},
        "source_version": acme["source_version"],
    }
    assert documents(batch, "group")[0]["price_lists"] == ["brightpearl-3"]
    assert batch.lists["brightpearl-3"].when_missing == "error"


def test_malformed_contacts_name_the_native_field():
    batch = mapped("brightpearl", "customers", load("brightpearl", "malformed-customers.json"))

    assert errors(batch) == {0: ["communication.emails.PRI.email"]}
