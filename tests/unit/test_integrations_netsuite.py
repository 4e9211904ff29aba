"""NetSuite adapter: price levels per currency with their discount, the pricing matrix grouped into ladders,
customers on a level with item pricing, sales min/max rules, currency references, files."""

from decimal import Decimal

import pytest

from tests.unit.integration_fixtures import accounted, documents, errors, load, mapped, prices, rows
from tradeprice.integrations import files
from tradeprice.integrations.base import NativeValueError, Options
from tradeprice.integrations.netsuite import currency_of


def test_levels_become_a_list_per_currency_deriving_from_the_base_price():
    batch = mapped("netsuite", "price-levels", load("netsuite", "price-levels.json"), currencies=("GBP", "USD"))

    base, trade = batch.lists["netsuite-base-price-gbp"], batch.lists["netsuite-trade-usd"]
    assert (base.define, base.rules, base.currency) == (True, None, "GBP")
    assert trade.rules == {"source": "netsuite-base-price-usd", "adjustment_percent": Decimal("-10.0")}
    assert list(batch.lists).index("netsuite-base-price-usd") < list(batch.lists).index("netsuite-trade-usd")
    assert batch.records[2].skipped  # inactive


def test_levels_need_to_know_their_currencies():
    batch = mapped("netsuite", "price-levels", load("netsuite", "price-levels.json"))

    assert errors(batch) == {0: ["name"], 1: ["name"], 2: ["name"]}


def test_matrix_cells_group_into_a_ladder_per_level_and_currency_with_quantity_0_as_the_base():
    batch = mapped("netsuite", "item-pricing", load("netsuite", "item-pricing.json"), currency_map={"Euro": "EUR"})

    found = prices(batch)
    assert found[("netsuite-base-price-gbp", "BOLT-M8")] == [(1, "0.50"), (100, "0.46"), (1000, "0.42")]
    assert found[("netsuite-trade-gbp", "BOLT-M8")] == [(1, "0.45"), (100, "0.41")]  # the empty 1000 cell is none
    assert found[("netsuite-base-price-eur", "BOLT-M8")] == [(1, "0.58")]
    assert not errors(batch)


def test_minimum_and_maximum_quantity_are_sales_rules():
    batch = mapped("netsuite", "item-pricing", load("netsuite", "item-pricing.json"), currency_map={"Euro": "EUR"})

    (rule,) = documents(batch, "rule")
    assert (rule["group"], rule["sku"], rule["min_qty"], rule["max_qty"]) == ("base", "BOLT-M8", 50, 20000)


def test_a_level_whose_cells_are_all_empty_removes_the_item():
    payload = {
        "items": [
            {
                "itemId": "X",
                "price": {
                    "items": [
                        {
                            "currencyPage": {"refName": "GBP"},
                            "priceLevel": {"refName": "Trade"},
                            "quantity": {"value": 0},
                            "price": None,
                        }
                    ]
                },
            }
        ]
    }

    assert prices(mapped("netsuite", "item-pricing", payload)) == {("netsuite-trade-gbp", "X"): []}


def test_malformed_matrices_name_the_native_field():
    batch = mapped("netsuite", "item-pricing", load("netsuite", "malformed-item-pricing.json"))

    assert errors(batch)[0] == ["price.items[1].price"]
    assert errors(batch)[1] == ["price.items[0].currencyPage"]
    assert "price.items[0].priceLevel.refName" in errors(batch)[2]  # level 7 by id alone: ids differ per account
    assert prices(batch) == {}


def test_a_recorded_price_cell_naming_its_level_by_id_1_is_the_base_price():
    # Given a recorded REST price cell: priceLevel {"id": "1", "refName": "1"}, currencyPage likewise by id
    batch = mapped("netsuite", "item-pricing", load("netsuite", "item-price-by-id.json"), currency_map={"1": "USD"})

    assert prices(batch) == {("netsuite-base-price-usd", "PLANTER-CEDAR-36"): [(1, "1599")]}
    assert accounted(batch) == {0: "mapped"}


@pytest.mark.parametrize(
    ("reference", "found"), [({"id": "1"}, "base-price"), ({"id": "2", "refName": "Trade"}, "trade")]
)
def test_a_level_by_id_1_alone_or_by_name_is_understood(reference, found):
    cell = {"currencyPage": {"refName": "GBP"}, "priceLevel": reference, "quantity": {"value": 0}, "price": "2.50"}

    batch = mapped("netsuite", "item-pricing", {"items": [{"itemId": "X", "price": {"items": [cell]}}]})

    assert prices(batch) == {(f"netsuite-{found}-gbp", "X"): [(1, "2.50")]}


def test_min_above_max_is_the_items_error():
    payload = {"items": [{"itemId": "X", "minimumQuantity": 500, "maximumQuantity": 100}]}

    assert errors(mapped("netsuite", "item-pricing", payload)) == {0: ["minimumQuantity"]}


@pytest.mark.parametrize(
    ("reference", "options", "code"),
    [
        ({"id": "1", "refName": "GBP"}, Options(), "GBP"),
        ({"id": "2", "refName": "Euro"}, Options(currency_map={"2": "EUR"}), "EUR"),
        ({"id": "2", "refName": "Euro"}, Options(currency_map={"Euro": "EUR"}), "EUR"),
        (None, Options(currency="USD"), "USD"),
        ("gbp", Options(), "GBP"),
    ],
)
def test_currency_references_resolve_to_iso_codes(reference, options, code):
    assert currency_of(reference, options) == code


def test_an_unmapped_currency_name_is_refused_not_guessed():
    with pytest.raises(NativeValueError, match="currency_map"):
        currency_of({"id": "3", "refName": "British pound"}, Options())


def test_customers_chain_item_pricing_then_their_level_then_the_base_price():
    batch = mapped("netsuite", "customers", load("netsuite", "customers.json"))

    acme, walk_in = documents(batch, "customer")
    assert acme["group"] == "netsuite-trade-gbp"
    assert acme["currency"] == "GBP"
    assert documents(batch, "group")[0]["price_lists"] == ["netsuite-trade-gbp", "netsuite-base-price-gbp"]
    assert walk_in["group"] == "netsuite-base-price-gbp"
    assert prices(batch) == {("netsuite-customer-3107-gbp", "NUT-M8"): [(1, "0.09")]}
    warned = {warning["field"] for warning in batch.records[0].warnings}
    assert warned == {"groupPricing", "itemPricing.items[1].level"}


def test_the_item_pricing_file_maps_matrix_rows_like_the_api():
    batch = files.map_file(
        "netsuite", rows("netsuite", "item-pricing.csv"), Options(currency_map={"British pound": "GBP"})
    )

    found = prices(batch)
    assert found[("netsuite-base-price-gbp", "BOLT-M8")] == [(1, "0.50"), (100, "0.46")]
    assert found[("netsuite-trade-gbp", "BOLT-M8")] == [(1, "0.45"), (100, "0.41")]
    assert found[("netsuite-base-price-gbp", "NUT-M8")] == [(1, "0.12")]


def test_an_unmapped_currency_in_the_file_fails_its_row_naming_the_column():
    batch = files.map_file("netsuite", rows("netsuite", "item-pricing.csv"), Options())

    assert errors(batch) == {4: ["Currency"]}
