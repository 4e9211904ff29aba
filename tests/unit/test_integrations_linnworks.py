"""Linnworks adapter: channel prices by Tag or Source/SubSource, quantity-break rules only, the price push, files."""

import pytest

from tests.unit.integration_fixtures import accounted, documents, errors, load, mapped, prices, rows
from tradeprice.errors import InvalidInput
from tradeprice.integrations import files
from tradeprice.integrations.base import Options
from tradeprice.integrations.linnworks import price_push


def test_stock_items_channel_prices_become_lists_by_tag_else_by_source():
    batch = mapped("linnworks", "stock-items", load("linnworks", "stock-items.json"))

    assert prices(batch) == {
        ("linnworks-trade", "BOLT-M8"): [(1, "0.45"), (100, "0.42"), (1000, "0.39")],
        ("linnworks-amazon-amazon-uk", "BOLT-M8"): [(1, "0.55")],
    }
    assert batch.records[1].skipped  # only a RetailPrice, which is a reference price


def test_purchasing_minimums_and_retail_prices_are_not_carried():
    batch = mapped("linnworks", "stock-items", load("linnworks", "stock-items.json"))

    assert documents(batch, "rule") == []
    assert all(doc["price_list"] != "linnworks-retail" for doc in documents(batch, "price"))


def test_channel_prices_resolve_stock_item_ids_and_report_rules_that_are_not_breaks():
    batch = mapped("linnworks", "channel-prices", load("linnworks", "channel-prices.json"))

    assert prices(batch) == {
        ("linnworks-trade", "NUT-M8"): [(1, "0.11"), (500, "0.09")],
        ("linnworks-ebay-ebay-uk", "BOLT-M8"): [(1, "0.58")],
    }
    (warning,) = batch.records[0].warnings
    assert warning["field"] == "Rules[1].Type"
    assert "BUSINESS_PRICE" in warning["reason"]


def test_malformed_channel_prices_name_the_native_field():
    batch = mapped("linnworks", "channel-prices", load("linnworks", "malformed-channel-prices.json"))

    assert errors(batch) == {0: ["StockItemId"], 1: ["Price"], 2: ["Tag"]}


def test_a_default_list_takes_prices_with_neither_tag_nor_source():
    payload = {"Prices": [{"SKU": "X", "Price": 1}]}

    batch = mapped("linnworks", "channel-prices", payload, price_list="linnworks-web")

    assert prices(batch) == {("linnworks-web", "X"): [(1, "1")]}


def test_the_price_push_maps_tags_to_lists_one_tier_each():
    batch = price_push(load("linnworks", "price-update.json"), Options())

    assert prices(batch) == {
        ("linnworks-trade", "BOLT-M8"): [(1, "0.44")],
        ("linnworks-trade", "NUT-M8"): [(1, "0.105")],
    }
    assert errors(batch) == {2: ["Price"]}
    assert [record.key for record in batch.records] == ["BOLT-M8", "NUT-M8", "WASHER-M8"]


def test_the_price_push_refuses_repeats_and_empty_tags_without_a_default():
    payload = {
        "Products": [
            {"SKU": "A", "Price": 1, "Tag": "t"},
            {"SKU": "A", "Price": 2, "Tag": "t"},
            {"SKU": "B", "Price": 1, "Tag": ""},
        ]
    }

    assert errors(price_push(payload, Options())) == {1: ["SKU"], 2: ["Tag"]}


def test_the_price_push_needs_products():
    with pytest.raises(InvalidInput, match="Products"):
        price_push({"AuthorizationToken": "x"}, Options())


def test_the_channel_price_file_maps_rows_to_the_same_lists_as_the_api():
    batch = files.map_file("linnworks", rows("linnworks", "channel-prices.csv"), Options())

    assert prices(batch) == {
        ("linnworks-trade", "BOLT-M8"): [(1, "0.45")],
        ("linnworks-trade", "NUT-M8"): [(1, "0.11")],
        ("linnworks-ebay-ebay-uk", "BOLT-M8"): [(1, "0.58")],
    }


def test_a_channel_price_row_without_price_names_the_column():
    result = files.map_row("linnworks", {"SKU": "X", "Tag": "trade", "Price": ""}, Options())

    assert result.errors == [{"column": "Price", "reason": "is required"}]
    assert result.ladder == ("linnworks-trade", "X")


# -- vendor samples (sources: the `_source` of each fixture) ------------------------------------------------------


def test_a_full_stock_item_carries_its_prices_as_item_channel_prices():
    # Given Linnworks' own GetStockItemsFullByIds example: {"StockItemsFullExtended": [{..., "ItemChannelPrices"}]}
    payload = load("linnworks", "stock-items-full-by-ids.json")

    batch = mapped("linnworks", "stock-items", payload)

    # Then the channel price is mapped by its Tag, not skipped; the rule of an undocumented type is reported
    assert prices(batch) == {("linnworks-sample-string-5", "sample string 8"): [(1, "4.1")]}
    first, second = batch.records
    assert not first.skipped
    assert not first.errors
    assert first.warnings == [
        {
            "field": "ItemChannelPrices[0].Rules[0].Type",
            "reason": "rule type 'sample string 2' is not a quantity break; not carried",
        }
    ]
    # And an item with no channel prices is skipped with the reason, never silently
    assert second.skipped
    assert second.warnings[0]["field"] == "ItemChannelPrices"


def test_every_stock_item_of_the_vendor_sample_is_accounted_for():
    batch = mapped("linnworks", "stock-items", load("linnworks", "stock-items-full-by-ids.json"))

    assert accounted(batch) == {0: "mapped", 1: "skipped"}
