"""The per-row error report (line, column, value, reason): a CSV that is safe to open in Excel.

A cell that Excel (or LibreOffice, Google Sheets) would take for a formula — one starting with `=` `+` `-` `@`, a
tab or a carriage return, also after leading spaces or in their full-width forms — is prefixed with `'`, which
makes it text: a report quotes the merchant's own cells back, and `=HYPERLINK(…)` in a SKU must stay a SKU.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

from tradeprice.files.rejection import Rejection

REPORT_COLUMNS = ("line", "column", "value", "reason")

_FORMULA_LEADS = frozenset("=+-@\t\r＝＋－＠")


def excel_safe(cell: str) -> str:
    """`=1+2` → `'=1+2`; anything else unchanged."""
    if cell[:1] in _FORMULA_LEADS or cell.lstrip(" ")[:1] in _FORMULA_LEADS:
        return "'" + cell
    return cell


def write_report(rejections: Iterable[Rejection], out: TextIO) -> int:
    """Write the report to a text stream opened with newline=""; returns the rows written. Encode it as
    UTF-8 with a BOM (`utf-8-sig`) so Excel shows `£` and accents right."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REPORT_COLUMNS)
    written = 0
    for rejection in rejections:
        writer.writerow(
            [rejection.line, excel_safe(rejection.column), excel_safe(rejection.value), excel_safe(rejection.reason)]
        )
        written += 1
    return written
