"""File imports with `profile=<system>`: an ERP's export file read through that system's file adapter
(tradeprice.integrations.files) into the importer's own price records, so it takes the importer's write path.

    reader = ProfileReader(table, "unleashed", AdapterOptions(currency="GBP"), lists={"trade": "GBP"})
    for item in reader:              # PriceRecord | Rejection, as files.read_prices yields them
        ...
    reader.to_create                 # lists the adapter asks for that do not exist yet (created by the write pass)

The file is mapped row by row (`files.map_row`, the rows keyed by the file's own headers); a row the adapter
refuses becomes report rows naming the file's columns. Tiers are gathered into one ladder per (list, SKU), so a
SKU's rows may be anywhere in the file: the whole file is mapped when the reader opens (ERP export files are
catalogue-sized), and its records come out in the order their first row appears — the same every pass, which
the write pass's checkpoints rely on. A ladder with a refused or conflicting row is written by none of its rows.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from tradeprice.domain.models import Price
from tradeprice.errors import InvalidFile
from tradeprice.files import CellTable, PriceRecord, Rejection, Table
from tradeprice.integrations import files
from tradeprice.integrations.base import Layout, ListSpec, RowRule
from tradeprice.integrations.base import Options as AdapterOptions
from tradeprice.logic.records import describe

__all__ = ["AdapterOptions", "ProfileReader", "check_profile"]


def check_profile(profile: str) -> None:
    """Raises InvalidFile unless the profile is a system with a documented file."""
    if profile not in files.PROFILES:
        raise InvalidFile(
            f"no file profile '{profile}'; profiles with documented files: {', '.join(sorted(files.PROFILES))} "
            "(for a system's native JSON payload, set resource too)"
        )


@dataclass(slots=True)
class _Tier:
    qty: int
    price: Decimal
    line: int
    column: str
    qty_column: str


@dataclass(slots=True)
class _Ladder:
    price_list: str
    sku: str
    window: tuple[datetime | None, datetime | None]
    unit_of_measure: str | None
    tiers: list[_Tier] = field(default_factory=list)
    problem: tuple[int, str, str, str] | None = None
    """(line, column, value, reason) of the first row that spoils the ladder."""
    tainted: list[int] = field(default_factory=list)
    """Lines of rows of this ladder the adapter refused."""


class ProfileReader:
    """A whole file through a system's file adapter: PriceRecords and Rejections, in a deterministic order."""

    def __init__(self, table: Table, profile: str, options: AdapterOptions, lists: Mapping[str, str]) -> None:
        check_profile(profile)
        self.profile = profile
        self.options = options
        self.rows_read = 0
        self.price_column: str | None = None
        """The first price column the file's rows use (reports name it for the write path's refusals)."""
        self._existing = dict(lists)
        self._specs: dict[str, ListSpec] = {}
        self._rejections: list[Rejection] = []
        self._ladders: dict[tuple[str, str], _Ladder] = {}
        self.rules: dict[tuple[str, str], tuple[RowRule, int]] = {}
        """Product rules the file sets ((group, SKU) → the rule and its line; a later row wins), written by the
        write pass after the prices, merged into the stored rule as the integrations API merges them."""
        self._close = table.close
        layout: Layout | None = None
        for line, row in _rows(table):
            if layout is None:
                try:
                    layout = files.layout_for(profile, [str(name) for name in row])
                except files.UnknownLayout as error:
                    raise InvalidFile(str(error)) from None
            self.rows_read += 1
            self._map(line, row, layout)
        if layout is None:
            raise InvalidFile(f"the file holds no rows for the {profile} profile")
        self.layout = layout.name

    @property
    def lists(self) -> dict[str, str]:
        """Every list the file's records may go to (slug → currency): stored ones, and those to create."""
        return {**self._existing, **{slug: currency for slug, (_, currency) in self.to_create.items()}}

    @property
    def to_create(self) -> dict[str, tuple[ListSpec, str]]:
        """Lists the adapter asks for that do not exist and whose currency is known: slug → (spec, currency)."""
        found = {}
        for slug, spec in self._specs.items():
            currency = spec.currency or self.options.currency
            if slug not in self._existing and currency is not None:
                found[slug] = (spec, currency)
        return found

    def close(self) -> None:
        self._close()

    def _map(self, line: int, row: dict[str, Any], layout: Layout) -> None:
        result = files.map_row(self.profile, row, self.options, layout)
        if result.errors:
            for error in result.errors:
                value = error.get("value")
                self._rejections.append(
                    Rejection(line, str(error["column"]), "" if value is None else str(value), str(error["reason"]))
                )
            if result.ladder is not None:
                ladder = self._ladder(*result.ladder, (None, None), None)
                ladder.tainted.append(line)
            return
        for spec in result.lists:
            self._specs.setdefault(spec.slug, spec)
        for rule in result.rules:
            self.rules[(str(rule.document["group"]), str(rule.document["sku"]))] = (rule, line)
        for tier in result.prices:
            self.price_column = self.price_column or tier.column
            ladder = self._ladder(tier.price_list, tier.sku, (tier.valid_from, tier.valid_until), tier.unit_of_measure)
            if not ladder.tiers and not ladder.tainted:
                ladder.window, ladder.unit_of_measure = (tier.valid_from, tier.valid_until), tier.unit_of_measure
            qty_column = tier.qty_column or tier.column
            if ladder.problem is None:
                if any(step.qty == tier.qty for step in ladder.tiers):
                    ladder.problem = (
                        line,
                        qty_column,
                        str(tier.qty),
                        f"another row gives a price for quantity {tier.qty} of {tier.sku} on '{tier.price_list}'",
                    )
                elif ladder.tiers and (tier.valid_from, tier.valid_until) != ladder.window:
                    ladder.problem = (
                        line,
                        tier.column,
                        str(tier.price),
                        f"the validity window differs from another row of {tier.sku} on '{tier.price_list}'; "
                        "tradeprice keeps one window per SKU and list",
                    )
            ladder.tiers.append(_Tier(tier.qty, tier.price, line, tier.column, qty_column))

    def _ladder(
        self, price_list: str, sku: str, window: tuple[datetime | None, datetime | None], unit: str | None
    ) -> _Ladder:
        key = (price_list, sku)
        ladder = self._ladders.get(key)
        if ladder is None:
            ladder = self._ladders[key] = _Ladder(price_list, sku, window, unit)
        return ladder

    def __iter__(self) -> Iterator[PriceRecord | Rejection]:
        yield from sorted(self._rejections, key=lambda rejection: rejection.line)
        for ladder in self._ladders.values():
            yield from self._emit(ladder)

    def _emit(self, ladder: _Ladder) -> Iterator[PriceRecord | Rejection]:
        if not ladder.tiers:
            return  # only refused rows: reported already
        lines = tuple(sorted({tier.line for tier in ladder.tiers}))
        column = ladder.tiers[0].column
        if ladder.tainted or ladder.problem is not None:
            if ladder.problem is not None:
                yield Rejection(*ladder.problem)
            culprit = min([*ladder.tainted, *([ladder.problem[0]] if ladder.problem else [])])
            for line in lines:
                if ladder.problem is None or line != ladder.problem[0]:
                    yield Rejection(
                        line,
                        column,
                        ladder.sku,
                        f"not written: line {culprit} is part of the same ladder ({ladder.sku} on "
                        f"'{ladder.price_list}') and failed",
                    )
            return
        slug = ladder.price_list
        if slug not in self._existing and slug not in self.to_create:
            for line in lines:
                yield Rejection(
                    line,
                    column,
                    slug,
                    f"price list '{slug}' does not exist yet and its currency is unknown: set `currency` in the "
                    "file's metadata or manifest (the system's base currency)",
                )
            return
        tiers = sorted(ladder.tiers, key=lambda tier: tier.qty)
        record = PriceRecord(
            slug,
            ladder.sku,
            tuple((tier.qty, tier.price) for tier in tiers),
            lines,
            ladder.unit_of_measure,
            ladder.window[0],
            ladder.window[1],
        )
        if tiers[0].qty != 1:
            for line in lines:
                yield Rejection(
                    line,
                    tiers[0].qty_column,
                    str(tiers[0].qty),
                    f"the lowest break of {ladder.sku} on '{slug}' is {tiers[0].qty}; a ladder needs a price from "
                    "quantity 1 (add the row for 1)",
                )
            return
        try:
            Price.model_validate(record.as_dict())
        except ValidationError as error:
            for described in describe(error):
                named = described["field"]
                shown = tiers[0].qty_column if named.endswith("min_qty") else column
                for line in lines:
                    yield Rejection(line, shown, str(described.get("value", "")), described["reason"])
            return
        yield record


def _rows(table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, {header as the file writes it: cell}) per non-blank row; a CSV or sheet's first non-blank row is
    its header."""
    if not isinstance(table, CellTable):
        for item in table.rows:
            if isinstance(item, Rejection):
                raise InvalidFile(f"line {item.line}: {item.reason}")
            yield item
        return
    headers: list[str] | None = None
    for line, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue
        if headers is None:
            headers = [cell.strip() for cell in cells]
            continue
        yield line, {header: cells[i] if i < len(cells) else "" for i, header in enumerate(headers) if header}
