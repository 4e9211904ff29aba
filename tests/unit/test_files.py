"""Reading import files (tradeprice.files): the corpus of files as merchants make them, each with its expected
outcome, then the parts — encoding, lines, delimiters, numbers, headers, layouts, the window, the report."""

import csv
import io
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from tradeprice.domain.models import ImportKind, Price, from_partial
from tradeprice.domain.types import Money, Sku
from tradeprice.errors import InvalidFile
from tradeprice.files import (
    FileFormat,
    PriceRecord,
    Record,
    Rejection,
    Source,
    detect_format,
    excel_safe,
    normalise,
    open_table,
    read_prices,
    read_records,
    write_report,
)
from tradeprice.files.headers import lookup, resolve, tier_header
from tradeprice.files.numbers import COMMA, POINT, NumberFormat, canonical_number, parse_money
from tradeprice.files.records import MODELS
from tradeprice.files.tables import CellTable, cell_text
from tradeprice.files.text import DecodedText, sniff_decimal_comma, sniff_delimiter, split_lines

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CURRENCIES = {"trade": "GBP", "trade-eu": "EUR"}


Records = list[tuple[str | None, str, str, tuple[int, ...]]]
Rejections = list[tuple[int, str, str]]


def read(
    source: Source,
    fmt: FileFormat = FileFormat.CSV,
    *,
    sheet: str | None = None,
    default_list: str | None = "trade",
    currencies: dict[str, str] = CURRENCIES,
    **options: Any,
) -> tuple[Records, Rejections, int]:
    """(records as (list, sku, 'qty:price …', lines), rejections as (line, column, reason), rows read)."""
    table = open_table(source, fmt, sheet=sheet, **options)
    with read_prices(table, default_list=default_list, currencies=currencies) as reader:
        items = list(reader)
    records = sorted(
        (r.price_list, r.sku, " ".join(f"{q}:{p}" for q, p in r.tiers), r.lines)
        for r in items
        if isinstance(r, PriceRecord)
    )
    rejections = sorted((r.line, r.column, r.reason) for r in items if isinstance(r, Rejection))
    return records, rejections, reader.rows_read


def csv_bytes(text: str, encoding: str = "utf-8") -> list[bytes]:
    return [text.encode(encoding)]


# The corpus: prices ----------------------------------------------------------------------------------------------

ONE_ROW = "in this layout a SKU has one row"
SHIFTED = (
    "a value holding the delimiter unquoted (or a decimal comma in a comma-separated file) splits in two and shifts "
    "the cells after it; quote that value, or clear what is beyond the header"
)

PRICE_CORPUS = [
    pytest.param(
        "excel-cp1252-pounds.csv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (2, 3)),
            ("trade", "DRILL-18V", "1:1234.5", (4,)),
            ("trade", "HAMMER-16OZ", "1:12", (5,)),
        ],
        [(6, "Unit Price", "is in $ but price list 'trade' is in GBP")],
        id="excel-cp1252-with-pound-signs-and-a-dollar-slip",
    ),
    pytest.param(
        "semicolon-decimal-comma.csv",
        {"currencies": {"trade": "EUR"}},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (2, 3)),
            ("trade", "DRILL-18V", "1:1234.56", (4,)),
            ("trade", "HAMMER-16OZ", "1:12.5", (5,)),
        ],
        [(6, "Price", "is not a number in this file, which writes decimals with a comma (e.g. 1.234,56)")],
        id="semicolon-with-decimal-comma-and-euro-mark",
    ),
    pytest.param(
        "bom-crlf.csv",
        {},
        [("trade", "BOLT-M8", "1:0.48 100:0.44", (2, 3)), ("trade", "DRILL-18V", "1:33.61", (4,))],
        [],
        id="utf8-bom-crlf-qty-defaults-to-1",
    ),
    pytest.param(
        "quoted-newlines.csv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48", (2,)),
            ("trade", "DRILL-18V", "1:33.61", (3,)),
            ("trade", "HAMMER-16OZ", "1:12", (4,)),
        ],
        [],
        id="quoted-newlines-count-as-one-spreadsheet-row",
    ),
    pytest.param(
        "formula-cells.csv",
        {},
        [
            ("trade", '=HYPERLINK("http://evil.example","click")', "1:1", (2,)),
            ("trade", "@SUM(A1)", "1:2", (3,)),
            ("trade", "HAMMER-16OZ", "1:12", (6,)),
        ],
        [(4, "price", "is not a number"), (5, "price", "must not be negative")],
        id="formula-looking-cells-are-data-never-evaluated",
    ),
    pytest.param(
        "duplicate-skus.csv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (2, 4)),
            ("trade", "DRILL-18V", "1:33.61", (3, 7)),
            ("trade", "HAMMER-16OZ", "1:12", (5,)),
        ],
        [
            (
                6,
                "price",
                "BOLT-M8 at qty 100 is already priced 0.44 on line 4, which is kept; this row's 0.40 was ignored",
            )
        ],
        id="non-adjacent-rows-merge-a-conflicting-tier-is-rejected-naming-both-prices-a-repeat-is-merged",
    ),
    pytest.param(
        "blank-lines.csv",
        {},
        [("trade", "BOLT-M8", "1:0.48", (4,)), ("trade", "DRILL-18V", "1:33.61", (7,))],
        [],
        id="blank-and-delimiter-only-lines-are-skipped-but-counted-in-line-numbers",
    ),
    pytest.param(
        "extra-columns.csv",
        {},
        [("trade", "BOLT-M8", "1:0.48", (2,)), ("trade", "DRILL-18V", "1:33.61", (3,))],
        [],
        id="extra-columns-are-ignored",
    ),
    pytest.param(
        "shifted-cells.csv",
        {},
        [("trade", "W-2", "1:4.2", (3,)), ("trade", "W-4", "1:1.1", (5,))],
        [
            (2, "column D", "the row has 4 values for 3 columns: " + SHIFTED),
            (4, "column D", "the row has 4 values for 3 columns: " + SHIFTED),
        ],
        id="a-row-with-more-values-than-the-header-is-rejected-not-read-shifted",
    ),
    pytest.param(
        "x100-slip.csv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48", (2,)),
            ("trade", "DRILL-18V", "1:3361", (3,)),
            ("trade", "HAMMER-16OZ", "1:12", (4,)),
        ],
        [],
        id="a-x100-slip-reads-as-written-for-the-guardrail-to-catch",
    ),
    pytest.param(
        "tier-columns.csv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44 1000:0.4", (2,)),
            ("trade", "DRILL-18V", "1:33.61", (3,)),
        ],
        [
            (4, "Price 3", "repeats quantity 10 of 'Price 2'"),
            (5, "Qty 2", "has no price in 'Price 2'"),
            (
                6,
                "SKU",
                "SKU BOLT-M8 already has a row (line 2), which is kept; this row was ignored: " + ONE_ROW,
            ),
            (7, "Price", "CHISEL-SET: no price at quantity 1; every ladder needs one"),
        ],
        id="tier-per-column-numbered-pairs",
    ),
    pytest.param(
        "tier-plus-headers.tsv",
        {},
        [("trade", "BOLT-M8", "1:0.48 10:0.46 50:0.44", (2,)), ("trade", "DRILL-18V", "1:33.61", (3,))],
        [(4, "Price 1+", "HAMMER-16OZ: no price at quantity 1; every ladder needs one")],
        id="tier-per-column-price-n-plus-headers-tab-delimited",
    ),
    pytest.param(
        "break-columns.csv",
        {},
        [("trade", "BOLT-M8", "1:0.48 100:0.44", (2,))],
        [(3, "Break 2 Price", "is not a number")],
        id="tier-per-column-break-n-qty-price-a-bad-cell-rejects-the-row",
    ),
    pytest.param(
        "price-list-column.psv",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (2, 4)),
            ("trade", "HAMMER-16OZ", "1:12", (6,)),
            ("trade-eu", "BOLT-M8", "1:0.55", (3,)),
        ],
        [(5, "Price List", "is not a price list slug (lower-case letters, digits, - and _)")],
        id="pipe-delimited-with-a-price-list-column-empty-cell-uses-the-folder-list",
    ),
    pytest.param(
        "title-row.csv", {}, [("trade", "BOLT-M8", "1:0.48", (4,))], [], id="title-rows-above-the-header-skipped"
    ),
    pytest.param(
        "excel-unicode-text.txt",
        {},
        [("trade", "BOLT-M8", "1:0.48", (2,)), ("trade", "DRILL-18V", "1:33.61", (3,))],
        [],
        id="excel-unicode-text-utf16-tab",
    ),
    pytest.param(
        "prices.jsonl",
        {},
        [
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (1, 2)),
            ("trade", "DRILL-18V", "1:33.61 5:31", (4,)),
            ("trade", "SAW-22IN", "1:15", (8,)),
        ],
        [
            (5, "price", "has more than 6 decimal places"),
            (6, "", "is not valid JSON (Expecting value: line 1 column 1 (char 0))"),
            (7, "", "is not a JSON object"),
            (9, "sku", "must be text"),
        ],
        id="json-lines-rows-and-ladders-numbers-never-float",
    ),
    pytest.param(
        "prices.xlsx",
        {},
        [
            ("trade", "1234", "1:0.3", (10,)),
            ("trade", '=HYPERLINK("http://evil.example")', "1:1.5", (7,)),
            ("trade", "BOLT-M8", "1:0.48 100:0.44", (3, 4)),
            ("trade", "CHISEL-SET", "1:9.99", (11,)),
            ("trade", "DRILL-18V", "1:33.61", (5,)),
        ],
        [(8, "Unit Price", "price is required"), (9, "Min Qty", "must be a whole number ≥ 1")],
        id="xlsx-first-sheet-doubles-read-as-excel-shows-them",
    ),
]


