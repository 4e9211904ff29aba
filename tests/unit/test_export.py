"""Prices as a CSV in the import format (tradeprice.files.export): what the console's export downloads."""

from datetime import UTC, datetime
from decimal import Decimal

from tradeprice.domain.models import Price, Tier
from tradeprice.files import FileFormat, PriceRecord, open_table, read_prices
from tradeprice.files.export import prices_csv


def test_one_row_per_tier_with_the_skus_fields_as_stored():
    price = Price(
        price_list="trade",
        sku="BOLT-M8",
        tiers=[Tier(min_qty=1, price=Decimal("0.50")), Tier(min_qty=100, price=Decimal("0.4500"))],
        unit_of_measure="box",
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        source_version=Decimal(7),
    )

    text = prices_csv([price])

    assert text.startswith("\ufeff")
    assert text[1:].split("\r\n") == [
        "sku,qty,price,unit_of_measure,valid_from,valid_until,source_version",
        "BOLT-M8,1,0.5,box,2026-01-01T00:00:00+00:00,,7",  # prices in their one canonical form
        "BOLT-M8,100,0.45,box,2026-01-01T00:00:00+00:00,,7",
        "",
    ]


def test_an_empty_page_is_the_header_alone():
    assert prices_csv([]) == "\ufeffsku,qty,price,unit_of_measure,valid_from,valid_until,source_version\r\n"


def test_the_importer_reads_an_export_back_as_the_same_prices():
    prices = [
        Price(
            price_list="trade",
            sku="WASHER M8/10",
            tiers=[Tier(min_qty=1, price=Decimal("0.0525")), Tier(min_qty=500, price=Decimal("0.04"))],
            unit_of_measure="bag of 100",
            valid_until=datetime(2027, 6, 30, 23, 59, tzinfo=UTC),
            source_version=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        ),
        Price(price_list="trade", sku="NUT-M8", tiers=[Tier(min_qty=1, price=Decimal("0.12"))]),
    ]

    table = open_table([prices_csv(prices).encode("utf-8")], FileFormat.CSV)
    with read_prices(table, default_list="trade", currencies={"trade": "GBP"}) as reader:
        read_back = [item for item in reader if isinstance(item, PriceRecord)]

    assert {r.sku: Price.model_validate(r.as_dict()) for r in read_back} == {price.sku: price for price in prices}
