"""Brightpearl adapter: SELL lists only, quantityPrice keys as breaks, contacts grouped by their price list."""

from decimal import Decimal

from tests.unit.integration_fixtures import (
    accounted,
    documents,
    errors,
    load,
    mapped,
    prices,
)


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
    payload = {
        "response": [{"productId": 1, "priceLists": [{"priceListId": 3, "quantityPrice": {}}]}],
        "products": [{"id": 1, "identity": {"sku": "X"}}],
    }

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

    # A contact without an email is a customer without one
    assert errors(batch) == {}


# -- vendor samples (sources: the `_source` of each fixture) ------------------------------------------------------


def test_the_docs_own_product_price_example_is_accepted_under_the_products_sku():
    # Given Brightpearl's Product Price GET example: list 0 (cost) and 1 carry per-list sku aliases, list 2 none
    batch = mapped("brightpearl", "product-prices", load("brightpearl", "product-price-docs.json"))

    # Then every sell list is stored under the product's own SKU (identity.sku), never under an alias
    assert errors(batch) == {}
    assert prices(batch) == {
        ("brightpearl-1", "BOLT-M8"): [(1, "12"), (100, "11"), (1000, "10"), (5000, "9.5")],
        ("brightpearl-2", "BOLT-M8"): [
            (1, "12.5000"),
            (5, "12.3333"),
            (25, "11.6667"),
            (50, "12.3333"),
            (150, "11.6667"),
            (250, "10.8333"),
        ],
    }
    # And the cost list's prices are skipped with a warning
    assert batch.records[0].warnings == [
        {"field": "priceLists[0].priceListId", "reason": "the cost price list (0) holds purchase prices: not carried"}
    ]
    assert accounted(batch) == {0: "mapped"}


def test_a_product_with_only_a_cost_price_is_skipped_with_a_warning_not_refused():
    payload = {
        "response": [{"productId": 7, "priceLists": [{"priceListId": 0, "quantityPrice": {"1": "4.0444"}}]}],
        "products": [{"id": 7, "identity": {"sku": "COST-ONLY"}}],
    }

    batch = mapped("brightpearl", "product-prices", payload)

    assert errors(batch) == {}
    assert accounted(batch) == {0: "skipped"}
    assert prices(batch) == {}


def test_a_product_the_payload_does_not_name_is_refused_by_id_not_stored_under_an_alias():
    payload = {
        "response": [{"productId": 8, "priceLists": [{"priceListId": 1, "sku": "ALIAS", "quantityPrice": {"1": "2"}}]}]
    }

    batch = mapped("brightpearl", "product-prices", payload)

    assert errors(batch) == {0: ["productId"]}
    assert prices(batch) == {}


def test_a_contact_without_an_email_is_passed_on_without_one():
    payload = {"response": [{"contactId": 301, "organisation": {"name": "No Mail Ltd"}}]}

    batch = mapped("brightpearl", "customers", payload)

    assert errors(batch) == {}
    (customer,) = documents(batch, "customer")
    assert "email" not in customer
    assert customer["id"] == "301"
