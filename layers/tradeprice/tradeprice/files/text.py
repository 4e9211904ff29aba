"""Bytes to text lines for streamed CSV and JSON Lines: encoding detection, line splitting, delimiter sniffing.

Everything here works on a stream of byte chunks and holds at most one chunk (plus one unfinished line).
"""

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain

from tradeprice.errors import InvalidFile

DELIMITERS = (",", ";", "\t", "|")
"""The delimiters a CSV may use, in the order ties are broken."""

SNIFF_RECORDS = 50
"""Records of the file's head that the delimiter and decimal convention are judged on."""

SNIFF_CHARS = 1 << 16


MAX_LINE_CHARS = 8 << 20
"""A 'line' longer than this is not a spreadsheet export; refusing it keeps memory bounded."""

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),  # Excel's "Unicode Text" export: UTF-16 LE, tab-delimited
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_QUOTED = re.compile(r'"[^"]*"')
_LINE_END = re.compile(r"\r\n|\r|\n")


class DecodedText:
    """The text of a stream of byte chunks, in pieces; `encoding` says what the bytes turned out to be.

    A BOM decides (UTF-8, UTF-16). Otherwise the bytes are read as UTF-8 until a byte that UTF-8 cannot decode;
    if nothing but ASCII came before it, the file is Windows-1252 (Excel's "CSV" on Windows, where `£` is the
    single byte 0xA3), decoded as such from that byte on (the ASCII before reads the same either way). A file with
    valid non-ASCII UTF-8 before such a byte mixes encodings (or was mis-saved: `Â£`) and is refused rather than
    guessed, since a wrong guess would corrupt SKUs.
    """

    def __init__(self, chunks: Iterable[bytes], *, utf8_only: bool = False) -> None:
        self._chunks = iter(chunks)
        self._utf8_only = utf8_only
        self.encoding = "utf-8"
        self.bom = False

    def __iter__(self) -> Iterator[str]:
        head = b""
        for chunk in self._chunks:
            head += chunk
            if len(head) >= 4:
                break
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                if encoding != "utf-8" and self._utf8_only:
                    raise InvalidFile("the file is UTF-16; save it as UTF-8")
                self.encoding, self.bom = encoding, True
                head = head[len(bom) :]
                break
        if self.encoding != "utf-8":
            yield from _decode_fixed(head, self._chunks, self.encoding)
            return
        yield from self._utf8_or_cp1252(head)

    def _utf8_or_cp1252(self, head: bytes) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        non_ascii_seen = False
        newlines = 0
        chunks: Iterable[bytes] = _prepend(head, self._chunks)
        for chunk in chunks:
            if not non_ascii_seen and chunk.isascii() and not decoder.getstate()[0]:
                text = chunk.decode("ascii")
            else:
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    pending = decoder.getstate()[0]
                    if non_ascii_seen or self.bom or self._utf8_only or not chunk[: error.start].isascii():
                        line = newlines + chunk[: error.start].count(b"\n") + 1
                        raise InvalidFile(
                            f"line {line} is not valid UTF-8 (the file mixes encodings?); save the file as UTF-8"
                        ) from None
                    self.encoding = "cp1252"
                    yield from _decode_fixed(pending + chunk, self._chunks, "cp1252", newlines)
                    return
                if not text.isascii():
                    non_ascii_seen = True
            newlines += text.count("\n")
            yield text
        try:
            tail = decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if non_ascii_seen or self.bom or self._utf8_only:
                raise InvalidFile("the file ends in the middle of a UTF-8 character") from None
            self.encoding = "cp1252"  # a lone lead byte at the very end (`Â`): Windows-1252 after all
            yield from _decode_fixed(decoder.getstate()[0], iter(()), "cp1252", newlines)
            return
        if tail:
            yield tail


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


def _decode_fixed(head: bytes, rest: Iterator[bytes], encoding: str, newlines: int = 0) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    for chunk in _prepend(head, rest):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as error:
            byte = chunk[error.start : error.start + 1].hex()
            line = newlines + chunk[: error.start].count(b"\n") + 1
            raise InvalidFile(f"line {line} has byte 0x{byte}, which is not text in {encoding}") from None
        newlines += text.count("\n")
        yield text
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidFile(f"the file ends in the middle of a {encoding} character") from None
    if tail:
        yield tail