@pytest.mark.parametrize(("name", "options", "records", "rejections"), PRICE_CORPUS)
def test_a_corpus_price_file_reads_to_its_expected_outcome(name, options, records, rejections):
    path = CORPUS / name
    fmt = detect_format(name, path.read_bytes()[:8])
    got_records, got_rejections, _ = read(path, fmt, **options)
    assert got_records == sorted(records)
    assert got_rejections == sorted(rejections)


def test_the_corpus_file_with_a_missing_required_column_fails_as_a_whole_naming_it():
    with pytest.raises(InvalidFile, match=r"missing required column 'price'.*'SKU', 'Description', 'Cost Price'"):
        read(CORPUS / "missing-price-column.csv")


def test_every_corpus_price_record_is_a_valid_domain_price():
    for name in [str(param.values[0]) for param in PRICE_CORPUS]:
        path = CORPUS / name
        table = open_table(path, detect_format(name, path.read_bytes()[:8]))
        with read_prices(table, default_list="trade", currencies={"trade": "EUR"}) as reader:
            for item in reader:
                if isinstance(item, PriceRecord):
                    assert item.to_price() == Price.model_validate(item.as_dict())


def test_an_xlsx_sheet_is_chosen_by_name_and_a_missing_one_is_named():
    records, rejections, _ = read(CORPUS / "prices.xlsx", FileFormat.XLSX, sheet="EUR")
    assert records == []
    assert rejections == [(2, "valid from", "Input should have timezone info")]
    with pytest.raises(InvalidFile, match="no sheet 'GBP'; its sheets are: Prices, EUR"):
        read(CORPUS / "prices.xlsx", FileFormat.XLSX, sheet="GBP")


def test_an_xlsx_streamed_as_chunks_is_spooled_and_read_the_same():
    data = (CORPUS / "prices.xlsx").read_bytes()
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    assert read(chunks, FileFormat.XLSX) == read(CORPUS / "prices.xlsx", FileFormat.XLSX)


def test_a_file_that_is_not_a_workbook_fails_as_a_whole():
    with pytest.raises(InvalidFile, match=r"not a readable \.xlsx"):
        read([b"PK\x03\x04 not really a zip"], FileFormat.XLSX)


# The corpus: other kinds -------------------------------------------------------------------------------------------

