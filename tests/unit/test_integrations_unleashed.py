"""Unleashed adapter: named tier slots, quantity breaks, customer prices, fractions, purchasing minimums, files."""

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
    rows,
)
from tradeprice.integrations import files
from tradeprice.integrations.base import Options
from tradeprice.integrations.unleashed import customer_list, tier_list


def test_tier_slots_map_to_lists_named_by_the_tenants_tier_names():
    batch = mapped("unleashed", "products", load("unleashed", "products.json"))

    found = prices(batch)
    assert found[("unleashed-default", "BOLT-M8")] == [(1, "0.50")]
    assert found[("unleashed-tier-trade", "BOLT-M8")] == [(1, "0.4200")]  # as sent: "0.4200"
    assert found[("unleashed-tier-distributor", "BOLT-M8")] == [(1, "0.3800")]
    # unnamed slots keep Unleashed's default name; a null value removes the SKU from that tier
    assert found[("unleashed-tier-sell-price-tier-3", "BOLT-M8")] == []
    assert found[("unleashed-tier-distributor", "NUT-M8")] == []
    assert not errors(batch)


def test_prices_are_exact_decimals_never_floats():
    batch = mapped("unleashed", "products", load("unleashed", "products.json"))

    tiers = [tier for doc in documents(batch, "price") for tier in doc["tiers"]]
    assert tiers
    assert all(isinstance(tier["price"], Decimal) for tier in tiers)


def test_a_binary_float_is_refused_rather_than_rounded():
    batch = mapped("unleashed", "products", [{"ProductCode": "X", "DefaultSellPrice": 0.1}])

    assert batch.records[0].errors[0]["field"] == "DefaultSellPrice"
    assert "float" in batch.records[0].errors[0]["reason"]


def test_minimum_sale_quantity_is_a_sales_rule_and_minimum_order_quantity_is_not():
    batch = mapped("unleashed", "products", load("unleashed", "products.json"))

    rules = documents(batch, "rule")
    assert rules[0]["sku"] == "BOLT-M8"
    assert rules[0]["min_qty"] == 50  # MinimumSaleQuantity, not the purchasing MinimumOrderQuantity of 1000
    assert rules[1] == {**rules[1], "sku": "NUT-M8", "min_qty": None}  # null clears the minimum
    assert all(write.owns == ("min_qty",) for write in batch.writes if write.kind == "rule")


def test_last_modified_on_in_unleashed_date_form_is_the_source_version():
    batch = mapped("unleashed", "products", load("unleashed", "products.json"))

    assert documents(batch, "price")[0]["source_version"] == datetime(2026, 1, 1, tzinfo=UTC)


def test_quantity_breaks_gather_into_one_ladder_and_customer_rows_into_the_customers_list():
    batch = mapped("unleashed", "product-prices", load("unleashed", "product-prices.json"))

    found = prices(batch)
    assert found[("unleashed-breaks", "BOLT-M8")] == [(1, "0.4500"), (500, "0.3500"), (1000, "0.3000")]
    assert found[("unleashed-customer-acme", "BOLT-M8")] == [(1, "0.3300")]  # MinimumQuantity 0 is any quantity
    assert batch.relink == {"ACME": "unleashed-customer-acme"}
    customer_price = next(d for d in documents(batch, "price") if d["price_list"] == "unleashed-customer-acme")
    # ValidTo is a date, valid through its end: the exclusive end is the next midnight
    assert customer_price["valid_from"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert customer_price["valid_until"] == datetime(2027, 1, 1, tzinfo=UTC)


def test_discount_rows_are_refused_and_fail_their_ladder():
    batch = mapped("unleashed", "product-prices", load("unleashed", "malformed-product-prices.json"))

    assert errors(batch) == {0: ["PriceType"], 1: ["MinimumQuantity"], 2: ["MinimumQuantity"]}
    assert "lowest break" in batch.records[2].errors[0]["reason"]
    assert not documents(batch, "price")


def test_malformed_products_name_the_native_field():
    batch = mapped("unleashed", "products", load("unleashed", "malformed-products.json"))

    assert errors(batch) == {
        0: ["SellPriceTier2.Value"],
        1: ["ProductCode"],
        2: ["DefaultSellPrice"],
        3: ["MinimumSaleQuantity"],
        4: ["record"],
    }


def test_customers_get_their_tier_group_and_the_discount_rate_as_a_percentage():
    batch = mapped("unleashed", "customers", load("unleashed", "customers.json"), currency="GBP")

    acme, build = documents(batch, "customer")
    assert acme["discount_percent"] == Decimal(5)  # DiscountRate 0.05
    assert acme["group"] == "unleashed-tier-trade"
    assert build["group"] == "unleashed-tier-distributor"
    group = documents(batch, "group")[0]
    assert group["price_lists"] == ["unleashed-breaks", "unleashed-tier-trade", "unleashed-default"]
    customer_write = next(w for w in batch.writes if w.kind == "customer")
    assert customer_write.specific_list == "unleashed-customer-acme"


def test_a_customer_in_another_currency_is_warned_about():
    payload = load("unleashed", "customers.json")
    payload["Items"][0]["Currency"]["CurrencyCode"] = "USD"

    batch = mapped("unleashed", "customers", payload, currency="GBP")

    assert batch.records[0].warnings[0]["field"] == "Currency.CurrencyCode"


def test_malformed_customers_name_the_native_field():
    batch = mapped("unleashed", "customers", load("unleashed", "malformed-customers.json"))

    # A customer without an email is passed on without one
    expected = {1: ["DiscountRate"], 2: ["SellPriceTier"]}
    assert errors(batch) == expected


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Trade", "unleashed-tier-trade"),
        ("Sell Price Tier 3", "unleashed-tier-sell-price-tier-3"),
        ("Großhändler & Co.", "unleashed-tier-grohandler-co"),
        ("  VIP  ", "unleashed-tier-vip"),
    ],
)
def test_tier_slugs_are_deterministic(name, slug):
    assert tier_list(name) == slug


