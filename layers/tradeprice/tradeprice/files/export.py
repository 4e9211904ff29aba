"""Prices as a CSV file in the import format, so staff can edit a list in Excel and import it back.

The long layout the importer reads (`sku,qty,price`, one row per tier) plus the SKU's optional fields, written
exactly as stored: importing an unedited export changes nothing. UTF-8 with a BOM and CRLF, as Excel expects.
Cells are not prefixed against formulas (that would change the values on the way back); prices are plain
decimals and SKUs are the ERP's own codes.
"""

import csv
import io
from collections.abc import Iterable

from tradeprice.domain.models import Price

PRICE_COLUMNS = ("sku", "qty", "price", "unit_of_measure", "valid_from", "valid_until", "source_version")
BOM = "\ufeff"


def _text(value: object) -> str:
    if value is None:
        return ""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)


def prices_csv(prices: Iterable[Price]) -> str:
    """One header row, then one row per tier of each price, in the order given."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PRICE_COLUMNS)
    for price in prices:
        extras = [_text(price.unit_of_measure), _text(price.valid_from), _text(price.valid_until)]
        extras.append(_text(price.source_version))
        for tier in price.tiers:
            writer.writerow([price.sku, tier.min_qty, str(tier.price), *extras])
    return BOM + out.getvalue()