RECORD_CORPUS = [
    pytest.param(
        "price-lists.csv",
        ImportKind.PRICE_LISTS,
        [
            (2, {"slug": "trade", "name": "Trade", "currency": "GBP", "tax_inclusive": False}, None),
            (
                3,
                {
                    "slug": "trade-eu",
                    "name": "Trade EU",
                    "currency": "EUR",
                    "tax_inclusive": True,
                    "rules": {
                        "source": "trade",
                        "adjustment_percent": "-15.5",
                        "rounding": {"increment": "0.05"},
                        "fx_rate": "1.17",
                    },
                },
                None,
            ),
            (4, None, "Prices include VAT"),
        ],
        id="price-lists-semicolon-decimal-comma-percent-nested-rules",
    ),
    pytest.param(
        "customer-groups.csv",
        ImportKind.CUSTOMER_GROUPS,
        [
            (2, {"slug": "base", "name": "Everyone", "parent": None, "price_lists": ["retail"]}, None),
            (3, {"slug": "trade", "name": "Trade customers", "price_lists": ["trade", "trade-eu"]}, None),
            (
                4,
                {"slug": "contractors", "name": "Contractors", "parent": "trade", "price_lists": ["contract", "trade"]},
                None,
            ),
        ],
        id="customer-groups-lists-split-on-pipe-or-comma-base-has-no-parent",
    ),
    pytest.param(
        "customers.csv",
        ImportKind.CUSTOMERS,
        [
            (
                2,
                {
                    "id": "C-1001",
                    "email": "Buyer@Acme.example",
                    "company": "Acme Ltd",
                    "status": "active",
                    "group": "trade",
                    "price_lists": None,
                    "discount_percent": "2.5",
                    "payment_terms": {"credit_limit": "5000.00", "net_days": "30"},
                    "tags": ["vip", "north"],
                    "addresses": [{"line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}],
                },
                None,
            ),
            (
                3,
                {
                    "id": "C-1002",
                    "email": "ops@bolt.example",
                    "company": "Bolt & Co",
                    "status": "inactive",
                    "group": "contractors",
                    "price_lists": ["trade-eu", "trade"],
                    "discount_percent": None,
                    "tags": None,
                },
                None,
            ),
            (4, None, "Email"),
        ],
        id="customers-flat-columns-nest-into-payment-terms-and-an-address-empty-cells-clear",
    ),
    pytest.param(
        "product-rules.csv",
        ImportKind.PRODUCT_RULES,
        [
            (
                2,
                {
                    "sku": "BOLT-M8",
                    "pack_size": "100",
                    "min_qty": "100",
                    "max_qty": None,
                    "sell": True,
                    "display": True,
                },
                None,
            ),
            (
                3,
                {
                    "sku": "DRILL-18V",
                    "group": "trade",
                    "pack_size": None,
                    "min_qty": "1",
                    "max_qty": "5",
                    "sell": True,
                    "display": None,
                },
                None,
            ),
            (
                4,
                {
                    "sku": "SAW-22IN",
                    "pack_size": None,
                    "min_qty": None,
                    "max_qty": None,
                    "sell": False,
                    "display": False,
                },
                None,
            ),
        ],
        id="product-rules-yes-no-y-booleans-empty-cells-clear-an-absent-group-is-base",
    ),
    pytest.param(
        "customers.jsonl",
        ImportKind.CUSTOMERS,
        [
            (
                1,
                {
                    "id": "C-1001",
                    "email": "buyer@acme.example",
                    "payment_terms": {"net_days": 30, "credit_limit": Decimal("5000.00")},
                    "tags": ["vip", "north"],
                },
                None,
            ),
            (2, {"id": "C-1002", "email": "ops@bolt.example", "status": "inactive", "price_lists": ["trade"]}, None),
        ],
        id="customers-json-lines-nested-objects-pass-through",
    ),
]


@pytest.mark.parametrize(("name", "kind", "expected"), RECORD_CORPUS)
def test_a_corpus_record_file_reads_to_model_ready_dicts(name, kind, expected):
    path = CORPUS / name
    with read_records(open_table(path, detect_format(name)), kind) as reader:
        records = list(reader)
    assert [record.line for record in records if isinstance(record, Record)] == [line for line, _, _ in expected]
    for record, (_, data, bad_column) in zip(records, expected, strict=True):
        assert isinstance(record, Record)
        if data is not None:
            assert record.data == data
            from_partial(MODELS[kind], record.data)
        else:
            with pytest.raises(ValidationError) as error:
                from_partial(MODELS[kind], record.data)
            location = ".".join(str(part) for part in error.value.errors()[0]["loc"])
            assert reader.source_column(location) == bad_column


def test_price_files_are_not_read_as_records():
    with pytest.raises(ValueError, match="read_prices"):
        read_records(open_table(csv_bytes("sku,price\n"), FileFormat.CSV), ImportKind.PRICES)


# Encoding ---------------------------------------------------------------------------------------------------------

CP1252_TEXT = st.text(
    alphabet=st.characters(codec="cp1252", exclude_characters="\x81\x8d\x8f\x90\x9d"), min_size=1, max_size=300
)


def chunked(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    pieces, start = [], 0
    while start < len(data):
        size = rng.randint(1, 8)
        pieces.append(data[start : start + size])
        start += size
    return pieces


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(text=st.text(min_size=1, max_size=300), seed=st.integers(0, 1000))
def test_utf8_decodes_whatever_the_chunk_boundaries(text, seed):
    decoded = DecodedText(chunked(text.encode("utf-8"), seed))
    assert "".join(decoded) == text
    assert decoded.encoding == "utf-8"


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(text=CP1252_TEXT, seed=st.integers(0, 1000))
@example(text="Â", seed=0)  # a lone UTF-8 lead byte at the very end
@example(text="Â\xa0£", seed=0)  # C2 A0 is valid UTF-8 (a no-break space), then A3 is not
def test_windows_1252_is_detected_when_utf8_fails_on_plain_ascii(text, seed):
    data = text.encode("cp1252")
    decoded = DecodedText(chunked(data, seed))
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if data[: error.start].isascii():
            assert "".join(decoded) == text
            assert decoded.encoding == "cp1252"
        else:  # UTF-8 before a byte that is not: mixed (or mis-saved), never guessed
            with pytest.raises(InvalidFile, match=r"not valid UTF-8|in the middle of a UTF-8 character"):
                "".join(decoded)
    else:
        assert "".join(decoded) == as_utf8  # ASCII, or bytes that are valid UTF-8 too: read as UTF-8


def test_a_pound_sign_deep_in_an_excel_file_switches_to_windows_1252_without_losing_earlier_rows():
    body = "sku,price,qty\r\n" + "".join(f"SKU-{n},1.00,1\r\n" for n in range(5000)) + "LAST,£2.50,1\r\n"
    data = body.encode("cp1252")
    records, rejections, _ = read([data[i : i + 4096] for i in range(0, len(data), 4096)])
    assert len(records) == 5001
    assert records[0] == ("trade", "LAST", "1:2.5", (5002,))
    assert rejections == []


def test_a_bom_wins_and_is_not_part_of_the_first_header():
    records, _, _ = read(csv_bytes("\ufeffSKU,Price\nA,1\n"))
    assert records == [("trade", "A", "1:1", (2,))]


def test_a_file_that_mixes_utf8_and_windows_1252_is_refused():
    data = "sku,price\nCAFÉ,1\n".encode() + "BAD,£1\n".encode("cp1252")
    with pytest.raises(InvalidFile, match="line 3 is not valid UTF-8"):
        read([data])


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(InvalidFile, match="empty"):
        read([data])


# Lines -------------------------------------------------------------------------------------------------------------


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(
    lines=st.lists(
        st.tuples(
            st.text(alphabet=st.characters(exclude_characters="\r\n"), max_size=20),
            st.sampled_from(["\r\n", "\n", "\r"]),
        ),
        max_size=20,
    ),
    tail=st.text(alphabet="ab\u2028\x0c", max_size=5),
    seed=st.integers(0, 1000),
)
def test_lines_split_only_on_cr_and_lf_whatever_the_piece_boundaries(lines, tail, seed):
    text = "".join(body + end for body, end in lines) + tail
    rng = random.Random(seed)
    pieces, start = [], 0
    while start < len(text):
        size = rng.randint(1, 6)
        pieces.append(text[start : start + size])
        start += size
    # the reference: the whole text at once (a CR then an LF is one CRLF, however it was generated)
    expected = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)", text) + ([tail] if tail else [])
    assert list(split_lines(pieces)) == expected
    assert "".join(expected) == text


def test_an_unclosed_quote_that_swallows_the_file_is_refused_not_held_in_memory():
    with pytest.raises(InvalidFile, match="is a quote left open"):
        read(csv_bytes('sku,price\n"A,1\n' + "x" * 200_000 + "\n"))


# Delimiters and decimals -------------------------------------------------------------------------------------------

CELL = st.text(alphabet='abcXYZ019 .-"\n', min_size=1, max_size=8)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    columns=st.integers(2, 6),
    rows=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=10),
    extra=st.sampled_from([",", ";", "\t", "|"]),
)
def test_the_sniffed_delimiter_is_the_one_the_file_was_written_with(delimiter, columns, rows, extra):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([f"col{n}" for n in range(columns)])
    for row in rows:
        # a cell may also hold another candidate (quoted because it holds the delimiter too)
        writer.writerow([row[0] + extra + delimiter, *row[1:columns]])
    assert sniff_delimiter(buffer.getvalue()) == delimiter