def test_customer_codes_that_fold_alike_get_distinct_slugs():
    assert customer_list("ACME") == "unleashed-customer-acme"
    assert customer_list("C 1") != customer_list("C-1")
    assert len(customer_list("X" * 200)) <= 64


def test_the_import_product_pricing_csv_maps_rows_to_breaks():
    batch = files.map_file("unleashed", rows("unleashed", "import-product-pricing.csv"), Options())

    assert batch.resource == "file:product-pricing"
    found = prices(batch)
    assert found[("unleashed-breaks", "BOLT-M8")] == [(1, "0.45"), (500, "0.35")]
    # NUT-M8's only break starts at 100: refused; the Discount % row is refused naming its column
    assert errors(batch) == {2: ["Min. Quantity"], 3: ["Price Type"]}


def test_a_pricing_row_reads_dd_mm_yyyy_dates():
    row = {
        "Product Code": "NUT-M8",
        "Min. Quantity": "1",
        "Valid From (DD/MM/YYYY)": "01/02/2026",
        "Valid To (DD/MM/YYYY)": "28/02/2026",
        "Price/Discount": "0.09",
        "Price Type": "Fixed Price",
    }

    result = files.map_row("unleashed", row, Options())

    (tier,) = result.prices
    assert (tier.valid_from, tier.valid_until) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))
    bad = files.map_row("unleashed", {**row, "Valid From (DD/MM/YYYY)": "2026-02-01"}, Options())
    assert bad.errors == [
        {"column": "Valid From (DD/MM/YYYY)", "value": "2026-02-01", "reason": "is not a date (DD/MM/YYYY)"}
    ]


def test_the_import_products_csv_uses_the_manifests_tier_names():
    options = Options(tier_names={"Sell Price Tier 1": "Trade", "Sell Price Tier 2": "Distributor"})

    batch = files.map_file("unleashed", rows("unleashed", "import-products.csv"), options)

    found = prices(batch)
    assert found[("unleashed-tier-trade", "BOLT-M8")] == [(1, "0.42")]
    assert found[("unleashed-tier-distributor", "BOLT-M8")] == [(1, "0.38")]
    assert ("unleashed-tier-distributor", "NUT-M8") not in found  # a blank cell leaves the price as it is
    assert documents(batch, "rule") == [{"group": "base", "sku": "BOLT-M8", "min_qty": 50}]
    without = files.map_file("unleashed", rows("unleashed", "import-products.csv"), Options())
    assert ("unleashed-tier-sell-price-tier-1", "BOLT-M8") in prices(without)


def test_unknown_file_headers_say_what_the_profile_expects():
    with pytest.raises(files.UnknownLayout, match="Product Code"):
        files.map_file("unleashed", [{"sku": "X", "price": "1"}], Options())


# -- vendor samples (sources: the `_source` of each fixture) ------------------------------------------------------


def test_unused_tier_slots_reading_zero_are_no_tier_price_not_a_price_of_zero():
    # Given Unleashed products as its API answers them: unused SellPriceTierN slots read "0.0000" (or null)
    batch = mapped("unleashed", "products", load("unleashed", "products-docs.json"))

    found = prices(batch)
    # Then the used tier and the default sell price are prices
    assert found[("unleashed-tier-rrp", "_TEST01")] == [(1, "15.0000")]
    assert found[("unleashed-default", "_TEST01")] == [(1, "10")]
    # And every unused slot removes the SKU from that tier's list (so Unleashed's fallback, the default sell
    # price, applies), never prices it at 0.00
    for number in range(2, 11):
        assert found[(tier_list(f"Sell Price Tier {number}"), "_TEST01")] == []
    assert all(tier[1] != "0.0000" for ladder in found.values() for tier in ladder)


def test_an_obsolete_product_is_skipped_with_a_warning():
    batch = mapped("unleashed", "products", load("unleashed", "products-docs.json"))

    obsolete = batch.records[2]
    assert (obsolete.key, obsolete.skipped) == ("IIID5", True)
    assert obsolete.warnings[0]["field"] == "Obsolete"
    assert not any(key[1] == "IIID5" for key in prices(batch))
    assert accounted(batch) == {0: "mapped", 1: "mapped", 2: "skipped"}


def test_the_docs_customer_without_an_email_is_passed_on_without_one():
    # Given Unleashed's own customer sample: Email null, SellPriceTier ""
    batch = mapped("unleashed", "customers", load("unleashed", "customers-docs.json"))

    assert errors(batch) == {}
    (customer,) = documents(batch, "customer")
    assert customer["id"] == "FRANCK"
    assert "email" not in customer
    assert customer["group"] == "unleashed-no-tier"
    assert accounted(batch) == {0: "mapped"}
