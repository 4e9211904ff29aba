"""A dropped file opened as rows: CSV and XLSX as rows of cell texts, JSON Lines as objects.

Rows are numbered as a spreadsheet numbers them (the first line of the file is 1, blank rows count, a quoted cell
spanning several lines is one row), so a report's line is the row the merchant sees in Excel.
"""

import csv
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from itertools import chain
from pathlib import PurePath
from typing import IO, Any, cast
from xml.etree.ElementTree import ParseError  # nosec B405  # only the exception type; openpyxl does the parsing

from tradeprice.errors import InvalidFile
from tradeprice.files.numbers import POINT, NumberFormat
from tradeprice.files.rejection import Rejection
from tradeprice.files.text import (
    LINES,
    SNIFF_CHARS,
    DecodedText,
    line_blocks,
    sniff_decimal_comma,
    sniff_delimiter,
    split_lines,
)

CHUNK = 1 << 16

Source = Iterable[bytes] | str | os.PathLike[str] | IO[bytes]
"""A file as streamed byte chunks (an S3 body's `iter_chunks()`), a path, or an open binary file."""


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


_EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".tab": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def detect_format(name: str, head: bytes = b"") -> FileFormat:
    """The format of a file from its first bytes (an .xlsx is a zip, whatever it is called) and its name.

    Merchants rename files: content wins over the extension where it is unambiguous.
    """
    if head.startswith(_ZIP_MAGIC):
        return FileFormat.XLSX
    suffix = PurePath(name).suffix.lower()
    if head.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise InvalidFile("legacy .xls workbooks are not read; save the sheet as .xlsx or CSV")
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return FileFormat.JSONL
    return FileFormat.CSV


@dataclass(slots=True)
class CellTable:
    """CSV or XLSX: every row of the sheet from its first, as (row number, cell texts); blank rows are empty
    lists or all-empty cells. `numbers` is how the file writes decimals."""

    format: FileFormat
    rows: Iterator[tuple[int, list[str]]]
    numbers: NumberFormat
    close: Callable[[], None]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    lines: "CsvLines | None" = None
    """CSV only: the same rows, still as text, for a reader that splits plain rows faster than `rows` does."""


@dataclass(slots=True)
class ObjectTable:
    """JSON Lines: (line, object) per non-blank line; a line that is not a JSON object is a Rejection."""

    rows: Iterator[tuple[int, dict[str, Any]] | Rejection]
    close: Callable[[], None]
    format: FileFormat = FileFormat.JSONL


Table = CellTable | ObjectTable


def open_table(
    source: Source,
    fmt: FileFormat,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    decimal_comma: bool | None = None,
) -> Table:
    """Open a file for reading rows. Nothing but its head is read here; the rows stream.

    CSV: `delimiter` and `decimal_comma` override the sniffed ones. XLSX: `sheet` names the sheet (default: the
    first); openpyxl needs a seekable file, so streamed chunks are spooled to a temporary file first.
    """
    if fmt is FileFormat.XLSX:
        return open_xlsx(source, sheet)
    chunks = _chunks(source)
    if fmt is FileFormat.JSONL:
        return open_jsonl(chunks)
    return open_csv(chunks, delimiter=delimiter, decimal_comma=decimal_comma)


def _chunks(source: Source) -> Iterable[bytes]:
    if isinstance(source, str | os.PathLike):
        return _file_chunks(open(source, "rb"), close=True)
    if hasattr(source, "read"):
        return _file_chunks(cast(IO[bytes], source), close=False)
    return source


def _file_chunks(file: IO[bytes], *, close: bool) -> Iterator[bytes]:
    try:
        while chunk := file.read(CHUNK):
            yield chunk
    finally:
        if close:
            file.close()


# CSV ---------------------------------------------------------------------------------------------------------------


def open_csv(chunks: Iterable[bytes], *, delimiter: str | None = None, decimal_comma: bool | None = None) -> CellTable:
    decoded = DecodedText(chunks)
    pieces = iter(decoded)
    head: list[str] = []
    size = 0
    for piece in pieces:
        head.append(piece)
        size += len(piece)
        if size >= SNIFF_CHARS:
            break
    sample = "".join(head)
    if not sample.strip():
        raise InvalidFile("the file is empty")
    chosen = delimiter or sniff_delimiter(sample)
    if decimal_comma is None:
        comma, seen = sniff_decimal_comma(sample, chosen)
        numbers = NumberFormat(decimal_comma=comma, assumed=not seen)
    else:
        numbers = NumberFormat(decimal_comma=decimal_comma)
    lines = CsvLines(chain([sample], pieces), chosen)
    return CellTable(
        format=FileFormat.CSV,
        rows=lines.rows(),
        numbers=numbers,
        close=_noop,
        encoding=decoded.encoding,
        delimiter=chosen,
        lines=lines,
    )