@pytest.mark.parametrize(
    ("sample", "delimiter", "expected"),
    [
        ("sku;price\nA;0,50\nB;1.234,56\n", ";", (True, True)),
        ("sku;price\nA;0.50\nB;12.99\n", ";", (False, True)),
        ("sku;price\nA;1\nB;2\n", ";", (True, False)),
        ("sku;price\nA;€ 1,50\n", ";", (True, True)),
        ("sku\tprice\nA\t0,50\n", "\t", (True, True)),
        ("sku\tprice\nA\t0.50\n", "\t", (False, True)),
        ("sku|price\nA|1.250\n", "|", (False, False)),
        ('sku,price\nA,"0,50"\n', ",", (False, True)),
    ],
)
def test_the_decimal_convention_is_judged_on_the_files_head(sample, delimiter, expected):
    assert sniff_decimal_comma(sample, delimiter) == expected


def test_a_semicolon_file_with_point_decimals_reads_points():
    records, _, _ = read(csv_bytes("sku;price;qty\nA;0.50;1\nA;0.45;10\n"))
    assert records == [("trade", "A", "1:0.5 10:0.45", (2, 3))]


def test_a_grouping_that_could_be_a_decimal_is_refused_when_the_file_shows_no_decimals():
    records, rejections, _ = read(csv_bytes("sku;price\nA;1\nB;1.250\n"))
    assert records == [("trade", "A", "1:1", (2,))]
    assert rejections == [
        (
            3,
            "price",
            "is ambiguous: it reads as 1250 with a decimal comma, but the file shows no "
            "decimals to tell by; write it without the thousands separator",
        )
    ]


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("1234.56", POINT, "1234.56"),
        ("1,234.56", POINT, "1234.56"),
        ("1 234.56", POINT, "1234.56"),
        ("1'234.56", POINT, "1234.56"),
        ("1.234,56", COMMA, "1234.56"),
        ("1\xa0234,56", COMMA, "1234.56"),
        ("0,50", COMMA, "0.50"),
        (",5", COMMA, "0.5"),
        ("1.234.567", COMMA, "1234567"),
        ("1.250", COMMA, "1250"),
        ("-12,5", COMMA, "-12.5"),
        ("1E+2", POINT, "1e+2"),
        ("1,5E3", COMMA, "1.5e3"),
        ("12,50", POINT, None),
        ("12.50", COMMA, None),
        ("1,23,456.00", POINT, None),
        ("1.250", NumberFormat(decimal_comma=True, assumed=True), None),
        ("1.250,00", NumberFormat(decimal_comma=True, assumed=True), "1250.00"),
        ("abc", POINT, None),
        ("", POINT, None),
    ],
)
def test_numbers_are_canonicalised_exactly_in_the_files_convention(text, fmt, expected):
    assert canonical_number(text, fmt)[0] == expected


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("£12.50", "GBP", Decimal("12.50")),
        ("12.50 GBP", "GBP", Decimal("12.50")),
        ("US$3", "USD", Decimal("3")),
        ("$3", "CAD", Decimal("3")),
        ("€12.50", "GBP", "is in € but price list 'trade' is in GBP"),
        ("£12.50", None, "carries the currency mark '£' but the price list's currency is not known; remove the mark"),
        ("-£3", "GBP", "must not be negative"),
        ("12.5%", "GBP", "is not a number"),
        ("£12.50$", "GBP", "is not a number"),
        ("0.1234567", "GBP", "has more than 6 decimal places"),
        ("1234567890123", "GBP", "is too large (at most 12 digits before the decimal point)"),
        ("NaN", "GBP", "is not a number"),
    ],
)
def test_a_currency_mark_is_accepted_only_for_the_lists_currency(text, currency, expected):
    assert parse_money(text, POINT, currency, "trade") == expected


