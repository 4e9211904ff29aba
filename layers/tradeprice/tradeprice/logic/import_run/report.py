"""The job's error report: rejections gathered by every phase, merged into one CSV beside the file."""

import csv
import io
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data import objects
from tradeprice.domain.models import ImportJob
from tradeprice.files import Rejection, excel_safe, write_report
from tradeprice.logic.import_run.source import Entry


@dataclass(slots=True)
class Rejections:
    """Rejections to report (at most `cap` kept) and the rows they cover (all counted)."""

    cap: int
    kept: list[Rejection]
    rows: int = 0
    _last_line: int = -1

    @classmethod
    def new(cls) -> "Rejections":
        return cls(cap=get_settings().import_report_max_rows, kept=[])

    def add(self, rejection: Rejection) -> None:
        if rejection.line != self._last_line:  # a row's rejections arrive together
            self.rows += 1
            self._last_line = rejection.line
        if len(self.kept) < self.cap:
            self.kept.append(rejection)

    def add_record(self, entry: Entry, column: Callable[[str], str], errors: list[dict[str, Any]]) -> None:
        """The write path refused a record: one row per line of it and error."""
        for line in entry.lines:
            for error in errors or [{"field": "record", "reason": "refused"}]:
                value = error.get("value")
                field = column(str(error.get("field", "")))
                self.add(Rejection(line, field, "" if value is None else str(value), str(error["reason"])))


def report_key(job: ImportJob, suffix: str) -> str:
    """Beside the file, under reports/: imports/prices/trade/p.csv → reports/prices/trade/p.csv.<job>.errors.csv."""
    return f"reports/{job.key.removeprefix('imports/')}.{job.id[:8]}.{suffix}"


def merge_report(job: ImportJob, rejections: list[Rejection], max_rows: int) -> str:
    """Add rows to the job's error report (made on first use): merged with what it lists, sorted by line, each
    row once (a chunk replayed after a crash reports the same rows again). Answers the report's key."""
    key = job.error_report_key or report_key(job, "errors.csv")
    rows: dict[tuple[int, str, str, str], None] = {}
    if job.error_report_key:
        for row in _read_report(job.bucket, key):
            rows[row] = None
    for rejection in rejections:
        rows[
            (
                rejection.line,
                excel_safe(rejection.column),
                excel_safe(rejection.value),
                excel_safe(rejection.reason),
            )
        ] = None
    ordered = sorted(rows, key=lambda row: row[0])[:max_rows]
    with tempfile.TemporaryFile() as file:
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
        write_report((Rejection(*row) for row in ordered), text)
        text.flush()
        objects.put_file(job.bucket, key, file, "text/csv; charset=utf-8")
        text.detach()
    return key


def _read_report(bucket: str, key: str) -> Iterator[tuple[int, str, str, str]]:
    text = objects.read_text(bucket, key)
    if not text:
        return
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows, None)
    for row in rows:
        if len(row) == 4 and row[0].isdigit():
            yield int(row[0]), row[1], row[2], row[3]
