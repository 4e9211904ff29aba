"""Price files → one validated tier ladder per (price list, SKU), streaming.

Two layouts, told apart by the header (see the package docstring for the accepted headers):

* long — one row per tier (`sku,price,qty`, qty defaulting to 1, optional price list column). A SKU's rows are
  gathered into one ladder wherever they sit in the file, within a window (below);
* tier-per-column — one row per SKU with a column (or column pair) per tier. A second row for the same SKU is
  rejected: the first row's ladder stands.

Validation on the hot path is hand-written, never pydantic per row, and exactly as strict as the domain model:
plain prices go through a pattern that only matches valid `Money` (≤ 12 whole digits, ≤ 6 decimals), anything
else through the `Money` / `Quantity` types themselves; SKUs and list slugs through the model's own patterns. A
`PriceRecord` therefore always satisfies `Price`, and `to_price()` builds one without validating again.

Speed — a long-layout CSV is read a block of text at a time (`_long_text`): one regular expression per slice of
lines splits every plain line (no quote, no padding, a plain price) into its cells in C, and only other lines go
through csv's row lists and the checks of the row path (`_long`). A property test holds the two paths to the same
answers for every file.

Memory — how non-adjacent rows stay correct and the reader stays flat in file size: a long-layout SKU's ladder
stays open until `window` (4,096) other SKUs have begun after it; then it is emitted and only a 64-bit
fingerprint of its key is kept (`ClosedKeys`): in a temporary file while keys close in sorted order, and in
`SeenKeys` (≈ 1.5 MB whatever the count; the rest in a temporary file) once they do not. Held:
at most `window` × 9/8 open ladders (≈ 450 B each, ≈ 2 MB) — so peak memory is the same for ten thousand rows as
for ten million. A row of a SKU whose ladder was already emitted cannot join it any more: when its new ladder
closes, its key is found among the fingerprints and, rather than let a ladder known to be incomplete be written,
reading stops with InvalidFile ("keep each SKU's rows together"). Only a file of more than `window` SKUs whose
rows of one SKU are that far apart can hit this — all quantity-1 rows first, then all quantity-10 rows — which
ERP exports (grouped per product) do not. The window was 50,000 SKUs (≈ 20 MB, more than the whole parse of a
grouped file); holding it in a few MB is what makes memory flat. The alternative, spilling every ladder to a
temporary file and regrouping at the end, is correct for any order but doubles the I/O of every large import
for a case this stops with a clear message.
"""

import re
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache
from itertools import chain, islice
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from pydantic import TypeAdapter, ValidationError

from tradeprice.domain.models import ImportKind, Price, Tier
from tradeprice.domain.types import SLUG_PATTERN, SourceVersion, Timestamp
from tradeprice.errors import InvalidFile
from tradeprice.files.headers import Columns, find_header, lookup
from tradeprice.files.numbers import FAST_MONEY, POINT, NumberFormat, json_scalar_text, parse_money, parse_quantity
from tradeprice.files.rejection import Rejection
from tradeprice.files.seen import ClosedKeys, SeenKeys
from tradeprice.files.tables import CellTable, CsvLines, FileFormat, ObjectTable, Table

DEFAULT_WINDOW = 4_096
MAX_TIERS = 100
"""As the domain model: a ladder has 1 to 100 tiers."""

_SKU = re.compile(r"[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?")
"""The domain's `Sku` pattern (checked equal to pydantic's over every code point)."""
_SLUG = re.compile(SLUG_PATTERN)
_EXTRA_FIELDS = ("unit_of_measure", "valid_from", "valid_until", "source_version")
_JSON_FIELDS = ("sku", "price", "qty", "price_list", *_EXTRA_FIELDS)

Layout = Literal["long", "columns"]
Extras = tuple[Any, Any, Any, Any]
"""unit_of_measure, valid_from, valid_until, source_version of a SKU, as validated."""
_NO_EXTRAS: Extras = (None, None, None, None)