# Exactly as strict as the domain model ------------------------------------------------------------------------------

MONEY = TypeAdapter(Money)


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(text=st.from_regex(r"[+-]?[0-9]{0,14}(\.[0-9]{0,8})?([eE][+-]?[0-9]{1,2})?", fullmatch=True))
@example(text="-0")
@example(text="000000000000000001.5")
@example(text="1.5000000000")
@example(text="999999999999.999999")
def test_a_price_is_accepted_exactly_when_the_domain_model_accepts_it(text):
    records, rejections, _ = read(csv_bytes(f"sku,price\nA,{text}\n"))
    try:
        expected = MONEY.validate_python(Decimal(text))
    except (ValidationError, ArithmeticError, ValueError):
        assert records == []
        assert len(rejections) == 1
    else:
        assert len(records) == 1, rejections
        tier_price = Decimal(records[0][2].split(":")[1])
        assert tier_price == expected
        assert str(tier_price) == str(expected)


SKU = TypeAdapter(Sku)


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(sku=st.text(min_size=1, max_size=140))
def test_a_sku_is_accepted_exactly_when_the_domain_model_accepts_it(sku):
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["sku", "price"], [sku, "1"]])
    stripped = sku.strip()
    try:
        records, _, _ = read(csv_bytes(buffer.getvalue()))
    except InvalidFile:
        assert "\x00" in sku  # the csv module refuses NUL: the whole file is refused, not the SKU
        return
    if not stripped:
        return  # a blank cell: the row is blank, skipped
    try:
        SKU.validate_python(stripped)
    except ValidationError:
        assert records == []
    else:
        assert [record[1] for record in records] == [stripped]


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(
    ladders=st.dictionaries(
        st.from_regex(r"[A-Z]{1,3}-[0-9]{1,3}", fullmatch=True),
        st.dictionaries(st.integers(1, 10**9), st.decimals(0, 10**6, places=2), min_size=1, max_size=5),
        min_size=1,
        max_size=20,
    ),
    seed=st.integers(0, 1000),
)
def test_shuffled_long_layout_rows_gather_into_the_same_ladders_as_the_model_builds(ladders, seed):
    rows = [(sku, qty, price) for sku, tiers in ladders.items() for qty, price in tiers.items()]
    random.Random(seed).shuffle(rows)
    text = "sku,price,qty\n" + "".join(f"{sku},{price},{qty}\n" for sku, qty, price in rows)
    table = open_table(chunked(text.encode(), seed), FileFormat.CSV)
    items = list(read_prices(table, default_list="trade"))
    for item in items:
        if isinstance(item, PriceRecord):
            assert item.to_price() == Price.model_validate(item.as_dict())
            assert dict(item.tiers) == ladders[item.sku]
        else:
            assert item.reason.endswith("no price at quantity 1; every ladder needs one")
    expected_valid = {sku for sku, tiers in ladders.items() if 1 in tiers}
    assert {item.sku for item in items if isinstance(item, PriceRecord)} == expected_valid


# Headers -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("SKU", "sku"),
        ("Product Code", "sku"),
        ("product_code", "sku"),
        ("Item Number", "sku"),
        ("Item No.", "sku"),
        ("  STOCK  CODE ", "sku"),
        ("Unit Price", "price"),
        ("Price (£)", "price"),
        ("Price GBP", "price"),
        ("Price", "price"),
        ("Min Qty", "qty"),
        ("Min. Quantity", "qty"),
        ("Quantity", "qty"),
        ("qty", "qty"),
        ("Price List", "price_list"),
        ("price_list", "price_list"),
        ("UOM", "unit_of_measure"),
        ("Valid From", "valid_from"),
        ("Description", None),
        ("Cost Price", None),
        ("Qté min", None),
    ],
)
def test_price_headers_match_case_space_and_punctuation_insensitively(header, canonical):
    found = lookup(ImportKind.PRICES, header)
    assert (found[0] if found else None) == canonical


def test_normalise_folds_accents_and_drops_punctuation():
    assert normalise("Qté. Min") == "qtemin"
    assert normalise("Min. Qty") == normalise("min_qty") == normalise("MIN QTY") == "minqty"


def test_a_strong_alias_beats_a_weak_one_and_the_weak_column_is_ignored():
    columns = resolve(ImportKind.PRICES, ["Product", "SKU", "Price", "Quantity", "Min Qty"])
    assert columns.fields == {"sku": 1, "price": 2, "qty": 4}
    assert columns.ignored == ["Product", "Quantity"]


def test_two_columns_of_the_same_rank_for_one_field_are_refused():
    with pytest.raises(InvalidFile, match="columns 'Price' and 'Unit Price' both read as price; rename or remove one"):
        resolve(ImportKind.PRICES, ["SKU", "Price", "Unit Price"])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Price 1+", ("at", 1)),
        ("Price 10+", ("at", 10)),
        ("10+", ("at", 10)),
        ("Price (10+)", ("at", 10)),
        ("Price 10-49", ("at", 10)),
        ("Price 10 – 49", ("at", 10)),
        ("Price 10 to 49", ("at", 10)),
        ("Price @ 10", ("at", 10)),
        ("Price for 25", ("at", 25)),
        ("Unit Price 100+", ("at", 100)),
        ("Qty 10+", ("at", 10)),
        ("Price 2", ("price", 2)),
        ("Qty 2", ("qty", 2)),
        ("Break 1 Qty", ("qty", 1)),
        ("Break 1 Price", ("price", 1)),
        ("Qty Break 3", ("qty", 3)),
        ("Price Break 3", ("price", 3)),
        ("Tier 2 Min Qty", ("qty", 2)),
        ("Level 4 Unit Price", ("price", 4)),
        ("Cost 2", None),
        ("Valid From 2026", None),
        ("Stock 10+", None),
    ],
)
def test_tier_per_column_headers(header, expected):
    assert tier_header(header) == expected


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (["SKU", "Price", "Price 2"], "'Price 2' has no matching quantity column"),
        (["SKU", "Price", "Qty 2"], "'Qty 2' has no matching price column"),
        (["SKU", "Price", "Price 1+"], "several price columns are for quantity 1"),
        (["SKU", "Price 2", "Price Break 2"], "both read as price 2"),
    ],
)
def test_inconsistent_tier_columns_fail_the_file(headers, message):
    with pytest.raises(InvalidFile, match=message):
        resolve(ImportKind.PRICES, headers)


