"""Katana adapter: price lists by id, rows resolved through the payload's variants, fixed only, customer links."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.unit.integration_fixtures import (
    accounted,
    documents,
    errors,
    load,
    mapped,
    prices,
)
from tradeprice.errors import InvalidInput


def test_price_lists_are_defined_by_id_and_an_inactive_one_closes():
    batch = mapped("katana", "price-lists", load("katana", "price-lists.json"))

    trade, old = batch.lists["katana-101"], batch.lists["katana-102"]
    assert (trade.name, trade.define, trade.valid_until) == ("Trade", True, None)
    assert old.valid_until == datetime(2025, 12, 31, tzinfo=UTC)


def test_rows_take_their_sku_from_the_variants_sent_beside_them():
    batch = mapped("katana", "price-list-rows", load("katana", "price-list-rows.json"))

    assert prices(batch) == {
        ("katana-101", "BOLT-M8"): [(1, "0.41")],
        ("katana-101", "NUT-M8"): [(1, "0.095")],
    }
    assert [record.key for record in batch.records] == ["BOLT-M8", "NUT-M8"]


def test_percentage_and_markup_rows_are_reported_never_guessed():
    batch = mapped("katana", "price-list-rows", load("katana", "malformed-price-list-rows.json"))

    assert errors(batch) == {0: ["adjustment_method"], 1: ["adjustment_method"], 2: ["variant_id"], 3: ["amount"]}
    assert "does not state" in batch.records[0].errors[0]["reason"]
    assert prices(batch) == {}


def test_variants_sales_price_is_the_default_list_and_supplier_minimums_are_ignored():
    batch = mapped("katana", "variants", load("katana", "variants.json"))

    assert prices(batch) == {("katana-default", "BOLT-M8"): [(1, "0.50")], ("katana-default", "NUT-M8"): [(1, "0.12")]}
    assert documents(batch, "rule") == []


def test_customers_chain_their_linked_lists_then_the_default_and_keep_the_percentage():
    batch = mapped("katana", "customers", load("katana", "customers.json"))

    acme, walk_in = documents(batch, "customer")
    assert acme["price_lists"] == ["katana-101", "katana-default"]
    assert acme["discount_percent"] == Decimal(5)  # discount_rate is already 0–100
    assert walk_in["price_lists"] == ["katana-default"]


def test_malformed_customers_name_the_native_field():
    batch = mapped("katana", "customers", load("katana", "malformed-customers.json"))

    # A customer without an email is passed on without one
    assert errors(batch) == {1: ["discount_rate"]}


def test_a_variant_lookup_without_ids_is_a_payload_error():
    with pytest.raises(InvalidInput, match="variants"):
        mapped("katana", "price-list-rows", {"data": [], "variants": [{"sku": "X"}]})


# -- vendor samples (sources: the `_source` of each fixture) ------------------------------------------------------


def test_a_discount_rate_of_100_is_not_carried_and_says_so():
    # Given Katana's own GET /customers example, whose customer has discount_rate 100
    batch = mapped("katana", "customers", load("katana", "customers-docs.json"))

    (luke,) = documents(batch, "customer")
    assert "discount_percent" not in luke
    (warning,) = batch.records[0].warnings
    assert warning["field"] == "discount_rate"
    assert "zero" in warning["reason"]
    assert accounted(batch) == {0: "mapped"}


def test_links_to_customers_the_payload_does_not_hold_are_reported():
    # Given Katana's GET /price_list_customers example, linking customers 531 and 530, neither in the payload
    batch = mapped("katana", "customers", load("katana", "customers-docs.json"))

    assert [note["field"] for note in batch.notes] == [
        "price_list_customers[1].customer_id",
        "price_list_customers[0].customer_id",
    ]
    assert "customer 530 is not in this payload" in batch.notes[0]["reason"]
    assert documents(batch, "customer")[0]["price_lists"] == ["katana-default"]


def test_a_variant_without_a_sales_price_is_skipped_with_the_reason():
    batch = mapped("katana", "variants", {"data": [{"id": 1, "sku": "X", "purchase_price": 1}]})

    assert accounted(batch) == {0: "skipped"}
    assert batch.records[0].warnings[0]["field"] == "sales_price"
