"""File imports of a system's NATIVE JSON payload: `profile=<system>` with `resource=<resource>`.

The file holds what POST /v1/integrations/{system}/{resource} takes — a `.json` file is one payload (an API
response as the system pages it: a bare array or its list envelope), a `.jsonl` file one native record per line —
and goes through the same adapter and the same write orchestration (logic.integrations.ingest): nothing here maps
or writes on its own. The whole object is read once (ERP payloads are megabytes, not gigabytes) and written in one
pass; a retried invocation writes it again, which the write path answers `unchanged`.

    payload, lines = read_payload(key, body)             # lines: record index → the file's line (jsonl)
    applied = ingest("cin7", "products", payload, options)
    written, unchanged, rejections = outcome(applied, lines)    # skipped records are report rows, not unchanged
"""

import json
from decimal import Decimal
from typing import Any

from tradeprice import integrations
from tradeprice.errors import InvalidFile, InvalidInput
from tradeprice.files import Rejection
from tradeprice.integrations.base import Options
from tradeprice.logic import integrations as native_writes
from tradeprice.logic.integrations import Applied

__all__ = ["check_native", "ingest", "outcome", "read_payload"]

WRITTEN = frozenset({"created", "updated", "deleted"})


def check_native(system: str, resource: str) -> None:
    """Raises InvalidFile unless the integrations API has this system and resource."""
    try:
        integrations.adapter_for(system, resource)
    except integrations.UnknownResource as error:
        raise InvalidFile(error.detail) from None


def read_payload(key: str, body: bytes) -> tuple[Any, list[int] | None]:
    """The payload (parsed with exact decimals, as the API parses it) and, for .jsonl, each record's line."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidFile(f"the file is not UTF-8 text ({error.reason} at byte {error.start})") from None
    if not key.lower().endswith(".jsonl"):
        if not text.strip():
            raise InvalidFile("the file is empty: it should hold the system's JSON payload")
        try:
            return json.loads(text, parse_float=Decimal), None
        except ValueError as error:
            raise InvalidFile(f"the file is not valid JSON ({error})") from None
    records: list[Any] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line, parse_float=Decimal))
        except ValueError as error:
            raise InvalidFile(f"line {number} is not valid JSON ({error})") from None
        lines.append(number)
    if not records:
        raise InvalidFile("the file holds no records: one native record per line")
    return records, lines


def ingest(system: str, resource: str, payload: Any, options: Options) -> Applied:
    """The integrations API's map-and-write; a payload the resource cannot take fails the job."""
    check_native(system, resource)
    try:
        return native_writes.ingest(system, resource, payload, options)
    except InvalidInput as error:
        raise InvalidFile(f"not a {system} {resource} payload: {error.detail}") from None


def outcome(applied: Applied, lines: list[int] | None) -> tuple[int, int, list[Rejection]]:
    """(records written, records unchanged, report rows): a rejected record's row per native field at fault, its
    line the record number (1-based), or for .jsonl the file's line. A skipped record (nothing in it is carried,
    e.g. an obsolete product) is no more unchanged than it is written: it is reported, a row per warning saying
    why (`skipped: …`), and counts as rejected. Stale records are unchanged: what is stored is newer and stands."""
    written = unchanged = 0
    rejections: list[Rejection] = []
    for result in applied.results:
        if result.status in WRITTEN:
            written += 1
            continue
        if result.status not in {"error", "skipped"}:
            unchanged += 1  # unchanged, stale: nothing written, what is stored stands
            continue
        line = lines[result.index] if lines is not None else result.index + 1
        if result.status == "skipped":
            warnings = result.warnings or [{"field": "record", "reason": "nothing in the record is carried"}]
            rejections.extend(_row(line, warning, "skipped: ") for warning in warnings)
        else:
            errors = result.errors or [{"field": "record", "reason": "refused"}]
            rejections.extend(_row(line, error) for error in errors)
    return written, unchanged, rejections


def _row(line: int, error: dict[str, Any], prefix: str = "") -> Rejection:
    value = error.get("value")
    return Rejection(line, str(error["field"]), "" if value is None else str(value), prefix + str(error["reason"]))