class PriceRecord(NamedTuple):
    """One SKU's ladder on one list, valid for `Price`: tiers sorted by quantity, the first at quantity 1.
    `lines` are the rows it came from (sorted), `price_list` is None only when the file names no list and the
    caller gave none. A named tuple: immutable, and four times cheaper to build than a frozen dataclass, which
    counts at a million records."""

    price_list: str | None
    sku: str
    tiers: tuple[tuple[int, Decimal], ...]
    lines: tuple[int, ...]
    unit_of_measure: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    source_version: Decimal | datetime | None = None

    @property
    def line(self) -> int:
        return self.lines[0]

    def as_dict(self) -> dict[str, Any]:
        """The canonical record, as `Price.model_validate` and the API take it."""
        data: dict[str, Any] = {"sku": self.sku, "tiers": [{"min_qty": q, "price": p} for q, p in self.tiers]}
        if self.price_list is not None:
            data = {"price_list": self.price_list, **data}
        for name in _EXTRA_FIELDS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    def to_price(self, price_list: str | None = None) -> Price:
        """The domain object, without validating again (the reader's checks are the model's)."""
        slug = price_list or self.price_list
        if slug is None:
            raise ValueError(f"SKU {self.sku} has no price list")
        return Price.model_construct(
            price_list=slug,
            sku=self.sku,
            tiers=[Tier.model_construct(min_qty=q, price=p) for q, p in self.tiers],
            unit_of_measure=self.unit_of_measure,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            source_version=self.source_version,
        )


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    types: dict[str, Any] = {
        "unit_of_measure": Price.model_fields["unit_of_measure"].annotation,
        "valid_from": Timestamp,
        "valid_until": Timestamp,
        "source_version": SourceVersion,
    }
    return TypeAdapter(types[name])


def read_prices(
    table: Table,
    *,
    default_list: str | None = None,
    currencies: Mapping[str, str] | None = None,
    window: int = DEFAULT_WINDOW,
) -> "PriceReader":
    """Read a price file: iterate the result for `PriceRecord`s and `Rejection`s as they become known.

    `default_list` is the list of rows without a price list cell (the `imports/prices/<list>/` folder);
    `currencies` maps list slugs to their currency, so that a price written with a currency mark (`£12.50`) is
    accepted only on a list in that currency. The header is read here: a file-level fault (a missing column,
    an unreadable file) raises InvalidFile before anything is yielded.
    """
    return PriceReader(table, default_list=default_list, currencies=currencies or {}, window=window)


