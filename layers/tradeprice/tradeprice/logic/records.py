"""Per-record batch semantics shared by the API and file imports: results in input order, errors per record."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

Status = Literal["created", "updated", "unchanged", "stale", "deleted", "error"]

T = TypeVar("T")


@dataclass(slots=True)
class RecordResult:
    index: int
    key: str | None
    status: Status
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    """Fields not applied because another source owns them (the rest of the record was applied)."""

    def as_dict(self) -> dict[str, Any]:
        answer = {"index": self.index, "key": self.key, "status": self.status, "errors": self.errors}
        if self.warnings:
            answer["warnings"] = self.warnings
        return answer


def describe(error: ValidationError, root: str = "record") -> list[dict[str, Any]]:
    described = []
    for entry in error.errors(include_url=False, include_context=False):
        item: dict[str, Any] = {
            "field": ".".join(str(part) for part in entry["loc"]) or root,
            "reason": entry["msg"],
        }
        if entry["type"] not in {"missing", "extra_forbidden"} and isinstance(entry.get("input"), str | int | bool):
            item["value"] = entry["input"]
        described.append(item)
    return described


def validate_each(raw_records: Sequence[Any], parse: Callable[[Any], T], key_field: str) -> list[T | RecordResult]:
    """Validate each record on its own; a failure becomes that record's error result."""
    validated: list[T | RecordResult] = []
    for index, raw in enumerate(raw_records):
        key = raw.get(key_field) if isinstance(raw, dict) else None
        key = key if isinstance(key, str) else None
        if not isinstance(raw, dict):
            validated.append(RecordResult(index, None, "error", [{"field": "record", "reason": "must be an object"}]))
            continue
        try:
            validated.append(parse(raw))
        except ValidationError as error:
            validated.append(RecordResult(index, key, "error", describe(error)))
    return validated


def http_status(results: Sequence[RecordResult]) -> int:
    """200 when every record succeeded, 207 when some did, 422 when none did."""
    failed = sum(result.status == "error" for result in results)
    if failed == 0:
        return 200
    return 422 if failed == len(results) else 207


def summary(results: Sequence[RecordResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return counts
