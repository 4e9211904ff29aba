"""Reading merchants' import files: pure (no AWS), streaming, exact.

    table = open_table(chunks, detect_format(key, first_bytes))           # bytes → rows
    with read_prices(table, default_list="trade", currencies={"trade": "GBP"}) as reader:
        for item in reader:                                               # PriceRecord | Rejection
            ...

Formats (docs/imports.md)
-----------------------
* CSV — UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode Text"), Windows-1252 (detected: Excel's
  "CSV" on Windows writes `£` as the byte 0xA3); delimiter `,` `;` tab or `|`, sniffed from the first 50 records;
  CRLF, LF or CR line ends; quoted cells with embedded newlines and delimiters. Read in 64 KiB chunks: memory
  does not grow with the file.
* XLSX — the first sheet, or a named one; openpyxl in read-only mode, values as Excel last computed them (a
  formula is never evaluated here); numbers to 15 significant digits as Excel shows them.
* JSON Lines — one object per line, numbers parsed as Decimal (never float). Price objects are either one tier
  (`{"sku", "price", "qty"?}`) or a ladder (`{"sku", "tiers": [{"min_qty", "price"}]}`).

Numbers (files/numbers.py)
--------------------------
Decimal point or decimal comma per file: a `;` file is what Excel writes where the decimal separator is a comma, so
it reads `1.234,56` / `0,50` unless its head shows only point decimals; tab and `|` files read points unless their
head shows only comma decimals; `,` files always read points. Thousands separators (`1,234.56`, `1.234,56`,
`1 234,56`, `1'234.56`) must group by three. When the head shows no decimal at all, a number whose only separator
could be either (`1.250`) is rejected as ambiguous rather than read ×1000 wrong.

Currency marks: a price may carry one mark before or after it (`£12.50`, `12,50 €`, `GBP 12.50`, `US$3`),
because Excel's CSV export writes cells as formatted. The mark is accepted only when it can denote the currency
of the row's price list (`currencies`), so a `$` price is never written to a GBP list; unknown marks and marks on
a list of unknown currency are rejected. Percent fields take a trailing `%`.

Headers (files/headers.py)
--------------------------
Matched case-, space-, punctuation- and accent-insensitively against aliases per kind, strong beating weak (an
export with both `SKU` and `Product` keys on `SKU`): prices — `SKU` / `Product Code` / `Item Number` /
`Item No.` / `Stock Code` / `Part Number`…, `Price` / `Unit Price` / `Sell Price` / `Net Price` / `Price (£)` /
`Price GBP`…, `Qty` / `Min Qty` / `Min. Quantity` / `Break Qty` / `Quantity`…, `Price List` / `Price Band` /
`Price Book`…, plus `UOM`, `Valid From`, `Valid Until`, `Source Version`; the other kinds' fields likewise
(the canonical names and their common spellings; see headers._ALIASES). Up to 10 title rows above the header
are skipped. Columns that match nothing are ignored and listed in `reader.columns.ignored`.

Price layouts (files/prices.py)
-------------------------------
* long: `sku,price[,qty][,price_list]` — one row per tier, qty empty or absent = 1.
* tier-per-column, chosen when any header is a tier header:
  - numbered pairs: `Qty 2` + `Price 2`, `Break 1 Qty` + `Break 1 Price`, `Qty Break 3` + `Price Break 3`,
    `Tier 2 Min Qty` + `Tier 2 Unit Price`, `Level 4 …`, `Band 2 …`; a plain `Price` (with an optional plain
    `Qty`, empty = 1) is the first tier; without one, the lowest-numbered pair is, and may omit its qty column
    (then its quantity is 1); every other pair needs both columns.
  - quantity in the header: `Price 1+`, `Price 10+`, `10+`, `Price (10+)`, `Price 10-49`, `Price 10 to 49`,
    `Price @ 10`, `Price for 10`, `Price from 10`, `Qty 10+`.
  An empty price cell means no tier there; a row needs a price at quantity 1.
Output: one `PriceRecord` per (list, SKU) with its tiers (sorted, the first at 1; each price in the canonical form
`Money` stores, `12.50` → 12.5, `3.00` → 3, so equal values from any file are one price), the rows it came from, and
`as_dict()` / `to_price()`. A SKU's rows in a long file may be anywhere within a window of 4,096 SKUs (see
prices.py for the memory trade-off); beyond it reading stops with InvalidFile rather than write half a ladder.

Problems
--------
A file-level problem (unreadable, empty, a required column missing or ambiguous, a broken quote, mixed encodings,
a SKU's rows too far apart) raises tradeprice.errors.InvalidFile. A row-level one is a `Rejection(line, column,
value, reason)` and the row is not used: a price that is no number, negative, over 6 decimals or 12 whole digits,
in the wrong currency; a quantity that is not a whole number ≥ 1; a SKU or list slug the model would refuse; a tier
repeated for a SKU at another price (the first row's stands, and the reason names both prices); a second row for
a SKU in the tier-per-column layout; a ladder without a quantity-1 tier; in a CSV, a row with a value beyond the
header's last column (`W-1,Washers 8,10,3.50` under `sku,description,price`: an unquoted delimiter or decimal
comma shifted its cells, so it is refused, never read shifted; empty cells beyond the header are fine, and in an
XLSX, where nothing can shift, such a cell is an unheaded note, ignored). A tier repeated at the same price (`12.5`
on one row, `12.50` on another) is no problem: it is merged into one tier and both rows count as read into it.
Cells like `=HYPERLINK(…)` are data: a SKU keeps them as written, a price cell holding one is no number, and
`write_report` neutralises them so Excel never runs them.
"""

from tradeprice.files.headers import Columns, TierColumn, normalise
from tradeprice.files.numbers import NumberFormat
from tradeprice.files.prices import DEFAULT_WINDOW, PriceReader, PriceRecord, read_prices
from tradeprice.files.records import MODELS, Record, RecordReader, read_records
from tradeprice.files.rejection import Rejection
from tradeprice.files.report import REPORT_COLUMNS, excel_safe, write_report
from tradeprice.files.tables import CellTable, FileFormat, ObjectTable, Source, Table, detect_format, open_table

__all__ = [
    "DEFAULT_WINDOW",
    "MODELS",
    "REPORT_COLUMNS",
    "CellTable",
    "Columns",
    "FileFormat",
    "NumberFormat",
    "ObjectTable",
    "PriceReader",
    "PriceRecord",
    "Record",
    "RecordReader",
    "Rejection",
    "Source",
    "Table",
    "TierColumn",
    "detect_format",
    "excel_safe",
    "normalise",
    "open_table",
    "read_prices",
    "read_records",
    "write_report",
]