def split_lines(pieces: Iterable[str]) -> Iterator[str]:
    """Lines with their endings (CRLF, LF or a lone CR), whatever the piece boundaries.

    Only CR and LF end a line: `str.splitlines` would also split on U+2028, form feeds and the like, which a
    CSV cell may hold. The lines of a block are split and flattened in C (`findall`, `chain`): no Python frame
    per line on the hot path.
    """
    return chain.from_iterable(map(LINES.findall, line_blocks(pieces)))


LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
"""A block's lines, with their endings; the file's last line may have none."""


def line_blocks(pieces: Iterable[str]) -> Iterator[str]:
    """The text again, cut only at line ends: each block is whole lines (the last block of the file may end
    without a line end). A CR at the end of a piece waits for the next piece, so CRLF is never split in two."""
    pending = ""
    for piece in pieces:
        text = pending + piece if pending else piece
        end = len(text) - 1 if text.endswith("\r") else len(text)
        last = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end))
        if last < 0:
            if len(text) > MAX_LINE_CHARS:
                raise InvalidFile(f"a line is longer than {MAX_LINE_CHARS // (1 << 20)} MB; this is not a CSV file")
            pending = text
            continue
        pending = text[last + 1 :]
        yield text[: last + 1]
    if pending:
        yield pending


def head_records(sample: str, limit: int = SNIFF_RECORDS) -> list[str]:
    """The first complete, non-blank records of a text sample, quoted sections emptied (so a quoted newline or
    delimiter does not count). An unfinished last line is left out unless it is all the sample has."""
    unquoted = _QUOTED.sub('""', sample)
    lines = _LINE_END.split(unquoted)
    if len(lines) > 1:
        lines.pop()  # unfinished (or the empty string after the final newline)
    return [line for line in lines if line.strip()][:limit]


def sniff_delimiter(sample: str) -> str:
    """The delimiter whose count per record is the most consistent over the file's head.

    Score: how many records have exactly the most common non-zero count, then that count; ties go to the
    order `,` `;` tab `|`. A decimal comma in a `;` file counts commas on data rows only, never on the header, so
    `;` wins on consistency. A file with a single column has no delimiter at all: `,` is as good as any.
    """
    records = head_records(sample)
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [record.count(delimiter) for record in records]
        non_zero = [count for count in counts if count]
        if not non_zero:
            continue
        modal = Counter(non_zero).most_common(1)[0][0]
        score = (sum(count == modal for count in counts), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


_COMMA_DECIMAL = re.compile(
    r"^[-+]?(?:\d{1,3}(?:[. \xa0\u202f]\d{3})+|\d+),(?:\d{1,2}|\d{4,})$|^[-+]?\d{1,3}(?:\.\d{3})+,\d+$"
)
_POINT_DECIMAL = re.compile(
    r"^[-+]?(?:\d{1,3}(?:[, \xa0\u202f']\d{3})+|\d+)\.(?:\d{1,2}|\d{4,})$|^[-+]?\d{1,3}(?:,\d{3})+\.\d+$"
)
_CURRENCY_MARK = re.compile(r"^[^\d+\-.,]{1,4}|[^\d.,]{1,4}$")


def sniff_decimal_comma(sample: str, delimiter: str) -> tuple[bool, bool]:
    """(decimal comma?, seen in the data?) for a CSV's head.

    A `,` file writes decimals with a point (a decimal comma there would need quoting in every cell). A `;` file
    is what Excel writes where the decimal separator is a comma, so it reads `1.234,56` unless its head shows
    only point decimals (`12.50`, never `12,50`); tab and `|` files read points unless the head shows only comma
    decimals. Numbers with exactly three digits after a single separator (`1.250`) are no evidence either way.
    """
    if delimiter == ",":
        return False, True
    comma = point = 0
    complete = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1] or sample
    for row in csv.reader(LINES.findall(complete), delimiter=delimiter):
        for cell in row:
            value = _CURRENCY_MARK.sub("", cell.strip()).strip()
            if _COMMA_DECIMAL.match(value):
                comma += 1
            elif _POINT_DECIMAL.match(value):
                point += 1
    if delimiter == ";":
        return (not (point and not comma)), bool(comma or point)
    return bool(comma and not point), bool(comma or point)
