"""Price-list, customer-group, customer and product-rule files → one canonical raw dict per row.

The reader shapes, the domain model judges: a row becomes the dict `model_validate` takes (flat columns nested —
`Credit Limit` → `payment_terms.credit_limit`, `City` → `addresses[0].city`, `Rounding` → `rules.rounding.increment`),
with cells converted only where the file's way of writing differs from the model's (decimal commas, `yes`/`no`,
`|`- or `,`-separated lists, `gbp` → `GBP`). Empty cells are absent, so the model's defaults apply, except in
customer and product-rule files, whose rows are partial updates (see PARTIAL_KINDS). A value the reader cannot
convert is passed on as written, for the model to reject with its own message.
"""

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pydantic import BaseModel

from tradeprice.domain.models import BASE_GROUP, Customer, CustomerGroup, ImportKind, PriceList, ProductRule
from tradeprice.files.headers import STRONG, Columns, find_header, lookup
from tradeprice.files.numbers import POINT, NumberFormat, plain_number
from tradeprice.files.rejection import Rejection
from tradeprice.files.tables import CellTable, FileFormat, ObjectTable, Table

MODELS: dict[ImportKind, type[BaseModel]] = {
    ImportKind.PRICE_LISTS: PriceList,
    ImportKind.CUSTOMER_GROUPS: CustomerGroup,
    ImportKind.CUSTOMERS: Customer,
    ImportKind.PRODUCT_RULES: ProductRule,
}
"""The model each kind's records are for."""

PARTIAL_KINDS = frozenset({ImportKind.CUSTOMERS, ImportKind.PRODUCT_RULES})
"""Kinds whose rows are partial updates: a column absent from the file leaves the field as stored, an empty cell
clears it (pack sizes and minimums, or customer terms and addresses, often come from separate exports)."""

_NEVER_CLEARED = frozenset({"id", "sku", "group", "source_version"})

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "1", "on", "x"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "0", "off"})


@dataclass(frozen=True, slots=True)
class Record:
    """One row as the canonical raw dict for the kind's model."""

    line: int
    data: dict[str, Any]


def read_records(table: Table, kind: ImportKind) -> "RecordReader":
    """Read a file of `kind` (any but prices: see read_prices). The header is read here (InvalidFile if a
    required column is missing); iterate the result for Records, and Rejections for lines that are no object."""
    if kind is ImportKind.PRICES:
        raise ValueError("price files are read by read_prices")
    return RecordReader(table, kind)


