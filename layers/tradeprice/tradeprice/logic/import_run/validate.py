"""Phase 1, validate: the whole file is read and nothing is written (see the package's docstring)."""

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from decimal import Decimal
from typing import IO, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from tradeprice.data import codec, objects, reference
from tradeprice.data import prices as price_store
from tradeprice.data.versioned import same_content
from tradeprice.domain.models import ImportCounts, ImportKind, ImportMode, merged
from tradeprice.domain.types import utc_now
from tradeprice.errors import InvalidFile
from tradeprice.files import PriceRecord, Rejection, excel_safe
from tradeprice.files.records import PARTIAL_KINDS
from tradeprice.files.seen import SeenKeys
from tradeprice.logic.import_run.job import Run
from tradeprice.logic.import_run.report import Rejections, report_key
from tradeprice.logic.import_run.source import COLLECTIONS, Entry, Source, collection_key

# Powertools keeps one set of pending metrics per namespace; the import handler's log_metrics flushes it.
_guardrail_stops = Metrics(namespace="tradeprice")

PLAN_COLUMNS = ("action", "line", "key", "old", "new")


class _Plan:
    """dry_run's plan: one CSV row per record the import would create, change or remove, spooled to disk."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the plan (maybe())
        self._text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="", write_through=True)
        self._writer = csv.writer(self._text, lineterminator="\r\n")
        self._writer.writerow(PLAN_COLUMNS)

    def add(self, action: str, line: int | None, key: str, old: str, new: str) -> None:
        self._writer.writerow([action, "" if line is None else line, excel_safe(key), excel_safe(old), excel_safe(new)])

    def upload(self, bucket: str, key: str) -> None:
        self._text.flush()
        objects.put_file(bucket, key, self.file, "text/csv; charset=utf-8")

    @classmethod
    @contextmanager
    def maybe(cls, wanted: bool) -> Iterator["_Plan | None"]:
        plan = cls() if wanted else None
        try:
            yield plan
        finally:
            if plan is not None:
                plan._text.close()


class _Guard:
    """The price-ratio guardrail: stored prices that the file would move by more than the allowed factor."""

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self.violations = 0

    def check(self, entry: Entry, old: list[tuple[int, Decimal]], column: str, rejections: Rejections) -> None:
        assert isinstance(entry.record, PriceRecord)
        stored = dict(old)
        worst: tuple[Decimal, int, Decimal, Decimal] | None = None
        for qty, price in entry.record.tiers:
            before = stored.get(qty)
            if before is None or before == price:
                continue
            factor = Decimal("Infinity") if before == 0 or price == 0 else max(price / before, before / price)
            if worst is None or factor > worst[0]:
                worst = (factor, qty, before, price)
        if worst is None or worst[0] <= self.limit:
            return
        self.violations += 1
        factor, qty, before, price = worst
        if factor.is_infinite():
            moved = f"goes from {before} to {price}"
        else:
            moved = f"changes {'×' if price > before else '÷'}{_short(factor)} ({before} → {price})"
        reason = (
            f"{entry.record.sku} on {entry.record.price_list}: the price at qty {qty} {moved}, more than the "
            f"×{_short(self.limit)} an import may move a price (a minor-units slip?); "
            "fix the file or import it with force"
        )
        rejections.add(Rejection(entry.lines[0], column, str(price), reason))


def _short(number: Decimal) -> str:
    """100 → `100`, 99.934 → `99.93`, 250000 → `250,000`."""
    return f"{float(number):.4g}" if number < 10_000 else f"{number:,.0f}"


def _ladder_text(tiers: Iterable[tuple[int, Decimal]]) -> str:
    return " ".join(f"{qty}:{price}" for qty, price in tiers)


def validate(run: Run) -> bool:
    """Read the whole file, write nothing. True when the write phase should follow."""
    job = run.job
    if job.kind is ImportKind.PRICES:
        lists = {slug: price_list.currency for slug, price_list in reference.all_price_lists().items()}
        if job.price_list is not None and job.price_list not in lists and run.state.profile is None:
            raise InvalidFile(f"price list '{job.price_list}' does not exist; create it before importing its prices")
        run.stored = replace(run.stored, state=run.state.model_copy(update={"lists": lists}))
    dry_run = job.mode is ImportMode.DRY_RUN
    guard = None
    if job.kind is ImportKind.PRICES and not run.state.force:
        guard = _Guard(run.settings.import_max_price_ratio)
    rejections = Rejections.new()
    # replace needs the file's SKUs to know what it removes; a dry run of a one-list file shows the same
    syncs_a_list = job.kind is ImportKind.PRICES and job.price_list is not None
    replacing = job.mode is ImportMode.REPLACE
    skus = SeenKeys() if replacing or (dry_run and syncs_a_list) else None
    with _Plan.maybe(dry_run) as plan:
        total, would, rows_read = _read_all(run, guard, plan, rejections, skus)
        stored_total = removable = 0
        if skus is not None:  # the plan lists removals only when they would happen: every row valid
            stored_total, removable = _removals(run, skus, plan if not rejections.rows else None)
        plan_key = None
        if plan is not None:
            plan_key = report_key(job, "plan.csv")
            plan.upload(job.bucket, plan_key)
    reasons = []
    if guard is not None and guard.violations:
        reasons.append(
            f"{guard.violations:,} price(s) would move by more than ×{_short(guard.limit)} (a minor-units slip?)"
        )
    share = run.settings.import_max_remove_share
    # (with a rejected row a replace removes nothing, so only a clean file can remove too much)
    if replacing and not run.state.force and not rejections.rows and stored_total and removable / stored_total > share:
        reasons.append(
            f"replace would remove {removable:,} of the {stored_total:,} SKUs on '{job.price_list}' "
            f"({removable / stored_total:.0%}, more than the {share:.0%} allowed)"
        )
    run.counts = ImportCounts(rows_read=rows_read, rows_rejected=rejections.rows)
    if dry_run:  # what the import would do
        run.counts = run.counts.model_copy(
            update={
                "rows_written": would.rows_written,
                "rows_unchanged": would.rows_unchanged,
                "rows_removed": 0 if rejections.rows else removable,
            }
        )
    run.pending.extend(rejections.kept)
    run.stored = replace(
        run.stored,
        state=run.state.model_copy(update={"records_total": total, "plan_report_key": plan_key}),
    )
    stop = "; ".join(reasons)
    if dry_run:
        run.finish(
            failure=f"the import would stop before writing: {stop}; check the file, or force it" if stop else None
        )
        return False
    if stop:
        _guardrail_stops.add_metric(name="ImportGuardrailStops", unit=MetricUnit.Count, value=1)
        run.finish(failure=f"stopped before writing anything: {stop}. Check the file, or import it again with force")
        return False
    run.save(phase="write")
    return True


def _read_all(
    run: Run, guard: _Guard | None, plan: _Plan | None, rejections: Rejections, skus: SeenKeys | None
) -> tuple[int, ImportCounts, int]:
    """The validation pass over the file: (valid records, what they would do, rows read)."""
    compare = plan is not None or guard is not None
    would = ImportCounts()
    total = 0
    batch: list[Entry] = []
    with run.open() as source:
        for item in source:
            if isinstance(item, Rejection):
                rejections.add(item)
                continue
            total += 1
            if skus is not None:
                assert isinstance(item.record, PriceRecord)
                skus.add(hash(item.record.sku))
            if compare:
                batch.append(item)
                if len(batch) >= run.settings.import_chunk_records:
                    would = _compare(run, batch, source, guard, plan, rejections, would)
                    batch = []
            run.progress(source)
        if batch:
            would = _compare(run, batch, source, guard, plan, rejections, would)
        return total, would, source.rows_read


def _compare(
    run: Run,
    batch: list[Entry],
    source: Source,
    guard: _Guard | None,
    plan: _Plan | None,
    rejections: Rejections,
    would: ImportCounts,
) -> ImportCounts:
    """Sort a batch into would-create / would-change / unchanged against what is stored; guard its prices."""
    written = unchanged = 0
    if run.job.kind is ImportKind.PRICES:
        stored_items = price_store.get_many(
            (e.record.price_list or "", e.record.sku) for e in batch if isinstance(e.record, PriceRecord)
        )
        price_column = source.column("price")
        for entry in batch:
            record = entry.record
            assert isinstance(record, PriceRecord)
            item = stored_items.get((record.price_list or "", record.sku))
            new_text = _ladder_text(record.tiers)
            if item is None:
                action, old_text = "create", ""
            else:
                old = price_store.decode_tiers(item["tiers"]["S"])
                old_text = _ladder_text(old)
                price = record.to_price()
                version = codec.source_version_key(price.source_version)
                stored_version = item.get("version_key")
                if version is not None and stored_version is not None and version < Decimal(stored_version["N"]):
                    action = "stale"
                elif same_content(
                    item, price_store.in_stored_spelling(price_store.to_item(price, utc_now(), version), item)
                ):
                    action = "unchanged"
                else:
                    action = "change"
                    if guard is not None:
                        guard.check(entry, old, price_column, rejections)
            if action in {"create", "change"}:
                written += len(entry.lines)
                if plan is not None:
                    plan.add(action, entry.lines[0], entry.key, old_text, new_text)
            else:
                unchanged += len(entry.lines)
    else:
        collection = COLLECTIONS[run.job.kind]
        stored_records = {
            collection_key(record): record
            for record in reference.get_many(
                collection, [collection_key(e.record) for e in batch if isinstance(e.record, BaseModel)]
            )
        }
        for entry in batch:
            assert isinstance(entry.record, BaseModel)
            before = stored_records.get(collection_key(entry.record))
            after = entry.record
            if run.job.kind in PARTIAL_KINDS:
                with suppress(ValidationError):  # the write reports a merge the model refuses
                    after = merged(before, after)
            action, old_text, new_text = _record_change(before, after)
            if action in {"create", "change"}:
                written += 1
                if plan is not None:
                    plan.add(action, entry.lines[0], entry.key, old_text, new_text)
            else:
                unchanged += 1
    return would.model_copy(
        update={"rows_written": would.rows_written + written, "rows_unchanged": would.rows_unchanged + unchanged}
    )


def _removals(run: Run, file_skus: SeenKeys, plan: _Plan | None) -> tuple[int, int]:
    """(SKUs stored on the replaced list, those the file does not name); the plan lists the latter."""
    slug = run.job.price_list
    assert slug is not None
    stored = removable = 0
    for item in _list_items(slug):
        stored += 1
        sku = item["sku"]["S"]
        if hash(sku) not in file_skus:
            removable += 1
            if plan is not None:
                plan.add(
                    "remove", None, f"{slug}/{sku}", _ladder_text(price_store.decode_tiers(item["tiers"]["S"])), ""
                )
    return stored, removable


def _list_items(slug: str) -> Iterator[dict[str, Any]]:
    cursor: dict[str, Any] | None = None
    while True:
        items, cursor = price_store.page_list(slug, 1000, cursor, None)
        yield from items
        if cursor is None:
            return


def _record_change(before: BaseModel | None, after: BaseModel) -> tuple[str, str, str]:
    """(create | change | unchanged | stale, the changed fields before, after) of a record against the stored one."""
    if before is None:
        return "create", "", ""
    new_version = codec.source_version_key(getattr(after, "source_version", None))
    old_version = codec.source_version_key(getattr(before, "source_version", None))
    if new_version is not None and old_version is not None and new_version < old_version:
        return "stale", "", ""
    old = before.model_dump(mode="json", exclude={"updated_at", "source_version"})
    new = after.model_dump(mode="json", exclude={"updated_at", "source_version"})
    changed = [name for name in new if old.get(name) != new[name]]
    if not changed:
        return "unchanged", "", ""
    return (
        "change",
        "; ".join(f"{name}={json.dumps(old.get(name))}" for name in changed),
        "; ".join(f"{name}={json.dumps(new[name])}" for name in changed),
    )