def test_in_the_tier_layout_the_first_row_of_a_sku_is_its_row_even_when_it_is_rejected():
    records, rejections, _ = read(csv_bytes("SKU,Price 1+,Price 10+\nA,abc,1\nA,2,1.5\n"))
    assert records == []
    assert rejections == [
        (2, "Price 1+", "is not a number"),
        (
            3,
            "SKU",
            "SKU A already has a row (line 2), which is kept; this row was ignored: " + ONE_ROW,
        ),
    ]


def test_the_first_numbered_tier_may_omit_its_quantity_and_a_plain_qty_column_defaults_to_1():
    records, rejections, _ = read(csv_bytes("SKU,Price 1,Qty 2,Price 2\nA,5,10,4\n"))
    assert records == [("trade", "A", "1:5 10:4", (2,))]
    records, rejections, _ = read(csv_bytes("SKU,Qty,Price,Qty 2,Price 2\nA,,5,10,4\nB,2,5,,\n"))
    assert records == [("trade", "A", "1:5 10:4", (2,))]
    assert rejections == [(3, "Price", "B: no price at quantity 1; every ladder needs one")]


def test_a_header_row_without_a_key_column_is_missing_that_column():
    with pytest.raises(InvalidFile, match="missing required column 'sku'"):
        read(csv_bytes("Description,Price\nBolt,1\n"))


def test_a_file_without_a_list_column_or_folder_list_reads_records_without_a_list():
    records, _, _ = read(csv_bytes("sku,price\nA,1\n"), default_list=None)
    assert records == [(None, "A", "1:1", (2,))]
    with pytest.raises(InvalidFile, match="'Trade' is not a price list slug"):
        read(csv_bytes("sku,price\nA,1\n"), default_list="Trade")


# Repeated tiers ----------------------------------------------------------------------------------------------------


def test_a_repeated_tier_at_another_price_is_rejected_naming_the_kept_and_the_ignored_price():
    body = "sku,price,qty,price list\nA,0.44,100,trade\nA,0.48,1,trade\nA,0.40,100,trade\n"
    records, rejections, rows = read(csv_bytes(body))
    assert records == [("trade", "A", "1:0.48 100:0.44", (2, 3))]
    assert rejections == [
        (
            4,
            "price",
            "A on list trade at qty 100 is already priced 0.44 on line 2, which is kept; this row's 0.40 was ignored",
        )
    ]
    assert rows == 3


def test_a_tier_repeated_at_the_same_price_is_merged_not_rejected_whatever_its_spelling():
    # A user who pastes a row twice expects no failure; 12.5 and 12.50 are one price (the first spelling stands)
    records, rejections, rows = read(csv_bytes("sku,price,qty\nA,12.50,1\nA,9,10\nA,12.5,1\nA,9.00,10\nA,12.50,\n"))
    assert (records, rejections, rows) == ([("trade", "A", "1:12.5 10:9", (2, 3, 4, 5, 6))], [], 5)


def test_repeated_rows_of_a_ladder_without_a_quantity_1_tier_are_each_rejected():
    records, rejections, _ = read(csv_bytes("sku,price,qty\nA,9,10\nA,9,10\n"))
    assert records == []
    assert [line for line, _, _ in rejections] == [2, 3]


# Rows wider than the header --------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("layout", ["sku{d}description{d}price", "sku{d}description{d}price{d}price 10+"])
def test_a_delimited_row_with_a_value_beyond_the_header_is_rejected_in_every_delimiter(delimiter, layout):
    # Given a value holding the delimiter unquoted: every cell after it moves one column right
    header = layout.format(d=delimiter)
    width = header.count(delimiter) + 1
    shifted = delimiter.join(["W-1", "Washers 8", "10", *["3.50"] * (width - 2)])
    ok = delimiter.join(["W-2", "Nuts", *["4.20"] * (width - 2)])
    trailing = ok.replace("W-2", "W-3") + delimiter * 3  # Excel's empty cells beyond the header
    records, rejections, rows = read(csv_bytes(f"{header}\n{shifted}\n{ok}\n{trailing}\n"), delimiter=delimiter)
    letter = "ABCDE"[width]
    assert rejections == [(2, f"column {letter}", f"the row has {width + 1} values for {width} columns: " + SHIFTED)]
    assert [sku for _, sku, _, _ in records] == ["W-2", "W-3"]
    assert rows == 3


def test_a_shifted_row_names_the_first_cell_beyond_the_header_and_its_value_in_the_report():
    table = open_table(csv_bytes("sku,price,,\nA,1,,\nB,2,,x,y\n"), FileFormat.CSV)
    with read_prices(table, default_list="trade") as reader:
        items = list(reader)
    assert items == [
        Rejection(3, "column D", "x", "the row has 5 values for 2 columns: " + SHIFTED),
        PriceRecord("trade", "A", ((1, Decimal(1)),), (2,)),
    ]


def test_other_kinds_refuse_a_shifted_row_too():
    table = open_table(
        csv_bytes("Account Number,Company Name,Email\nC-1,Acme, Ltd,a@acme.example\nC-2,Bolt Co,b@b.example,,\n"),
        FileFormat.CSV,
    )
    with read_records(table, ImportKind.CUSTOMERS) as reader:
        items = list(reader)
    assert items[0] == Rejection(2, "column D", "a@acme.example", "the row has 4 values for 3 columns: " + SHIFTED)
    assert isinstance(items[1], Record)
    assert items[1].data["email"] == "b@b.example"


def test_an_xlsx_cell_beyond_the_header_is_an_unheaded_note_and_ignored():
    # A workbook cell cannot spill into its neighbour: nothing is shifted, the note column has no header
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["sku", "price"])
    sheet.append(["A", 1.5, "check with supplier"])
    data = io.BytesIO()
    workbook.save(data)
    records, rejections, _ = read([data.getvalue()], FileFormat.XLSX)
    assert (records, rejections) == ([("trade", "A", "1:1.5", (2,))], [])


# The window: non-adjacent rows, bounded memory ----------------------------------------------------------------------