class RecordReader:
    def __init__(self, table: Table, kind: ImportKind) -> None:
        self.table = table
        self.kind = kind
        self.rows_read = 0
        self.header_line = 0
        self.numbers: NumberFormat = table.numbers if isinstance(table, CellTable) else POINT
        self.columns = Columns(headers=[])
        if isinstance(table, CellTable):
            self.header_line, self.columns = find_header(kind, table.rows)
        self._fields = MODELS[kind].model_fields.keys()

    def close(self) -> None:
        self.table.close()

    def __enter__(self) -> "RecordReader":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def source_column(self, location: str) -> str:
        """The file's column for a model error location (`payment_terms.net_days`, `addresses.0.city`), for
        reports; the location itself when no single column holds it."""
        parts = location.split(".")
        for end in range(len(parts), 0, -1):
            name = ".".join(parts[:end])
            if name in self.columns.fields:
                return self.columns.header(name)
        return location

    def __iter__(self) -> Iterator[Record | Rejection]:
        if isinstance(self.table, ObjectTable):
            yield from self._objects(self.table)
            return
        fields = sorted(self.columns.fields.items(), key=lambda item: item[1])
        # as in price files: a delimited row with cells beyond the header is shifted (Columns.overflow)
        row_width = self.columns.width if self.table.format is FileFormat.CSV else sys.maxsize
        for line, row in self.table.rows:
            if not any(cell.strip() for cell in row):
                continue
            self.rows_read += 1
            if len(row) > row_width:
                shifted = self.columns.overflow(line, row)
                if shifted is not None:
                    yield shifted
                    continue
            data: dict[str, Any] = {}
            for name, index in fields:
                text = row[index].strip() if index < len(row) else ""
                if text:
                    _put(data, name, _convert(name, text, self.numbers))
                elif self._clears(name):
                    data[name] = None
            yield Record(line, self._finish(data))

    def _objects(self, table: ObjectTable) -> Iterator[Record | Rejection]:
        for item in table.rows:
            self.rows_read += 1
            if isinstance(item, Rejection):
                yield item
                continue
            line, obj = item
            data: dict[str, Any] = {}
            for key, value in obj.items():
                # A model field name is taken as the API takes it (nested rules, payment_terms, addresses too)
                found = (key, STRONG) if key in self._fields else lookup(self.kind, key)
                if found is None:
                    continue
                if isinstance(value, str):
                    value = value.strip()
                    if not value and not self._clears(found[0]):
                        continue
                    value = _convert(found[0], value, POINT) if value else None
                _put(data, found[0], value)
            yield Record(line, self._finish(data))

    def _clears(self, name: str) -> bool:
        """Whether an empty cell of this column clears the stored field (`null`): so for kinds written as partial
        updates, where a column the file lacks leaves the field as stored. Keys and versions are never cleared."""
        return self.kind in PARTIAL_KINDS and "." not in name and name not in _NEVER_CLEARED

    def _finish(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.kind is ImportKind.CUSTOMER_GROUPS and data.get("slug") == BASE_GROUP and "parent" not in data:
            data["parent"] = None  # an empty parent cell: none for base, base for every other group
        return data


def _put(data: dict[str, Any], name: str, value: Any) -> None:
    """Set a dotted canonical name: `rules.rounding.increment`, `addresses.0.city` (one address per row)."""
    parts = name.split(".")
    target: Any = data
    for part, following in pairwise(parts):
        if following.isdigit():
            target = target.setdefault(part, [{}])
        elif part.isdigit():
            target = target[int(part)]
        else:
            target = target.setdefault(part, {})
    last = parts[-1]
    target[last] = value


def _boolean(text: str) -> Any:
    lowered = text.lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return text


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.replace("|", ",").split(",") if item.strip()]


def _status(text: str) -> Any:
    converted = _boolean(text)
    if isinstance(converted, bool):
        return "active" if converted else "inactive"
    return text.lower()


def _number(*, percent: bool = False) -> Callable[[str, NumberFormat], Any]:
    def convert(text: str, numbers: NumberFormat) -> Any:
        return plain_number(text, numbers, percent=percent) or text

    return convert


def _source_version(text: str, numbers: NumberFormat) -> Any:
    """A number or an RFC 3339 time; only a number is rewritten."""
    return plain_number(text, numbers) or text


_TEXT: dict[str, Callable[[str], Any]] = {
    "tax_inclusive": _boolean,
    "sell": _boolean,
    "display": _boolean,
    "price_lists": _list,
    "tags": _list,
    "payment_terms.methods": _list,
    "currency": str.upper,
    "addresses.0.country": str.upper,
    "status": _status,
    "rules.rounding.mode": lambda text: text.lower().replace(" ", "_").replace("-", "_"),
}
_NUMERIC: dict[str, Callable[[str, NumberFormat], Any]] = {
    "rules.adjustment_percent": _number(percent=True),
    "discount_percent": _number(percent=True),
    "rules.fx_rate": _number(),
    "rules.rounding.increment": _number(),
    "payment_terms.credit_limit": _number(),
    "payment_terms.net_days": _number(),
    "pack_size": _number(),
    "min_qty": _number(),
    "max_qty": _number(),
    "source_version": _source_version,
}


def _convert(name: str, text: str, numbers: NumberFormat) -> Any:
    if name in _TEXT:
        return _TEXT[name](text)
    if name in _NUMERIC:
        return _NUMERIC[name](text, numbers)
    return text
