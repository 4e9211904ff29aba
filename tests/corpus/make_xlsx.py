"""Regenerate tests/corpus/prices.xlsx: python tests/corpus/make_xlsx.py

A workbook shaped like a merchant's price sheet: a title row, then the header; numbers stored as Excel stores them
(doubles, so 33.61 is 33.609999…); a SKU that is literally the text `=HYPERLINK(…)` (data, not a formula); a
price that is a formula with no cached value (openpyxl cannot compute one, so it reads as empty); a second sheet.
"""

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def build(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Prices"
    sheet.append(["Trade price list", None, None, None])
    sheet.append(["Product Code", "Description", "Unit Price", "Min Qty"])
    sheet.append(["BOLT-M8", "Hex bolt", 0.48, 1])
    sheet.append(["BOLT-M8", "Hex bolt", 0.44, 100])
    sheet.append(["DRILL-18V", "Drill", 33.61, 1.0])
    sheet.append([None, None, None, None])
    sheet.append(['=HYPERLINK("http://evil.example")', "text that looks like a formula", 1.5, 1])
    sheet.cell(row=sheet.max_row, column=1).data_type = "s"  # a text cell: openpyxl would make it a formula
    sheet.append(["SAW-22IN", "Saw", "=C5*0.5", 1])
    sheet.append(["HAMMER-16OZ", "Hammer", 12, 2.5])
    sheet.append([1234, "numeric SKU", 0.1 + 0.2, 1])
    sheet.append(["CHISEL-SET", "Chisels", "£9.99", 1])
    eur = workbook.create_sheet("EUR")
    eur.append(["sku", "price", "qty", "valid from"])
    eur.append(["BOLT-M8", 0.55, 1, datetime(2027, 1, 1)])
    workbook.save(path)


if __name__ == "__main__":
    build(HERE / "prices.xlsx")
