"""Helpers for the adapters' unit tests: fixtures under tests/fixtures/integrations, mapped batches read back."""

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from tradeprice.integrations import adapt
from tradeprice.integrations.base import Mapped, Options

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "integrations"


def load(system: str, name: str) -> Any:
    """A JSON fixture parsed as the API parses bodies: numbers with a fraction become exact Decimals."""
    return json.loads((FIXTURES / system / name).read_text(), parse_float=Decimal)


def rows(system: str, name: str) -> list[dict[str, str]]:
    with (FIXTURES / system / name).open(newline="") as handle:
        return list(csv.DictReader(handle))


def mapped(system: str, resource: str, payload: Any, **options: Any) -> Mapped:
    return adapt(system, resource, payload, Options(**options))


def prices(batch: Mapped) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """(list, sku) → [(min_qty, price as text)]; a removal maps to []."""
    return {
        (w.document["price_list"], w.document["sku"]): [(t["min_qty"], str(t["price"])) for t in w.document["tiers"]]
        for w in batch.writes
        if w.kind == "price"
    }


def documents(batch: Mapped, kind: str) -> list[dict[str, Any]]:
    return [write.document for write in batch.writes if write.kind == kind]


def errors(batch: Mapped) -> dict[int, list[str]]:
    """index → native fields at fault, for records that failed."""
    return {record.index: [e["field"] for e in record.errors] for record in batch.records if record.errors}


def accounted(batch: Mapped) -> dict[int, str]:
    """index → how the adapter accounts for each native record before writing: `error` (with errors), `skipped`
    (with a warning saying why) or `mapped` (it gave writes); every record is one of them, none is silent."""
    used = {origin for write in batch.writes for origin in write.origins}
    used |= {origin for spec in batch.lists.values() if spec.define for origin in spec.origins}
    outcome: dict[int, str] = {}
    for record in batch.records:
        if record.errors:
            outcome[record.index] = "error"
        elif record.skipped:
            assert record.warnings, f"record {record.index} skipped without a reason"
            outcome[record.index] = "skipped"
        else:
            assert record.index in used, f"record {record.index} neither failed, nor skipped, nor mapped"
            outcome[record.index] = "mapped"
    return outcome
