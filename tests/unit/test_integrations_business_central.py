"""Business Central adapter: lines per source and currency, one ladder from lines differing in Minimum Quantity,
OData enum spellings, blank dates, what is not carried, customers on a price group."""

from datetime import UTC, datetime

import pytest

from tests.unit.integration_fixtures import (
    accounted,
    documents,
    errors,
    load,
    mapped,
    prices,
)
from tradeprice.integrations.business_central import group_chain


def test_lines_differing_only_in_minimum_quantity_form_one_ladder():
    batch = mapped(
        "business-central", "price-list-lines", load("business_central", "price-list-lines.json"), currency="GBP"
    )

    found = prices(batch)
    assert found[("bc-group-trade-gbp", "BOLT-M8")] == [(1, "0.44"), (100, "0.40"), (1000, "0.36")]
    assert found[("bc-all-customers-gbp", "BOLT-M8")] == [(1, "0.50")]
    assert found[("bc-customer-c10000-gbp", "NUT-M8")] == [(1, "0.09")]
    assert batch.relink == {"C10000": "bc-customer-c10000-gbp"}


def test_dates_are_a_window_with_an_inclusive_end_and_0001_01_01_means_none():
    batch = mapped(
        "business-central", "price-list-lines", load("business_central", "price-list-lines.json"), currency="GBP"
    )

    by_list = {doc["price_list"]: doc for doc in documents(batch, "price")}
    trade = by_list["bc-group-trade-gbp"]
    assert (trade["valid_from"], trade["valid_until"]) == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert "valid_from" not in by_list["bc-all-customers-gbp"]
    assert by_list["bc-all-customers-gbp"]["unit_of_measure"] == "PCS"


def test_other_sources_are_skipped_with_a_reason():
    batch = mapped(
        "business-central", "price-list-lines", load("business_central", "price-list-lines.json"), currency="GBP"
    )

    assert batch.records[5].skipped
    assert "Campaign" in batch.records[5].warnings[0]["reason"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("variantCode", "RED"), ("amountType", "Discount"), ("status", "Draft"), ("assetType", "Resource")],
)
def test_lines_tradeprice_cannot_express_are_skipped_not_guessed(field, value):
    line = {"sourceType": "All Customers", "assetNo": "X", "unitPrice": 1, field: value}

    batch = mapped("business-central", "price-list-lines", {"value": [line]}, currency="GBP")

    assert batch.records[0].skipped
    assert batch.records[0].warnings[0]["field"] == field
    assert prices(batch) == {}


def test_the_local_currency_needs_to_be_named():
    line = {"sourceType": "All Customers", "assetNo": "X", "unitPrice": 1, "currencyCode": ""}

    batch = mapped("business-central", "price-list-lines", {"value": [line]})

    assert errors(batch) == {0: ["currencyCode"]}
    assert "?currency=" in batch.records[0].errors[0]["reason"]


def test_captions_work_as_well_as_camel_case_and_errors_name_what_was_sent():
    batch = mapped(
        "business-central",
        "price-list-lines",
        load("business_central", "malformed-price-list-lines.json"),
        currency="GBP",
    )

    assert errors(batch)[1] == ["Unit Price"]
    assert errors(batch)[0] == ["Minimum Quantity"]  # same ladder as the bad line
    assert "Starting Date" in errors(batch)[3][0]
    assert set(errors(batch)[4]) == {"Minimum Quantity", "sourceNo"}


def test_customers_join_their_price_group_per_currency():
    batch = mapped("business-central", "customers", load("business_central", "customers.json"), currency="GBP")

    acme, walk_in, blocked = documents(batch, "customer")
    assert (acme["group"], acme["currency"], acme["status"]) == ("bc-trade-gbp", "GBP", "active")
    assert walk_in["group"] == "bc-all-customers-gbp"
    assert blocked["status"] == "inactive"
    assert documents(batch, "group")[0]["price_lists"] == group_chain("TRADE", "GBP")
    assert group_chain("TRADE", "GBP") == ["bc-group-trade-gbp", "bc-all-customers-gbp"]
    assert next(w for w in batch.writes if w.kind == "customer").specific_list == "bc-customer-c10000-gbp"


# -- vendor samples and the older Sales Price shape (sources: the `_source` of each fixture) ----------------------


@pytest.mark.parametrize("resource", ["sales-prices", "price-list-lines"])
def test_the_older_sales_price_shape_maps_to_the_same_lists(resource):
    # Given Sales Price records (table 7002) as a tenant's API page publishes them: itemNumber, salesType, salesCode
    batch = mapped("business-central", resource, load("business_central", "sales-prices.json"), currency="GBP")

    assert prices(batch) == {
        ("bc-group-retail-gbp", "1896-S"): [(1, "1000.8"), (10, "950")],
        ("bc-customer-10000-gbp", "1896-S"): [(1, "899")],
        ("bc-all-customers-eur", "1900-S"): [(1, "192.8")],
    }
    customer = next(doc for doc in documents(batch, "price") if doc["price_list"] == "bc-customer-10000-gbp")
    assert (customer["valid_from"], customer["valid_until"]) == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert batch.relink == {"10000": "bc-customer-10000-gbp"}
    # And a campaign price is skipped with its reason; every record is accounted for
    assert batch.records[4].warnings[0]["field"] == "salesType"
    assert accounted(batch) == {0: "mapped", 1: "mapped", 2: "mapped", 3: "mapped", 4: "skipped"}


def test_item_no_sales_type_and_sales_code_as_the_issue_spells_them():
    line = {
        "itemNo": "X",
        "salesType": "Customer Price Group",
        "salesCode": "TRADE",
        "minimumQuantity": 5,
        "unitPrice": "1.25",
        "currencyCode": "EUR",
    }
    one = {**line, "minimumQuantity": 0, "unitPrice": "1.50"}

    batch = mapped("business-central", "sales-prices", {"value": [one, line]})

    assert prices(batch) == {("bc-group-trade-eur", "X"): [(1, "1.50"), (5, "1.25")]}


def test_a_single_record_sent_bare_is_accepted():
    # Given one customer as a single GET answers it (recorded; no "value" envelope)
    batch = mapped("business-central", "customers", load("business_central", "customer-single.json"))

    (customer,) = documents(batch, "customer")
    assert (customer["id"], customer["email"], customer["currency"]) == ("C00020", "robert.townes@gmailfake.com", "EUR")
    assert customer["status"] == "active"  # blocked "_x0020_" is a blank
    line = {"sourceType": "All Customers", "assetNo": "X", "unitPrice": 1, "currencyCode": "EUR"}
    assert prices(mapped("business-central", "price-list-lines", line)) == {("bc-all-customers-eur", "X"): [(1, "1")]}


def test_a_customer_with_an_empty_email_is_passed_on_without_one():
    batch = mapped("business-central", "customers", load("business_central", "customers-docs.json"))

    assert errors(batch) == {}
    walk_in = documents(batch, "customer")[1]
    assert walk_in["id"] == "C00030"
    assert "email" not in walk_in
    assert accounted(batch) == {0: "mapped", 1: "mapped"}