def spread_file(skus: int, gap_rows: bool, sku: str = "S{n}") -> bytes:
    """Every SKU's qty-1 row first, then every SKU's qty-10 row: rows of one SKU are `skus` SKUs apart."""
    first = "".join(f"{sku.format(n=n)},1.00,1\n" for n in range(skus))
    second = "".join(f"{sku.format(n=n)},0.90,10\n" for n in range(skus)) if gap_rows else ""
    return ("sku,price,qty\n" + first + second).encode()


@pytest.mark.parametrize("tiers", [1, 2, 3, 4, 5, 7])
@pytest.mark.parametrize("by_list", [False, True])
def test_a_ladder_of_any_length_comes_out_tier_by_tier_with_its_lines(tiers, by_list):
    # the record of a ladder is built one way for each common length (1–4 tiers) and another for the rest
    quantities = [1, 5, 10, 25, 50, 100, 250][:tiers]
    head = "price list,sku,price,qty\n" if by_list else "sku,price,qty\n"
    rows = [f"{'b2b,' if by_list else ''}A,{9 - n}.{n}0,{qty}\n" for n, qty in enumerate(quantities)]
    records, rejections, _ = read(csv_bytes(head + "".join(rows)))
    ladder = " ".join(f"{qty}:{9 - n}.{n}" if n else f"{qty}:9" for n, qty in enumerate(quantities))
    assert (records, rejections) == ([("b2b" if by_list else "trade", "A", ladder, tuple(range(2, 2 + tiers)))], [])


def test_rows_of_a_sku_merge_anywhere_within_the_window():
    table = open_table([spread_file(50, gap_rows=True)], FileFormat.CSV)
    items = list(read_prices(table, default_list="trade", window=64))
    assert len(items) == 50
    assert all(isinstance(item, PriceRecord) and len(item.tiers) == 2 for item in items)


def test_rows_of_a_sku_further_apart_than_the_window_stop_the_file_rather_than_write_half_a_ladder():
    table = open_table([spread_file(200, gap_rows=True)], FileFormat.CSV)
    with pytest.raises(InvalidFile, match="line 202: the rows of SKU 'S0' are more than 64 SKUs apart, and its"):
        list(read_prices(table, default_list="trade", window=64))


@pytest.mark.parametrize("sku", ["S{n}", "S{n:05d}"])  # S10 sorts before S9; zero-padded, the file is sorted
def test_a_grouped_file_far_larger_than_the_window_reads_in_full(sku):
    table = open_table([spread_file(5000, gap_rows=False, sku=sku)], FileFormat.CSV)
    reader = read_prices(table, default_list="trade", window=64)
    assert sum(isinstance(item, PriceRecord) for item in reader) == 5000
    assert reader.rows_read == 5000


def test_a_file_sorted_by_sku_closes_its_ladders_without_a_look_up_until_its_order_breaks():
    # Given a file sorted by SKU, far longer than the window
    reader = read_prices(open_table([spread_file(5000, False, "S{n:05d}")], FileFormat.CSV), default_list="trade")
    # When it is read, the keys closed are only spilled: the set of seen keys is never asked
    assert sum(isinstance(item, PriceRecord) for item in reader) == 5000
    assert len(reader._emitted) == 0
    # And the same file with one SKU's rows far apart, which breaks the order, is stopped as before
    table = open_table([spread_file(200, True, "S{n:03d}")], FileFormat.CSV)
    with pytest.raises(InvalidFile, match="line 202: the rows of SKU 'S000' are more than 64 SKUs apart, and its"):
        list(read_prices(table, default_list="trade", window=64))


def test_a_repeated_sku_row_beyond_the_window_in_the_tier_layout_is_still_rejected():
    text = "SKU,Price 1+,Price 10+\n" + "".join(f"S{n},1,0.9\n" for n in range(300)) + "S0,2,1.8\n"
    items = list(read_prices(open_table(csv_bytes(text), FileFormat.CSV), default_list="trade", window=16))
    assert [item for item in items if isinstance(item, Rejection)] == [
        Rejection(
            302,
            "SKU",
            "S0",
            "SKU S0 already has a row (an earlier row), which is kept; this row was ignored: " + ONE_ROW,
        )
    ]


@pytest.mark.parametrize("size", [1, 7, 4096])
def test_the_outcome_does_not_depend_on_how_the_stream_is_chunked(size):
    data = (CORPUS / "excel-cp1252-pounds.csv").read_bytes()
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert read(chunks) == read(CORPUS / "excel-cp1252-pounds.csv")


def test_rows_read_counts_data_rows_not_blank_ones_or_tiers():
    assert read(CORPUS / "blank-lines.csv")[2] == 2
    assert read(CORPUS / "prices.jsonl", FileFormat.JSONL)[2] == 8


def test_unit_of_measure_and_validity_belong_to_the_sku_and_its_rows_must_agree():
    text = (
        "sku,price,qty,uom,valid from\n"
        "A,1,1,each,2027-01-01T00:00:00Z\n"
        "A,0.9,10,,\n"
        "A,0.8,20,box,\n"
        "B,1,1,each,yesterday\n"
    )
    table = open_table(csv_bytes(text), FileFormat.CSV)
    items = list(read_prices(table, default_list="trade"))
    record = next(item for item in items if isinstance(item, PriceRecord))
    assert record.valid_from is not None
    assert (record.sku, record.unit_of_measure, record.valid_from.year, record.lines) == ("A", "each", 2027, (2, 3))
    reasons = sorted((item.line, item.column, item.reason) for item in items if isinstance(item, Rejection))
    assert [reason[:2] for reason in reasons] == [(4, "uom"), (5, "valid from")]
    assert reasons[0][2] == "differs from line 2 (each) for the same SKU"
    assert reasons[1][2].startswith("Input should be a valid datetime")


# Formats -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("prices.csv", b"sku,price", FileFormat.CSV),
        ("prices.TXT", b"sku\tprice", FileFormat.CSV),
        ("prices.xlsx", b"PK\x03\x04", FileFormat.XLSX),
        ("prices.csv", b"PK\x03\x04", FileFormat.XLSX),
        ("prices.jsonl", b'{"sku"', FileFormat.JSONL),
        ("prices", b'\xef\xbb\xbf{"sku"', FileFormat.JSONL),
        ("prices", b"sku,price", FileFormat.CSV),
    ],
)
def test_the_format_comes_from_the_content_where_it_is_clear_else_the_name(name, head, expected):
    assert detect_format(name, head) is expected