class CsvLines:
    """A CSV's text as whole lines, read as records through `csv` (`rows`) or taken a block at a time.

    The two share one position, so a reader can take the header through `rows`, then take the rest a block at a
    time and split plain lines itself (a regular expression over a block, in C), handing a block with a quote
    back to `records`: `csv` alone knows where a quoted cell ends, and may read the lines of the next block to
    finish one. `csv.reader` pulls one line at a time and never reads ahead, which is what makes the handover
    exact. `line` is the number of the last record read, however it was read.
    """

    def __init__(self, pieces: Iterable[str], delimiter: str) -> None:
        self._blocks = line_blocks(pieces)
        self._pending: list[str] = []  # the current block's lines not yet read, last first
        self._reader = csv.reader(self, delimiter=delimiter)
        self.delimiter = delimiter
        self.line = 0

    def __iter__(self) -> "CsvLines":
        return self

    def __next__(self) -> str:
        """The next line, for `csv.reader`."""
        while not self._pending:
            self._pending = LINES.findall(next(self._blocks))
            self._pending.reverse()
        return self._pending.pop()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Every record from here on, numbered."""
        while True:
            try:
                yield self._record()
            except StopIteration:
                return

    def take_block(self) -> str | None:
        """The rest of the current block of whole lines, or the next block; None at the end of the file. The
        caller numbers its lines (`line`) and hands back a block it cannot split (`records`)."""
        if self._pending:
            self._pending.reverse()
            text = "".join(self._pending)
            self._pending = []
            return text
        return next(self._blocks, None)

    def records(self, block: str) -> Iterator[tuple[int, list[str]]]:
        """The records that begin in a block given back, read by `csv` (a quoted cell may end in a later one)."""
        self._pending = LINES.findall(block)
        self._pending.reverse()
        while self._pending:
            yield self._record()

    def _record(self) -> tuple[int, list[str]]:
        """The next record, numbered; StopIteration at the end of the file."""
        try:
            row = next(self._reader)
        except csv.Error as error:
            raise self._unreadable(error) from None
        self.line += 1
        return self.line, row

    def _unreadable(self, error: csv.Error) -> InvalidFile:
        return InvalidFile(f"line {self.line + 1} cannot be read as CSV ({error}); is a quote left open?")


def _noop() -> None:
    return None


# XLSX --------------------------------------------------------------------------------------------------------------


def open_xlsx(source: Source, sheet: str | None = None) -> CellTable:
    """The first sheet (or the named one) of a workbook, read-only and streaming.

    Cells are read as Excel stored them (`data_only`): a formula's last computed value, never the formula and
    never evaluated here; a formula the producing program did not compute reads as an empty cell. A number cell
    becomes the text of its value to 15 significant digits, as Excel displays it (Excel stores doubles: `33.61`
    may sit in the file as 33.609999999999999).
    """
    from openpyxl import load_workbook  # imported on use: only XLSX imports pay for it

    spooled: IO[bytes] | None = None
    if not isinstance(source, str | os.PathLike) and not hasattr(source, "read"):
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the table
        for chunk in source:
            spooled.write(chunk)
        spooled.seek(0)
    target: Any = spooled if spooled is not None else source
    try:
        workbook = load_workbook(target, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        if spooled is not None:
            spooled.close()
        raise InvalidFile(f"the file is not a readable .xlsx workbook ({error})") from None

    def close() -> None:
        workbook.close()
        if spooled is not None:
            spooled.close()

    if sheet is not None and sheet not in workbook.sheetnames:
        close()
        raise InvalidFile(f"the workbook has no sheet '{sheet}'; its sheets are: {', '.join(workbook.sheetnames)}")
    if sheet is None and not workbook.worksheets:
        close()
        raise InvalidFile("the workbook has no worksheet")
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    return CellTable(
        format=FileFormat.XLSX,
        rows=_xlsx_rows(worksheet.iter_rows(values_only=True)),
        numbers=POINT,
        close=close,
        sheet=worksheet.title,
    )


def _xlsx_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, values in enumerate(rows, 1):
            yield number, [cell_text(value) for value in values]
    except (ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as error:
        raise InvalidFile(f"the workbook is damaged after row {number} ({type(error).__name__})") from None


def cell_text(value: Any) -> str:
    """An XLSX cell value as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = format(value, ".15g")
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# JSON Lines --------------------------------------------------------------------------------------------------------


def open_jsonl(chunks: Iterable[bytes]) -> ObjectTable:
    return ObjectTable(rows=_jsonl_rows(split_lines(DecodedText(chunks, utf8_only=True))), close=_noop)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _jsonl_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any]] | Rejection]:
    first = True
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        if first and text.startswith("["):
            raise InvalidFile("the file is a JSON array; write JSON Lines: one object per line")
        first = False
        try:
            value = json.loads(text, parse_float=Decimal, parse_constant=_no_constants)
        except ValueError as error:
            yield Rejection(number, "", text[:80], f"is not valid JSON ({error})")
            continue
        if not isinstance(value, dict):
            yield Rejection(number, "", text[:80], "is not a JSON object")
            continue
        yield number, value