class PriceReader:
    """Iterate once. Records come out when their SKU is complete (late for a long-layout file: up to `window`
    SKUs after their last row, or at the end), rejections as soon as their row is read."""

    def __init__(self, table: Table, *, default_list: str | None, currencies: Mapping[str, str], window: int) -> None:
        if default_list is not None and not _SLUG.fullmatch(default_list):
            raise InvalidFile(f"'{default_list}' is not a price list slug")
        self.table = table
        self.rows_read = 0
        self._default_list = default_list
        self._currencies = currencies
        self._window = max(window, 8)
        self._open: dict[Any, tuple[Any, ...]] = {}
        # (first line, qty, price, line - first line, qty, price, …): a tuple is exact-size and small line
        # offsets are shared ints, which keeps an open ladder near 350 bytes with its key
        self._extras: dict[Any, tuple[int, Extras]] = {}
        self._emitted = SeenKeys()
        self._closed = ClosedKeys(self._emitted)
        self._unordered: set[Any] = set()  # open ladders whose rows did not come in tier order
        # every row of a CSV or a sheet is a line of its own; a JSON object's tiers share their object's line
        self._distinct_lines = not isinstance(table, ObjectTable)
        self._qty_cache: dict[str, int] = {"": 1}
        self._list_cache: dict[str, str | Rejection] = {}
        self._recent: dict[Any, int] = {}
        self.numbers: NumberFormat = table.numbers if isinstance(table, CellTable) else POINT
        self.header_line = 0
        if isinstance(table, CellTable):
            self.header_line, self.columns = find_header(ImportKind.PRICES, table.rows)
        else:
            self.columns = Columns(headers=list(_JSON_FIELDS), fields={name: i for i, name in enumerate(_JSON_FIELDS)})
        self.layout: Layout = "columns" if self.columns.tier_layout else "long"
        # Cells beyond the header refuse a delimited row (Columns.overflow); an XLSX cell cannot spill into its
        # neighbour, so there a value beyond the header is an unheaded note column, ignored like any other
        self._row_width = self.columns.width if _delimited(table) else sys.maxsize

    def close(self) -> None:
        self.table.close()
        self._closed.close()
        self._emitted.close()

    def __enter__(self) -> "PriceReader":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[PriceRecord | Rejection]:
        body: Iterator[PriceRecord | Rejection]
        if isinstance(self.table, ObjectTable):
            body = self._long(self._json_rows(self.table))
        elif self.layout == "columns":
            body = self._columns(self.table.rows)
        elif self.table.lines is not None and (plain := self._plain_rows()) is not None:
            body = self._long_text(self.table.lines, *plain)
        else:
            body = self._long(self.table.rows)
        # chained in C rather than by a generator of ours: one frame fewer to resume for each record
        return chain(body, self._still_open())

    def _still_open(self) -> Iterator[PriceRecord | Rejection]:
        """The ladders open at the end of the file, closed (when the file has been read)."""
        yield from self._close(list(self._open))

    # Long layout: the hot path --------------------------------------------------------------------------------------

    def _repeat(
        self, ladder: tuple[Any, ...], line: int, qty: int, price: Any, text: str, sku: str, on: str
    ) -> Rejection | None:
        """A row repeating a tier of its SKU's open ladder: None when at the same price (one tier, both rows
        read), else its rejection naming the price kept and the one ignored."""
        position = 3 * ladder[1::3].index(qty)
        kept = ladder[position + 2]
        if kept == price or Decimal(kept) == Decimal(price):
            return None
        earlier = ladder[position]
        return Rejection(
            line,
            self.columns.header("price"),
            text,
            f"{sku}{on} at qty {qty} is already priced {kept} on line {earlier}, which is kept; "
            f"this row's {text} was ignored",
        )

    def _long(self, rows: Iterator[tuple[int, list[str]] | Rejection]) -> Iterator[PriceRecord | Rejection]:
        fields = self.columns.fields
        header = self.columns.header
        si, pi = fields["sku"], fields["price"]
        qi, li = fields.get("qty", -1), fields.get("price_list", -1)
        extras = [(name, fields[name]) for name in _EXTRA_FIELDS if name in fields]
        width = max(si, pi, qi, li, *(index for _, index in extras)) + 1
        sku_h, price_h, qty_h, list_h = header("sku"), header("price"), header("qty"), header("price_list")
        numbers = self.numbers
        fast = FAST_MONEY[numbers.decimal_comma].fullmatch
        comma = numbers.decimal_comma
        default_list = self._default_list
        currencies = self._currencies
        qty_cache = self._qty_cache
        list_cache = self._list_cache
        open_ladders = self._open
        sku_ok = _SKU.fullmatch
        cap = self._window + self._window // 8
        row_width = self._row_width
        overflow = self.columns.overflow
        last_line = 0
        for item in rows:
            if isinstance(item, Rejection):  # a JSON line that is no object
                if item.line != last_line:
                    self.rows_read += 1
                    last_line = item.line
                yield item
                continue
            line, row = item
            if len(row) > row_width:
                shifted = overflow(line, row)
                if shifted is not None:
                    self.rows_read += 1
                    yield shifted
                    continue
            if len(row) < width:
                if not any(cell.strip() for cell in row):
                    continue
                row = row + [""] * (width - len(row))
            sku = row[si].strip()
            price_text = row[pi].strip()
            qty_text = row[qi].strip() if qi >= 0 else ""
            if not sku:
                if not price_text and not qty_text and not any(cell.strip() for cell in row):
                    continue
                if line != last_line:
                    self.rows_read += 1
                    last_line = line
                yield Rejection(line, sku_h, "", "SKU is required")
                continue
            if line != last_line:
                self.rows_read += 1
                last_line = line

            if li >= 0:
                list_text = row[li].strip()
                slug = list_cache.get(list_text)
                if type(slug) is not str:
                    slug = self._slug(list_text, line, list_h)
                    if isinstance(slug, Rejection):
                        yield slug
                        continue
            else:
                slug = default_list

            price: str | Decimal
            if fast(price_text):
                price = _canonical_text(price_text.replace(",", ".") if comma else price_text)
            elif not price_text:
                yield Rejection(line, price_h, "", "price is required")
                continue
            else:
                parsed = parse_money(price_text, numbers, currencies.get(slug) if slug else None, slug)
                if isinstance(parsed, str):
                    yield Rejection(line, price_h, price_text, parsed)
                    continue
                price = parsed

            qty = qty_cache.get(qty_text)
            if qty is None:
                parsed_qty = self._quantity(qty_text)
                if isinstance(parsed_qty, str):
                    yield Rejection(line, qty_h, qty_text, parsed_qty)
                    continue
                qty = parsed_qty

            key: Any = sku if li < 0 else (slug, sku)
            ladder = open_ladders.get(key)
            if ladder is None:
                if len(sku) > 128 or not sku_ok(sku):
                    yield Rejection(line, sku_h, sku, _BAD_SKU)
                    continue
                if extras:
                    problem = self._check_extras(key, line, row, extras)
                    if problem is not None:
                        yield problem
                        continue
                if len(open_ladders) >= cap:
                    yield from self._evict()
                open_ladders[key] = (line, qty, price)
            else:
                joined = self._joined(key, ladder, line, qty, price, price_text, sku, _on(slug if li >= 0 else None))
                if isinstance(joined, Rejection):
                    yield joined
                    continue
                ladder = joined
                if extras:
                    problem = self._check_extras(key, line, row, extras)
                    if problem is not None:
                        yield problem
                        continue
                open_ladders[key] = ladder

    def _plain_rows(self) -> tuple["re.Pattern[str]", "itemgetter[Any]"] | None:
        """For a long-layout CSV without per-SKU extras: a pattern matching one line whose cells `_long` would
        accept as they stand (no quote, no padding, exactly the header's width, a plain price, digits for a
        quantity), with the cells it needs as groups, or any other line as its last group; and how to pick
        (list, SKU, price, quantity, other line) from a match. None when the file has no such plain form."""
        fields = self.columns.fields
        delimiter = self.table.delimiter if isinstance(self.table, CellTable) else None
        comma = self.numbers.decimal_comma
        if delimiter is None or any(name in fields for name in _EXTRA_FIELDS) or (comma and delimiter == ","):
            return None
        d = re.escape(delimiter)
        text = rf"\s\x00-\x1f\x7f\"{d}"  # what a plain cell's first and last character is not
        captured = {
            # the domain's Sku, ≤ 128: taken whole (possessive: no backtracking), then its last character checked
            "sku": rf"([^{text}][^\x00-\x1f\x7f\"{d}]{{0,127}}+(?<!\s))",
            "price": r"([0-9]{1,12}(?:" + ("," if comma else r"\.") + r"[0-9]{1,6})?)",  # FAST_MONEY
            "qty": r"([0-9]*)",
            "price_list": rf"([^{text}]*)",
        }
        free = rf"[^\r\n\"{d}]*"
        by_index = {index: name for name, index in fields.items()}
        names = [name for name in ("price_list", "qty") if name not in fields]  # groups, in pattern order
        absent = "()" * len(names)  # always empty: the file has no such column
        cells = []
        for index in range(self.columns.width):
            name = by_index.get(index, "")
            if name in captured:
                names.append(name)
            cells.append(captured.get(name, free))
        pattern = re.compile(rf"{absent}(?:{d.join(cells)}|([^\r\n]*))(?:\r\n|\r|\n)")
        names.append("other")
        order = [names.index(name) for name in ("price_list", "sku", "price", "qty", "other")]
        return pattern, itemgetter(*order)

    def _long_text(
        self, lines: CsvLines, pattern: "re.Pattern[str]", pick: "itemgetter[Any]"
    ) -> Iterator[PriceRecord | Rejection]:
        """The long layout read a block of text at a time: lines in their plain form (nearly every line of an ERP
        export) are split by one regular expression per block and gathered here; any other line goes through
        `_long` as `csv` would split it, and a block holding a quote is read by `csv` whole. Same results as
        `_long` over `table.rows`, at a fraction of the cost per row."""
        open_ladders = self._open
        qty_cache = self._qty_cache
        list_cache = self._list_cache
        by_list = "price_list" in self.columns.fields
        list_h = self.columns.header("price_list")
        qty_h = self.columns.header("qty")
        default_list = self._default_list
        comma = self.numbers.decimal_comma
        delimiter = lines.delimiter
        cap = self._window + self._window // 8
        identity = pick(range(5)) == (0, 1, 2, 3, 4)  # the file's columns in this order: no picking
        while (block := lines.take_block()) is not None:
            if '"' in block:
                yield from self._long(lines.records(block))
                continue
            if not block.endswith(("\n", "\r")):
                block += "\n"  # the file's last line
            for rows in _slices(pattern, block):
                line = lines.line
                lines.line += len(rows)
                self.rows_read += len(rows)  # less each line `_long` takes, which counts it if it is not blank
                for list_text, sku, price, qty_text, other in rows if identity else map(pick, rows):
                    line += 1
                    if not sku:  # not plain: split as csv splits a line without quotes
                        self.rows_read -= 1
                        yield from self._long(iter(((line, other.split(delimiter) if other else []),)))
                        continue
                    slug: str | Rejection | None
                    if by_list:
                        slug = list_cache.get(list_text)
                        if type(slug) is not str:
                            slug = self._slug(list_text, line, list_h)
                            if isinstance(slug, Rejection):
                                yield slug
                                continue
                        key: Any = (slug, sku)
                    else:
                        slug = default_list
                        key = sku
                    text = price
                    if comma:
                        price = price.replace(",", ".")
                    if price[-1] == "0" and "." in price:
                        price = price.rstrip("0").rstrip(".")
                    qty = qty_cache.get(qty_text)
                    if qty is None:
                        parsed_qty = self._quantity(qty_text)
                        if isinstance(parsed_qty, str):
                            yield Rejection(line, qty_h, qty_text, parsed_qty)
                            continue
                        qty = parsed_qty
                    ladder = open_ladders.get(key)
                    if ladder is None:
                        if len(open_ladders) >= cap:
                            yield from self._evict()
                        open_ladders[key] = (line, qty, price)
                    elif qty > ladder[-2]:  # the next tier, as rows nearly always come (`_joined`, inlined)
                        # one concatenation: the starred form builds and converts a list, 40% more a row
                        open_ladders[key] = ladder + (line, qty, price)  # noqa: RUF005
                    else:
                        joined = self._joined(key, ladder, line, qty, price, text, sku, _on(slug if by_list else None))
                        if isinstance(joined, Rejection):
                            yield joined
                            continue
                        open_ladders[key] = joined

    def _list_slug(self, text: str, line: int, header: str) -> str | Rejection:
        slug = text or self._default_list
        if slug is None:
            return Rejection(line, header, "", "no price list: fill the column or put the file under a list's folder")
        if not _SLUG.fullmatch(slug):
            return Rejection(line, header, text, "is not a price list slug (lower-case letters, digits, - and _)")
        return slug

    def _slug(self, text: str, line: int, header: str) -> str | Rejection:
        """A price list cell not in `_list_cache` as a slug (cached), or its rejection on this line: the hot loops
        look a known cell up themselves and call this for any other."""
        slug = self._list_cache.get(text)
        if slug is None:
            slug = self._list_slug(text, line, header)
            if len(self._list_cache) < 1024:
                self._list_cache[text] = slug
        if isinstance(slug, Rejection):
            return Rejection(line, slug.column, slug.value, slug.reason)
        return slug

    def _quantity(self, text: str) -> int | str:
        """A quantity cell not in `_qty_cache` as its number (cached), or why it is none."""
        qty = parse_quantity(text, self.numbers)
        if not isinstance(qty, str) and len(self._qty_cache) < 4096:
            self._qty_cache[text] = qty
        return qty

    def _joined(
        self, key: Any, ladder: tuple[Any, ...], line: int, qty: int, price: Any, text: str, sku: str, on: str
    ) -> tuple[Any, ...] | Rejection:
        """An open ladder with this row added, or the row's rejection when it repeats a tier at another price."""
        if qty > ladder[-2]:  # the next tier, as rows nearly always come
            return (*ladder, line, qty, price)
        if qty in ladder[1::3]:
            repeat = self._repeat(ladder, line, qty, price, text, sku, on)
            if repeat is not None:
                return repeat
            # the same price again (`12.5` and `12.50` alike) is no conflict: one tier, both lines read
        self._unordered.add(key)
        return _in_tier_order((*ladder, line, qty, price))

    def _check_extras(self, key: Any, line: int, row: list[str], extras: list[tuple[str, int]]) -> Rejection | None:
        """unit_of_measure, valid_from, valid_until, source_version belong to the SKU: its rows must not disagree
        (an empty cell states nothing)."""
        values: dict[str, Any] = {}
        for name, index in extras:
            text = row[index].strip()
            if text:
                try:
                    values[name] = _adapter(name).validate_python(text)
                except ValidationError as error:
                    return Rejection(line, self.columns.header(name), text, error.errors(include_url=False)[0]["msg"])
        mine = [values.get(name) for name in _EXTRA_FIELDS]
        found = self._extras.get(key)
        if found is None:
            self._extras[key] = (line, (mine[0], mine[1], mine[2], mine[3]))
            return None
        first_line, known = found
        merged = list(known)
        for position, name in enumerate(_EXTRA_FIELDS):
            if mine[position] is None:
                continue
            if known[position] is not None and mine[position] != known[position]:
                return Rejection(
                    line,
                    self.columns.header(name),
                    str(mine[position]),
                    f"differs from line {first_line} ({known[position]}) for the same SKU",
                )
            merged[position] = mine[position]
        self._extras[key] = (first_line, (merged[0], merged[1], merged[2], merged[3]))
        return None

    def _evict(self) -> Iterator[PriceRecord | Rejection]:
        """Close the oldest eighth of the window."""
        return self._close(list(islice(self._open, max(1, self._window // 8))))

    def _close(self, keys: list[Any]) -> Iterator[PriceRecord | Rejection]:
        """Close these open ladders: their records, and their keys' fingerprints kept. A key already closed once is
        a SKU whose rows are further apart than the window: its first ladder was emitted without these rows, so
        the file stops here, before this ladder's record goes out. (Checked here, once per ladder, rather than
        on every row that opens one: the hot loop stays free of it.)"""
        again = self._closed.update(keys)
        if again:
            key = next(key for key in keys if hash(key) == again[0])
            slug, sku = key if type(key) is tuple else (None, key)
            raise InvalidFile(_too_far(min(self._open[key][0::3]), sku, _on(slug), self._window))
        return self._emit_all(keys)

    def _emit_all(self, keys: list[Any]) -> Iterator[PriceRecord | Rejection]:
        """The records of these open ladders, closed. Ladders without extras whose rows came in tier order (nearly
        all) are built here in one loop; `_emit` takes the rest. One at a time, as the consumer asks: a list of
        thousands of fresh records would keep the cyclic garbage collector busy walking them."""
        close = self._open.pop
        default_list = self._default_list
        extras = self._extras
        unordered = self._unordered
        distinct_lines = self._distinct_lines
        by_list = bool(keys) and type(keys[0]) is tuple
        slug, sku = default_list, ""
        # `PriceRecord(...)` from all eight fields without the named tuple's own `__new__`, a Python function
        new, record = tuple.__new__, PriceRecord
        for key in keys:
            ladder = close(key)
            if (
                ladder[1] != 1
                or len(ladder) > 3 * MAX_TIERS
                or (unordered and key in unordered)
                or (extras and key in extras)
            ):
                result = self._emit(key, ladder)
                if isinstance(result, list):
                    yield from result
                else:
                    yield result
                continue
            if by_list:
                slug, sku = key
            else:
                sku = key
            size = len(ladder)
            if size == 3:  # one tier, the common case
                yield new(record, (slug, sku, ((1, Decimal(ladder[2])),), (ladder[0],), None, None, None, None))
            else:  # rows in tier order
                lines = ladder[0::3]
                # ladders of two to four tiers, most of the rest, spelled out: zip and map over slices cost more
                # than the Decimals they make
                tiers: tuple[tuple[int, Decimal], ...]
                if size == 6:
                    tiers = ((1, Decimal(ladder[2])), (ladder[4], Decimal(ladder[5])))
                elif size == 9:
                    tiers = ((1, Decimal(ladder[2])), (ladder[4], Decimal(ladder[5])), (ladder[7], Decimal(ladder[8])))
                elif size == 12:
                    tiers = (
                        (1, Decimal(ladder[2])),
                        (ladder[4], Decimal(ladder[5])),
                        (ladder[7], Decimal(ladder[8])),
                        (ladder[10], Decimal(ladder[11])),
                    )
                else:
                    tiers = tuple(zip(ladder[1::3], map(Decimal, ladder[2::3]), strict=True))
                yield new(
                    record,
                    (
                        slug,
                        sku,
                        tiers,
                        lines if distinct_lines else tuple(dict.fromkeys(lines)),
                        None,
                        None,
                        None,
                        None,
                    ),
                )

    def _emit(self, key: Any, ladder: tuple[Any, ...]) -> PriceRecord | list[Rejection]:
        """A gathered ladder as its record, or as one rejection per row when the ladder as a whole is invalid."""
        if type(key) is tuple:
            slug, sku = key
        else:
            slug, sku = self._default_list, key
        extras: Extras = _NO_EXTRAS
        if self._extras:
            found = self._extras.pop(key, None)
            if found is not None:
                extras = found[1]
        self._unordered.discard(key)
        lines = ladder[0::3]
        read = sorted(zip(ladder[1::3], ladder[2::3], lines, strict=True), key=_qty_line)
        # a tier repeated at the same price (the reader refused other repeats) is one tier: its first row's
        rows = [row for row, before in zip(read, [(0, None, 0), *read], strict=False) if row[0] != before[0]]
        problem = _ladder_problem(rows, extras)
        if problem is not None:
            header = self.columns.header("qty" if "qty" in self.columns.fields else "price")
            on = _on(slug if type(key) is tuple else None)
            return [
                Rejection(line, header, str(qty), f"{sku}{on}: {problem}") for qty, _, line in sorted(read, key=_line)
            ]
        return PriceRecord(
            slug,
            sku,
            tuple((qty, Decimal(price)) for qty, price, _ in rows),
            tuple(sorted(set(lines))),
            *extras,
        )

    # Tier-per-column layout ----------------------------------------------------------------------------------------

    def _columns(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[PriceRecord | Rejection]:
        fields = self.columns.fields
        headers = self.columns.headers
        tiers = self.columns.tiers
        si, li = fields["sku"], fields.get("price_list", -1)
        width = max(si, li, *(t.price for t in tiers), *(t.qty for t in tiers if t.qty is not None)) + 1
        sku_h, list_h = self.columns.header("sku"), self.columns.header("price_list")
        numbers = self.numbers
        fast = FAST_MONEY[numbers.decimal_comma].fullmatch
        cap = self._window + self._window // 8
        row_width = self._row_width
        for line, row in rows:
            if len(row) < width:
                row = row + [""] * (width - len(row))
            if not any(cell.strip() for cell in row):
                continue
            self.rows_read += 1
            if len(row) > row_width:
                shifted = self.columns.overflow(line, row)
                if shifted is not None:
                    yield shifted
                    continue
            sku = row[si].strip()
            if not sku:
                yield Rejection(line, sku_h, "", "SKU is required")
                continue
            slug: str | Rejection | None = (
                self._list_slug(row[li].strip(), line, list_h) if li >= 0 else self._default_list
            )
            if isinstance(slug, Rejection):
                yield slug
                continue
            if len(sku) > 128 or not _SKU.fullmatch(sku):
                yield Rejection(line, sku_h, sku, _BAD_SKU)
                continue
            key: Any = sku if li < 0 else (slug, sku)
            earlier = self._recent.get(key)
            if earlier is not None or (self._emitted and hash(key) in self._emitted):
                where = f"line {earlier}" if earlier is not None else "an earlier row"
                on = _on(slug if li >= 0 else None)
                yield Rejection(
                    line,
                    sku_h,
                    sku,
                    f"SKU {sku}{on} already has a row ({where}), which is kept; this row was ignored: in this "
                    "layout a SKU has one row",
                )
                continue
            if len(self._recent) >= cap:
                for old in list(islice(self._recent, max(1, self._window // 8))):
                    del self._recent[old]
                    self._emitted.add(hash(old))
            self._recent[key] = line  # the first row of a SKU is its row, whatever its cells hold
            currency = self._currencies.get(slug) if slug else None
            problems: list[Rejection] = []
            ladder: list[tuple[int, Decimal, str]] = []
            for tier in tiers:
                price_text = row[tier.price].strip()
                qty_text = row[tier.qty].strip() if tier.qty is not None else ""
                if not price_text:
                    if qty_text and tier.qty is not None:
                        problems.append(
                            Rejection(line, headers[tier.qty], qty_text, f"has no price in '{headers[tier.price]}'")
                        )
                    continue
                if fast(price_text):
                    price: Decimal | str = Decimal(_canonical_text(price_text.replace(",", ".")))
                else:
                    price = parse_money(price_text, numbers, currency, slug)
                if isinstance(price, str):
                    problems.append(Rejection(line, headers[tier.price], price_text, price))
                    continue
                qty_h = headers[tier.qty] if tier.qty is not None else headers[tier.price]
                qty: int | str
                if qty_text:
                    qty = parse_quantity(qty_text, numbers)
                elif tier.min_qty is not None:
                    qty = tier.min_qty
                else:
                    problems.append(Rejection(line, qty_h, "", f"is required with '{headers[tier.price]}'"))
                    continue
                if isinstance(qty, str):
                    problems.append(Rejection(line, qty_h, qty_text, qty))
                    continue
                clash = next((label for q, _, label in ladder if q == qty), None)
                if clash is not None:
                    problems.append(
                        Rejection(line, headers[tier.price], price_text, f"repeats quantity {qty} of '{clash}'")
                    )
                    continue
                ladder.append((qty, price, headers[tier.price]))
            if problems:
                yield from problems
                continue
            if not ladder:
                yield Rejection(line, headers[tiers[0].price], "", "price is required")
                continue
            ordered = sorted((qty, price, line) for qty, price, _ in ladder)
            problem = _ladder_problem(ordered, (None, None, None, None))
            if problem is not None:
                yield Rejection(line, headers[tiers[0].price], "", f"{sku}: {problem}")
                continue
            yield PriceRecord(slug, sku, tuple((qty, price) for qty, price, _ in ordered), (line,))

    # JSON Lines ----------------------------------------------------------------------------------------------------

    def _json_rows(self, table: ObjectTable) -> Iterator[tuple[int, list[str]] | Rejection]:
        """Each object as long-layout rows over the canonical columns: `{"sku", "price", "qty"?}` is one row,
        `{"sku", "tiers": [{"min_qty", "price"}, …]}` one row per tier. Keys are matched like headers."""
        for item in table.rows:
            if isinstance(item, Rejection):
                yield item
                continue
            line, obj = item
            cells = [""] * len(_JSON_FIELDS)
            tiers: Any = None
            bad: Rejection | None = None
            for name, value in obj.items():
                if name == "tiers":
                    tiers = value
                    continue
                found = lookup(ImportKind.PRICES, name)
                if found is None:
                    continue
                text = json_scalar_text(value)
                if text is None or (found[0] in {"sku", "price_list"} and not isinstance(value, str | None)):
                    bad = Rejection(
                        line,
                        name,
                        str(value)[:80],
                        "must be text" if found[0] in {"sku", "price_list"} else "is not a number",
                    )
                    break
                cells[_JSON_FIELDS.index(found[0])] = text
            if bad is not None:
                yield bad
                continue
            if tiers is None:
                yield line, cells
                continue
            if not isinstance(tiers, list) or not tiers or not all(isinstance(tier, dict) for tier in tiers):
                yield Rejection(line, "tiers", str(tiers)[:80], "must be a list of {min_qty, price} objects")
                continue
            for tier in tiers:
                row = list(cells)
                for name, value in tier.items():
                    found = lookup(ImportKind.PRICES, name)
                    if found is not None and found[0] in {"price", "qty"}:
                        text = json_scalar_text(value)
                        row[_JSON_FIELDS.index(found[0])] = text if text is not None else "?"
                yield line, row


_SLICE_CHARS = 8 << 10


def _slices(pattern: "re.Pattern[str]", block: str) -> Iterator[list[Any]]:
    """The pattern's matches in a block, a slice of about 8 KiB of lines at a time: a block's worth at once would
    be thousands of live tuples, enough to set off the cyclic garbage collector over and over, which costs more
    than splitting the text. Slices end after a line feed (a CRLF is never cut); a file whose lines end with a
    lone CR is taken a block at a time."""
    start, size = 0, len(block)
    while start < size:
        end = block.find("\n", start + _SLICE_CHARS) + 1 or size
        yield pattern.findall(block, start, end)
        start = end


def _in_tier_order(ladder: tuple[Any, ...]) -> tuple[Any, ...]:
    """A ladder's rows sorted by quantity, then line: its last tier is again its largest, so the next row is
    checked against that one only, and a repeated quantity's first row comes first."""
    rows = sorted(zip(ladder[1::3], ladder[0::3], ladder[2::3], strict=True))
    return tuple(value for qty, line, price in rows for value in (line, qty, price))


def _too_far(line: int, sku: str, on: str, window: int) -> str:
    return (
        f"line {line}: the rows of SKU '{sku}'{on} are more than {window:,} SKUs apart, and its ladder was already "
        "read; keep each SKU's rows together (sort the file by SKU)"
    )


def _delimited(table: Table) -> bool:
    return isinstance(table, CellTable) and table.format is FileFormat.CSV


_BAD_SKU = "is not a valid SKU (at most 128 characters, no control characters)"


def _canonical_text(plain: str) -> str:
    """A plain price text (FAST_MONEY, point decimals) in the canonical form of domain.types.canonical_decimal,
    without the Money validator: `12.50` → `12.5`, `100.00` → `100`, `0.00` → `0`."""
    return plain.rstrip("0").rstrip(".") if "." in plain else plain


def _on(slug: str | None) -> str:
    return f" on list {slug}" if slug else ""


def _line(row: tuple[int, Any, int]) -> int:
    return row[2]


def _qty_line(row: tuple[int, Any, int]) -> tuple[int, int]:
    return row[0], row[2]


def _ladder_problem(rows: list[tuple[int, Any, int]], extras: Extras) -> str | None:
    if rows[0][0] != 1:
        return "no price at quantity 1; every ladder needs one"
    if len(rows) > MAX_TIERS:
        return f"more than {MAX_TIERS} tiers"
    valid_from, valid_until = extras[1], extras[2]
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        return "valid_until must be later than valid_from"
    return None