def test_a_legacy_xls_is_refused_with_what_to_do():
    with pytest.raises(InvalidFile, match=r"save the sheet as \.xlsx or CSV"):
        detect_format("prices.xls", b"\xd0\xcf\x11\xe0")


def test_a_json_array_is_not_json_lines():
    with pytest.raises(InvalidFile, match="JSON array"):
        read([b'[{"sku": "A", "price": 1}]\n'], FileFormat.JSONL)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (33.61, "33.61"),
        (1 / 3, "0.333333333333333"),
        (0.1 + 0.2, "0.3"),
        (1.0, "1"),
        (5012345678900.0, "5012345678900"),
        (1e-7, "0.0000001"),
        (2.5, "2.5"),
        (10, "10"),
        (True, "true"),
        (None, ""),
    ],
)
def test_xlsx_cells_read_as_excel_displays_them(value, text):
    assert cell_text(value) == text


# The error report ---------------------------------------------------------------------------------------------------


@settings(deadline=None)  # no timing limit: the machines running this are shared
@given(cell=st.text(max_size=30))
def test_no_report_cell_can_start_a_formula(cell):
    safe = excel_safe(cell)
    assert safe == cell or safe == "'" + cell
    assert safe[:1] not in set("=+-@\t\r＝＋－＠")
    assert safe.lstrip(" ")[:1] not in set("=+-@\t\r＝＋－＠")


def test_the_report_reads_back_as_written_with_formulas_neutralised():
    rejections = [
        Rejection(3, "price", "=1+2", "is not a number"),
        Rejection(4, '=HYPERLINK("x")', "-33.61", "must not be negative"),
        Rejection(5, "sku", 'a,b\n"c"', "@ the start"),
    ]
    out = io.StringIO(newline="")
    assert write_report(rejections, out) == 3
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [
        ["line", "column", "value", "reason"],
        ["3", "price", "'=1+2", "is not a number"],
        ["4", '\'=HYPERLINK("x")', "'-33.61", "must not be negative"],
        ["5", "sku", 'a,b\n"c"', "'@ the start"],
    ]
    assert out.getvalue().endswith("\r\n")


# The plain-text path: the same answers as csv's row by row ---------------------------------------------------------

_CELLS = {
    "sku": ["A", "B", "C", "A ", " B", "", "Ā-1", '"A"', '"D,1"', '"E\nF"', "x" * 128, "x" * 129, "G\x01", "H I"],
    "price": ["1", "1.50", "12.5", "0.440", "0", "100.00", "£1.20", "1,50", " 2", "n/a", "", "1.1234567", '"3.10"'],
    "qty": ["", "1", "10", "010", "100", "0", "1.0", " 5", "x", "1000000000"],
    "price list": ["trade", "", "Trade", "b2b", " trade"],
    "note": ["", "x", "a b"],
}


@st.composite
def _price_files(draw: Any) -> str:
    """Long-layout CSVs of few SKUs in any column order, mostly plain lines among the ones merchants get wrong:
    padding, quotes, currency marks, decimal commas, blank and short and long rows, every line ending."""
    optional = {name for name in ("qty", "price list", "note") if draw(st.booleans())}
    columns = [name for name in draw(st.permutations(list(_CELLS))) if name in {"sku", "price", *optional}]
    lines = [",".join(columns)]
    for _ in range(draw(st.integers(0, 30))):
        if draw(st.integers(0, 15)) == 0:
            lines.append(draw(st.sampled_from(["", " ", ",,", "A,1", ",,,,,"])))
            continue
        cells = [draw(st.sampled_from(_CELLS[name])) for name in columns]
        lines.append(",".join(cells) + draw(st.sampled_from(["", "", "", ",", ",x"])))
    return "".join(line + draw(st.sampled_from(["\n", "\r\n", "\r"])) for line in lines)


def _through(text: str, window: int = 64, *, plain_text: bool, chunk: int = 1 << 16) -> list[Any] | str:
    data = text.encode()
    try:
        table = open_table([data[start : start + chunk] for start in range(0, len(data), chunk)], FileFormat.CSV)
        assert isinstance(table, CellTable)
        if not plain_text:
            table.lines = None  # csv's rows, one by one: the reference
        reader = read_prices(table, default_list="trade", currencies=CURRENCIES, window=window)
        items = [
            (*item[:2], tuple((qty, str(price)) for qty, price in item.tiers), item.lines)
            if isinstance(item, PriceRecord)
            else item
            for item in reader
        ]
    except InvalidFile as error:
        return str(error)
    return [*items, ("rows read", reader.rows_read)]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_price_files(), st.sampled_from([8, 64]), st.sampled_from([7, 50, 1 << 16]))
def test_plain_lines_read_a_block_at_a_time_give_exactly_what_csv_row_by_row_gives(text, window, chunk):
    assert _through(text, window, plain_text=True, chunk=chunk) == _through(text, window, plain_text=False, chunk=chunk)


def test_a_quoted_cell_across_a_block_boundary_is_read_whole_and_numbering_stays_right():
    rows = [f"S{n},1.{n % 100:02d},1,\n" for n in range(5_000)]
    head = "sku,price,qty,note\n" + "".join(rows)
    while len(head) > (1 << 16) - 100:
        rows.pop()
        head = "sku,price,qty,note\n" + "".join(rows)
    opened = 'S-Q,2.00,1,"' + "a" * ((1 << 16) - len(head) - 17) + "\n"
    quoted = opened + 'of two lines"\n'
    assert len(head) + len(opened) < 1 << 16 < len(head) + len(quoted)  # the cell opens in one block, ends in the next
    text = head + quoted + "".join(f"T{n},1.5,1,\n" for n in range(5_000)) + "S1,0.9,10,\n"
    result = _through(text, 64_000, plain_text=True)
    assert result == _through(text, 64_000, plain_text=False)
    n = len(rows)
    assert ("trade", "S-Q", ((1, "2"),), (n + 2,)) in result
    assert ("trade", "T0", ((1, "1.5"),), (n + 3,)) in result
    assert ("trade", "S1", ((1, "1.01"), (10, "0.9")), (3, n + 5_003)) in result
