"""File imports with `profile=<system>`: a system's documented export/import files, row by row.

Two levels, for two kinds of caller:

- `map_row(profile, row, options)` maps one row (a dict keyed by the file's own headers) to long-layout price
  tiers (`RowPrice`: list, SKU, quantity, price, validity), product rules (`RowRule`) and the lists they need
  (`ListSpec`), with errors naming the file's columns. Pure and streaming: a file importer gathers the tiers into
  ladders as it does for its own long layout, creates missing lists (`ListSpec.currency`, else the manifest's
  currency) and merges each rule's `owns` fields into the stored rule.
- `map_file(profile, rows, options)` maps a whole (small) file to a `Mapped` batch — ladders gathered, rows as
  native records — for `tradeprice.logic.integrations.apply`, the same path the HTTP adapters take.

The layout (which of the system's files this is) is recognised from the headers: `layout_for(profile, headers)`.
"""

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from tradeprice.integrations import linnworks, netsuite, unleashed
from tradeprice.integrations.base import Ladders, Layout, Mapped, Options, Row, RowResult

PROFILES: dict[str, tuple[Layout, ...]] = {
    "unleashed": unleashed.FILE_LAYOUTS,
    "netsuite": netsuite.FILE_LAYOUTS,
    "linnworks": linnworks.FILE_LAYOUTS,
}
"""Systems with a documented export/import file, and the files (layouts) each has."""


class UnknownLayout(ValueError):
    """The profile is unknown, or the headers are none of its files'; the message says which columns it expects."""


def layout_for(profile: str, headers: Sequence[str]) -> Layout:
    layouts = PROFILES.get(profile)
    if layouts is None:
        raise UnknownLayout(f"no file profile '{profile}'; profiles: {', '.join(sorted(PROFILES))}")
    for layout in layouts:
        if layout.matches(headers):
            return layout
    expected = "; ".join(
        f"{layout.name}: {', '.join(layout.required)} and one of {', '.join(layout.any_of)}" for layout in layouts
    )
    raise UnknownLayout(f"the headers are none of {profile}'s files ({expected})")


def map_row(profile: str, row: Mapping[str, Any], options: Options, layout: Layout | None = None) -> RowResult:
    """One row → tiers, rules and lists; pass the `layout` found for the file's headers to skip recognising it."""
    chosen = layout or layout_for(profile, [str(name) for name in row if name is not None])
    result: RowResult = chosen.map_row(Row(row), options)
    return result


def map_file(profile: str, rows: Iterable[Mapping[str, Any]], options: Options) -> Mapped:
    """A whole file as one batch: each row a native record (`key`: its SKU), tiers gathered into ladders."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return Mapped(profile, "file")
    layout = layout_for(profile, [str(name) for name in first if name is not None])
    mapped = Mapped(profile, f"file:{layout.name}")
    ladders = Ladders()
    for index, raw in enumerate(chain([first], iterator)):
        result = map_row(profile, raw, options, layout)
        mapped.record(index, result.key)
        for error in result.errors:
            mapped.error(index, error["column"], error["reason"], error.get("value"))
        for warning in result.warnings:
            mapped.warn(index, warning["column"], warning["reason"])
        for spec in result.lists:
            mapped.need_list(spec, index)
        mapped.relink.update(result.relink)
        if result.errors and result.ladder is not None:
            ladders.taint(*result.ladder, index)
        for tier in result.prices:
            ladders.add(
                tier.price_list,
                tier.sku,
                tier.qty,
                tier.price,
                index,
                tier.column,
                window=(tier.valid_from, tier.valid_until),
                unit_of_measure=tier.unit_of_measure,
                quantity_field=tier.qty_column,
            )
        for rule in result.rules:
            fields = {"": rule.column, **dict.fromkeys(rule.owns, rule.column)}
            mapped.add_checked("rule", rule.document, (index,), fields, owns=rule.owns)
    ladders.emit(mapped, ladder_field="price")
    return mapped
