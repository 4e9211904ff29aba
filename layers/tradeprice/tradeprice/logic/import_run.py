"""One invocation's work on an import job: the three phases over a file (docs/imports.md).

1. validate — the whole file is read and nothing is written: every row the reader or the model refuses goes to the
   error report; the import's effect is compared with what is stored where a guardrail or a dry run needs it (a
   price moving by more than `import_max_price_ratio`, a `replace` removing more than `import_max_remove_share`
   of its list). A dry run ends here with its plan; a guardrail stops the job here, unless forced.
2. write — the file is read again (the same object version, so the same records in the same order) and its valid
   records go to the write path in chunks. After a chunk, the job records how many records are done. An
   invocation short of time stops there and queues a continuation; one that dies mid-chunk is retried by SQS.
   Either way the next invocation skips the records done and writes the rest: nothing is lost, and a record
   written twice is written once (the write path leaves unchanged records alone). After a crash, records the
   write path calls unchanged are checked against their `updated_at`, so one the dead invocation had written
   counts as written, not unchanged.
3. remove — `replace` only, and only when no row of the file was rejected: SKUs of the list the file does not
   name are removed, a chunk at a time; the chunk in flight is recorded first, so a crash cannot lose its count.
"""

import csv
import io
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import chain
from typing import IO, Any, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from tradeprice.config import get_settings
from tradeprice.data import codec, jobs, objects, reference
from tradeprice.data import prices as price_store
from tradeprice.data.jobs import JobState, StoredJob
from tradeprice.data.reference import CUSTOMERS, GROUPS, PRICE_LISTS, RULES, Collection
from tradeprice.data.versioned import same_content
from tradeprice.domain.models import (
    Customer,
    CustomerGroup,
    ImportCounts,
    ImportJob,
    ImportKind,
    ImportMode,
    ImportStatus,
    PriceList,
    ProductRule,
    from_partial,
    merged,
)
from tradeprice.domain.types import utc_now
from tradeprice.errors import Conflict, InvalidFile, InvalidInput, NotFound, StoreUnavailable, TradepriceError
from tradeprice.files import (
    MODELS,
    PriceReader,
    PriceRecord,
    RecordReader,
    Rejection,
    detect_format,
    excel_safe,
    open_table,
    read_prices,
    read_records,
    write_report,
)
from tradeprice.files.prices import Fingerprints
from tradeprice.files.records import PARTIAL_KINDS
from tradeprice.integrations.base import RowRule
from tradeprice.logic import catalog, customers, import_native
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.import_profile import AdapterOptions, ProfileReader
from tradeprice.logic.records import RecordResult, Status, describe

# Powertools keeps one set of pending metrics per namespace; the import handler's log_metrics flushes it.
_guardrail_stops = Metrics(namespace="tradeprice")

logger = Logger(child=True)

PLAN_COLUMNS = ("action", "line", "key", "old", "new")
LEASE_GRACE_SECONDS = 60
"""A lease outlives its invocation's remaining time by this much."""


class JobTaken(Exception):
    """Another invocation took the job while this one ran (its checkpoint would overwrite newer work)."""


# Invocation budget -------------------------------------------------------------------------------------------------


class Budget:
    """How long an invocation may keep writing before it checkpoints and hands the job to the next one."""

    def __init__(self, remaining_ms: Callable[[], int], *, run_seconds: float, margin_seconds: float) -> None:
        self._remaining_ms = remaining_ms
        self._run_seconds = run_seconds
        self._margin_ms = margin_seconds * 1000
        self._started = time.monotonic()

    @classmethod
    def of(cls, remaining_ms: Callable[[], int]) -> "Budget":
        settings = get_settings()
        return cls(
            remaining_ms,
            run_seconds=settings.import_run_budget_seconds,
            margin_seconds=settings.import_stop_margin_seconds,
        )

    def lease_seconds(self) -> float:
        return self._remaining_ms() / 1000 + LEASE_GRACE_SECONDS

    def exhausted(self) -> bool:
        if self._remaining_ms() < self._margin_ms:
            return True
        return bool(self._run_seconds) and time.monotonic() - self._started >= self._run_seconds


# One invocation's work on a job ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """A record of the file that the reader and the model accepted: what the write path gets."""

    lines: tuple[int, ...]
    key: str
    """How the plan and the log name it: `<list>/<sku>`, a customer id, `<group>/<sku>` …"""
    record: PriceRecord | BaseModel


@dataclass(slots=True)
class _Rejections:
    """Rejections to report (at most `cap` kept) and the rows they cover (all counted)."""

    cap: int
    kept: list[Rejection]
    rows: int = 0
    _last_line: int = -1

    @classmethod
    def new(cls) -> "_Rejections":
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

    def check(self, entry: Entry, old: list[tuple[int, Decimal]], column: str, rejections: _Rejections) -> None:
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


class _Counted:
    """Chunks of a byte stream, counted as they pass (the job's progress)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.read += len(chunk)
            yield chunk


class _File:
    """One pass over the job's object version: Entries and Rejections, in the file's order."""

    def __init__(self, job: ImportJob, state: JobState, counted: _Counted, chunks: Iterator[bytes]) -> None:
        self.job = job
        self.counted = counted
        self._lists = state.lists
        self._prices: PriceReader | None = None
        self._records: RecordReader | None = None
        self.profiled: ProfileReader | None = None
        """A file read through an ERP's file adapter (`profile`); its lists to create are the write pass's."""
        head = next(chunks, b"")
        table = open_table(chain([head], chunks), detect_format(job.key, head), sheet=state.sheet)
        try:
            if state.profile is not None:
                self.profiled = ProfileReader(table, state.profile, _adapter_options(job, state), state.lists)
                self._lists = self.profiled.lists
            elif job.kind is ImportKind.PRICES:
                self._prices = read_prices(table, default_list=job.price_list, currencies=state.lists)
                if job.price_list is None and "price_list" not in self._prices.columns.fields:
                    raise InvalidFile(
                        "the file names no price list: put it under imports/prices/<list>/, give it a price_list "
                        "column, or set the price list in its metadata or manifest"
                    )
            else:
                self._records = read_records(table, job.kind)
        except BaseException:
            table.close()  # an XLSX spooled to disk goes with it
            raise
        self._model: type[BaseModel] = MODELS.get(job.kind, BaseModel)

    @property
    def rows_read(self) -> int:
        if self.profiled is not None:
            return self.profiled.rows_read
        reader = self._prices if self._prices is not None else self._records
        assert reader is not None
        return reader.rows_read

    def column(self, field: str) -> str:
        """The file's header for a canonical field (reports name columns as the merchant's file does)."""
        if self.profiled is not None:
            return self.profiled.price_column or field
        if self._records is not None:
            return self._records.source_column(field)
        assert self._prices is not None
        columns = self._prices.columns
        name = field.split(".")[0]
        if name == "tiers" or (name == "price" and "price" not in columns.fields and columns.tiers):
            return columns.header("price") if "price" in columns.fields else columns.headers[columns.tiers[0].price]
        return columns.header(name)

    def close(self) -> None:
        if self.profiled is not None:
            self.profiled.close()
        if self._prices is not None:
            self._prices.close()
        if self._records is not None:
            self._records.close()

    def __iter__(self) -> Iterator[Entry | Rejection]:
        if self.profiled is not None:
            yield from self._price_entries(self.profiled)
        elif self._prices is not None:
            yield from self._price_entries(self._prices)
        else:
            assert self._records is not None
            yield from self._record_entries(self._records)

    def _price_entries(self, reader: PriceReader | ProfileReader) -> Iterator[Entry | Rejection]:
        target = self.job.price_list
        replacing = self.job.mode is ImportMode.REPLACE
        list_header = self.column("price_list")
        for item in reader:
            if isinstance(item, Rejection):
                yield item
                continue
            slug = item.price_list
            reason = None
            if slug not in self._lists:
                reason = f"price list '{slug}' does not exist"
            elif replacing and slug != target:
                reason = f"is for list '{slug}', but this replace import syncs list '{target}'"
            if reason is not None:
                for line in item.lines:
                    yield Rejection(line, list_header, slug or "", reason)
                continue
            yield Entry(item.lines, f"{slug}/{item.sku}", item)

    def _record_entries(self, reader: RecordReader) -> Iterator[Entry | Rejection]:
        for item in reader:
            if isinstance(item, Rejection):
                yield item
                continue
            try:
                if self.job.kind in PARTIAL_KINDS:
                    record = from_partial(self._model, item.data)
                else:
                    record = self._model.model_validate(item.data)
            except ValidationError as error:
                for described in describe(error):
                    value = described.get("value", "")
                    yield Rejection(
                        item.line, reader.source_column(described["field"]), str(value), described["reason"]
                    )
                continue
            yield Entry((item.line,), _record_key(record), record)


def _adapter_options(job: ImportJob, state: JobState) -> AdapterOptions:
    """The file adapter's options: the job's list is the default list (Linnworks rows without Tag or Source)."""
    found = state.profile_options
    return AdapterOptions(
        currency=found.get("currency"),
        price_list=job.price_list,
        tier_names=dict(found.get("tier_names") or {}),
        currency_map=dict(found.get("currency_map") or {}),
        now=job.created_at,
    )


def _record_key(record: BaseModel) -> str:
    if isinstance(record, ProductRule):
        return f"{record.group}/{record.sku}"
    if isinstance(record, Customer):
        return record.id
    if isinstance(record, PriceList | CustomerGroup):
        return record.slug
    raise TypeError(type(record).__name__)


_COLLECTIONS: dict[ImportKind, Collection[Any]] = {
    ImportKind.PRICE_LISTS: PRICE_LISTS,
    ImportKind.CUSTOMER_GROUPS: GROUPS,
    ImportKind.CUSTOMERS: CUSTOMERS,
    ImportKind.PRODUCT_RULES: RULES,
}


def _collection_key(record: BaseModel) -> tuple[str, ...]:
    if isinstance(record, ProductRule):
        return (record.sku, record.group)
    return (_record_key(record),)


class ImportRun:
    """One invocation's work on a job it holds: the phases from where the job's state says it stopped."""

    def __init__(self, stored: StoredJob, budget: Budget, *, crashed: bool) -> None:
        self.stored = stored
        self.budget = budget
        self.crashed = crashed
        """The previous invocation died mid-write: 'unchanged' may mean 'written by it' (see _unchanged_or_ours)."""
        self.settings = get_settings()
        self.counts = stored.job.counts
        self.records_done = stored.state.records_done
        self.pending: list[Rejection] = []
        """Rejections from the write path not yet in the report."""
        self.pending_rows = 0
        self.bytes_read = stored.job.bytes_read
        self.file_skus: Fingerprints | None = None
        self._last_save = time.monotonic()

    @property
    def job(self) -> ImportJob:
        return self.stored.job

    @property
    def state(self) -> JobState:
        return self.stored.state

    # -- the phases --------------------------------------------------------------------------------------------

    def execute(self) -> ImportJob:
        logger.info(
            "import running", extra={"phase": self.state.phase, "run": self.state.runs, "crashed": self.crashed}
        )
        try:
            if self.state.profile is not None and "resource" in self.state.profile_options:
                return self._native()
            if self.state.phase == "validate" and not self._validate():
                return self.job
            if self.state.phase == "write" and not self._write():
                return self._hand_off()
            if self.state.phase == "remove" and not self._remove():
                return self._hand_off()
        except (InvalidFile, NotFound) as error:
            return self._finish(failure=error.detail)
        return self._finish()

    def _native(self) -> ImportJob:
        """A system's native JSON payload (logic/import_native.py): read whole, mapped and written as the
        integrations API writes it, in one pass; the counts and report rows from its per-record results."""
        job, found = self.job, self.state.profile_options
        assert self.state.profile is not None
        stored = objects.open_object(job.bucket, job.key, job.version_id)
        try:
            body = b"".join(stored.chunks)
        finally:
            stored.close()
        self.bytes_read = len(body)
        payload, lines = import_native.read_payload(job.key, body)
        options = AdapterOptions(
            currency=found.get("currency"),
            currencies=tuple(found.get("currencies") or ()),
            currency_map=dict(found.get("currency_map") or {}),
            price_list=job.price_list,
            tier_names=dict(found.get("tier_names") or {}),
            now=job.created_at,
        )
        applied = import_native.ingest(self.state.profile, str(found["resource"]), payload, options)
        written, unchanged, refused = import_native.outcome(applied, lines)
        rejections = _Rejections.new()
        for rejection in refused:
            rejections.add(rejection)
        self.pending.extend(rejections.kept)
        self.counts = ImportCounts(
            rows_read=len(applied.results),
            rows_written=written,
            rows_unchanged=unchanged,
            rows_rejected=rejections.rows,
        )
        total = len(applied.results)
        self.records_done = total
        self.stored = replace(self.stored, state=self.state.model_copy(update={"records_total": total}))
        logger.info("native payload written", extra={"outcome": applied.summary(), "lists": applied.lists_created})
        return self._finish()

    def _validate(self) -> bool:
        """Read the whole file, write nothing. True when the write phase should follow."""
        job = self.job
        if job.kind is ImportKind.PRICES:
            lists = {slug: price_list.currency for slug, price_list in reference.all_price_lists().items()}
            if job.price_list is not None and job.price_list not in lists and self.state.profile is None:
                raise InvalidFile(
                    f"price list '{job.price_list}' does not exist; create it before importing its prices"
                )
            self.stored = replace(self.stored, state=self.state.model_copy(update={"lists": lists}))
        dry_run = job.mode is ImportMode.DRY_RUN
        guard = None
        if job.kind is ImportKind.PRICES and not self.state.force:
            guard = _Guard(self.settings.import_max_price_ratio)
        rejections = _Rejections.new()
        # replace needs the file's SKUs to know what it removes; a dry run of a one-list file shows the same
        syncs_a_list = job.kind is ImportKind.PRICES and job.price_list is not None
        replacing = job.mode is ImportMode.REPLACE
        skus = Fingerprints() if replacing or (dry_run and syncs_a_list) else None
        with _Plan.maybe(dry_run) as plan:
            total, would, rows_read = self._read_all(guard, plan, rejections, skus)
            stored_total = removable = 0
            if skus is not None:  # the plan lists removals only when they would happen: every row valid
                stored_total, removable = self._removals(skus, plan if not rejections.rows else None)
            plan_key = None
            if plan is not None:
                plan_key = report_key(job, "plan.csv")
                plan.upload(job.bucket, plan_key)
        reasons = []
        if guard is not None and guard.violations:
            reasons.append(
                f"{guard.violations:,} price(s) would move by more than ×{_short(guard.limit)} (a minor-units slip?)"
            )
        share = self.settings.import_max_remove_share
        # (with a rejected row a replace removes nothing, so only a clean file can remove too much)
        if (
            replacing
            and not self.state.force
            and not rejections.rows
            and stored_total
            and removable / stored_total > share
        ):
            reasons.append(
                f"replace would remove {removable:,} of the {stored_total:,} SKUs on '{job.price_list}' "
                f"({removable / stored_total:.0%}, more than the {share:.0%} allowed)"
            )
        self.counts = ImportCounts(rows_read=rows_read, rows_rejected=rejections.rows)
        if dry_run:  # what the import would do
            self.counts = self.counts.model_copy(
                update={
                    "rows_written": would.rows_written,
                    "rows_unchanged": would.rows_unchanged,
                    "rows_removed": 0 if rejections.rows else removable,
                }
            )
        self.pending.extend(rejections.kept)
        self.stored = replace(
            self.stored,
            state=self.state.model_copy(update={"records_total": total, "plan_report_key": plan_key}),
        )
        stop = "; ".join(reasons)
        if dry_run:
            self._finish(
                failure=f"the import would stop before writing: {stop}; check the file, or force it" if stop else None
            )
            return False
        if stop:
            _guardrail_stops.add_metric(name="ImportGuardrailStops", unit=MetricUnit.Count, value=1)
            self._finish(
                failure=f"stopped before writing anything: {stop}. Check the file, or import it again with force"
            )
            return False
        self._save(phase="write")
        return True

    def _read_all(
        self, guard: "_Guard | None", plan: "_Plan | None", rejections: _Rejections, skus: Fingerprints | None
    ) -> tuple[int, ImportCounts, int]:
        """The validation pass over the file: (valid records, what they would do, rows read)."""
        compare = plan is not None or guard is not None
        would = ImportCounts()
        total = 0
        batch: list[Entry] = []
        with self._open() as source:
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
                    if len(batch) >= self.settings.import_chunk_records:
                        would = self._compare(batch, source, guard, plan, rejections, would)
                        batch = []
                self._progress(source)
            if batch:
                would = self._compare(batch, source, guard, plan, rejections, would)
            return total, would, source.rows_read

    def _compare(
        self,
        batch: list[Entry],
        source: "_File",
        guard: _Guard | None,
        plan: _Plan | None,
        rejections: _Rejections,
        would: ImportCounts,
    ) -> ImportCounts:
        """Sort a batch into would-create / would-change / unchanged against what is stored; guard its prices."""
        written = unchanged = 0
        if self.job.kind is ImportKind.PRICES:
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
            collection = _COLLECTIONS[self.job.kind]
            stored_records = {
                _collection_key(record): record
                for record in reference.get_many(
                    collection, [_collection_key(e.record) for e in batch if isinstance(e.record, BaseModel)]
                )
            }
            for entry in batch:
                assert isinstance(entry.record, BaseModel)
                before = stored_records.get(_collection_key(entry.record))
                after = entry.record
                if self.job.kind in PARTIAL_KINDS:
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

    def _removals(self, file_skus: Fingerprints, plan: _Plan | None) -> tuple[int, int]:
        """(SKUs stored on the replaced list, those the file does not name); the plan lists the latter."""
        slug = self.job.price_list
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

    def _write(self) -> bool:
        """Write the records after the checkpoint; False when the budget ran out first (the next invocation goes on)."""
        skus = Fingerprints() if self.job.mode is ImportMode.REPLACE else None
        index = 0
        chunk: list[Entry] = []
        size = self.settings.import_chunk_records
        with self._open() as source:
            if source.profiled is not None:
                self._create_lists(source.profiled)
            for item in source:
                if isinstance(item, Rejection):
                    continue  # reported by the validation pass
                if skus is not None:
                    assert isinstance(item.record, PriceRecord)
                    skus.add(hash(item.record.sku))
                index += 1
                if index <= self.records_done:
                    continue
                chunk.append(item)
                if len(chunk) >= size:
                    self._apply(chunk, source)
                    chunk = []
                    self.records_done = index
                    self.bytes_read = source.counted.read
                    if self.budget.exhausted() and index < (self.state.records_total or 0):
                        return False
                    self._checkpoint()
            if chunk:
                self._apply(chunk, source)
                self.records_done = index
            if source.profiled is not None and source.profiled.rules:
                self._write_rules(source.profiled)
        self.file_skus = skus
        if skus is not None and self.counts.rows_rejected == 0:
            self._save(phase="remove")
        else:
            self._save()
        return True

    def _create_lists(self, reader: ProfileReader) -> None:
        """The lists an ERP's file needs that do not exist yet, as the integrations API creates them (created again
        by a resumed pass only if still missing)."""
        stored = reference.all_price_lists()
        for slug, (spec, currency) in reader.to_create.items():
            if slug in stored:
                continue
            document: dict[str, Any] = {"slug": slug, "name": spec.name, "currency": currency}
            document["tax_inclusive"] = spec.tax_inclusive
            try:
                catalog.put_price_list(PriceList.model_validate(document))
            except ValidationError as error:
                raise InvalidFile(f"price list '{slug}' the file needs cannot be created: {error}") from None
            logger.info("price list created for the file", extra={"price_list": slug})

    def _write_rules(self, reader: ProfileReader) -> None:
        """The product rules an ERP's file sets (Unleashed's Minimum Sale Quantity), after its prices: each merged
        into the stored rule (only the fields the system owns change), then written as the API writes rules. Run
        again by a resumed pass, it writes nothing new (unchanged rules are left alone)."""
        found = reader.rules
        stored = reference.get_product_rules(list(found))
        batch: list[tuple[int, ProductRule]] = []
        origins: list[tuple[RowRule, int]] = []
        rejections = _Rejections.new()
        for key, (rule, line) in found.items():
            owned = {name: rule.document.get(name) for name in rule.owns}
            current = stored.get(key)
            if current is None and all(value is None for value in owned.values()):
                continue  # nothing to set and nothing stored to clear
            base = current.model_dump(exclude={"updated_at", "source_version"}, exclude_none=True) if current else {}
            merged = {name: value for name, value in {**base, **rule.document, **owned}.items() if value is not None}
            try:
                batch.append((len(batch), ProductRule.model_validate(merged)))
            except ValidationError as error:
                for described in describe(error):
                    rejections.add(Rejection(line, rule.column, str(described.get("value", "")), described["reason"]))
                continue
            origins.append((rule, line))
        if batch:
            for (rule, line), result in zip(origins, customers.put_rules(batch), strict=True):
                for problem in result.errors if result.status == "error" else []:
                    rejections.add(Rejection(line, rule.column, str(problem.get("value", "")), problem["reason"]))
        self.pending.extend(rejections.kept)
        self._count(rejected=rejections.rows)

    def _remove(self) -> bool:
        """replace: remove the list's SKUs the file does not name. False when the budget ran out first."""
        slug = self.job.price_list
        assert slug is not None
        if self.file_skus is None:  # this invocation starts in the remove phase: learn the file's SKUs again
            skus = Fingerprints()
            with self._open() as source:
                for item in source:
                    if isinstance(item, Entry):
                        assert isinstance(item.record, PriceRecord)
                        skus.add(hash(item.record.sku))
            self.file_skus = skus
        if self.state.removing:  # a chunk an invocation that died may have deleted: deleting again is harmless
            in_flight = list(self.state.removing)
            self._delete(slug, in_flight)
            self._count(removed=len(in_flight))
            self._save(removing=[])
        chunk: list[str] = []
        size = self.settings.import_chunk_records
        for sku in price_store.skus_of(slug):
            if hash(sku) in self.file_skus:
                continue
            chunk.append(sku)
            if len(chunk) >= size:
                self._remove_chunk(slug, chunk)
                chunk = []
                if self.budget.exhausted():
                    return False
        if chunk:
            self._remove_chunk(slug, chunk)
        return True

    def _remove_chunk(self, slug: str, skus: list[str]) -> None:
        self._save(removing=skus)
        self._delete(slug, skus)
        self._count(removed=len(skus))
        self._save(removing=[])

    def _delete(self, slug: str, skus: list[str]) -> None:
        try:
            catalog.put_prices(slug, [PriceWrite(index, sku, None) for index, sku in enumerate(skus)])
        except NotFound:
            raise InvalidFile(f"price list '{slug}' was deleted during the import") from None

    # -- writing -----------------------------------------------------------------------------------------------

    def _apply(self, chunk: list[Entry], source: "_File") -> None:
        """One chunk through the write path; counts and rejections from its per-record results."""
        results = self._write_chunk(chunk)
        written = unchanged = 0
        maybe_ours: list[Entry] = []
        rejections = _Rejections.new()
        for entry, result in zip(chunk, results, strict=True):
            if result.status in {"created", "updated", "deleted"}:
                written += len(entry.lines)
            elif result.status == "error":
                rejections.add_record(entry, source.column, result.errors)
            elif self.crashed:
                maybe_ours.append(entry)
            else:
                unchanged += len(entry.lines)
        if maybe_ours:
            ours = self._written_since_start(maybe_ours)
            for entry in maybe_ours:
                if entry.key in ours:
                    written += len(entry.lines)
                else:
                    unchanged += len(entry.lines)
        self.pending.extend(rejections.kept)
        self._count(written=written, unchanged=unchanged, rejected=rejections.rows)

    def _write_chunk(self, chunk: list[Entry]) -> list[RecordResult]:
        kind = self.job.kind
        if kind is ImportKind.PRICES:
            return self._write_prices(chunk)
        records = [(index, entry.record) for index, entry in enumerate(chunk)]
        if kind is ImportKind.CUSTOMERS:
            return customers.put_customers([(i, r) for i, r in records if isinstance(r, Customer)], partial=True)
        if kind is ImportKind.PRODUCT_RULES:
            return customers.put_rules([(i, r) for i, r in records if isinstance(r, ProductRule)], partial=True)
        results = []
        for index, record in records:  # lists and groups are written one by one, as the API's PUTs write them
            assert isinstance(record, PriceList | CustomerGroup)
            key = _record_key(record)
            outcome: str
            try:
                if isinstance(record, PriceList):
                    _, outcome = catalog.put_price_list(record)
                else:
                    _, outcome = customers.put_group(record)
            except StoreUnavailable:
                raise
            except InvalidInput as error:
                results.append(RecordResult(index, key, "error", error.errors))
                continue
            except TradepriceError as error:
                field = str(error.extensions.get("field", "record"))
                results.append(RecordResult(index, key, "error", [{"field": field, "reason": error.detail}]))
                continue
            results.append(RecordResult(index, key, cast(Status, outcome)))
        return results

    def _write_prices(self, chunk: list[Entry]) -> list[RecordResult]:
        by_list: dict[str, list[PriceWrite]] = {}
        for index, entry in enumerate(chunk):
            record = entry.record
            assert isinstance(record, PriceRecord)
            assert record.price_list is not None
            by_list.setdefault(record.price_list, []).append(PriceWrite(index, record.sku, record.to_price()))
        results: dict[int, RecordResult] = {}
        for slug, writes in by_list.items():
            try:
                written = catalog.put_prices(slug, writes)
            except NotFound as error:
                error_row = {"field": "price_list", "reason": error.detail, "value": slug}
                written = [RecordResult(write.index, write.sku, "error", [error_row]) for write in writes]
            for result in written:
                results[result.index] = result
        return [results[index] for index in range(len(chunk))]

    def _written_since_start(self, entries: list[Entry]) -> set[str]:
        """Which of these 'unchanged' records this job wrote itself (in an invocation that died before its
        checkpoint): their updated_at is after the job started."""
        started = self.job.started_at
        assert started is not None
        since = codec.timestamp_text(started)
        if self.job.kind is ImportKind.PRICES:
            keys = [(e.record.price_list or "", e.record.sku) for e in entries if isinstance(e.record, PriceRecord)]
            items = price_store.get_many(keys)
            return {f"{slug}/{sku}" for (slug, sku), item in items.items() if item["updated_at"]["S"] >= since}
        collection = _COLLECTIONS[self.job.kind]
        found = reference.get_many(
            collection, [_collection_key(e.record) for e in entries if isinstance(e.record, BaseModel)]
        )
        return {
            _record_key(record)
            for record in found
            if (moment := getattr(record, "updated_at", None)) is not None and moment >= started
        }

    # -- bookkeeping -------------------------------------------------------------------------------------------

    @contextmanager
    def _open(self) -> Iterator[_File]:
        stored = objects.open_object(self.job.bucket, self.job.key, self.job.version_id)
        try:
            counted = _Counted(stored.chunks)
            source = _File(self.job, self.state, counted, iter(counted))
            try:
                yield source
            finally:
                source.close()
                self.bytes_read = counted.read
        finally:
            stored.close()

    def _count(self, *, written: int = 0, unchanged: int = 0, rejected: int = 0, removed: int = 0) -> None:
        counts = self.counts
        self.counts = counts.model_copy(
            update={
                "rows_written": counts.rows_written + written,
                "rows_unchanged": counts.rows_unchanged + unchanged,
                "rows_rejected": counts.rows_rejected + rejected,
                "rows_removed": counts.rows_removed + removed,
            }
        )

    def _progress(self, source: _File) -> None:
        """The validation pass's progress (bytes read), saved now and then."""
        if time.monotonic() - self._last_save < self.settings.import_checkpoint_seconds:
            return
        self.bytes_read = source.counted.read
        self.counts = self.counts.model_copy(update={"rows_read": source.rows_read})
        self._save()

    def _checkpoint(self) -> None:
        if time.monotonic() - self._last_save >= self.settings.import_checkpoint_seconds:
            self._save()

    def _save(
        self,
        *,
        phase: jobs.Phase | None = None,
        removing: list[str] | None = None,
        handoff: bool = False,
        release: bool = False,
        **job_update: Any,
    ) -> None:
        """Record counts, progress and the checkpoint (and, first, the report rows they count); `release` frees the
        job for the next invocation."""
        if self.pending:
            self._merge_report(self.pending)
            self.pending = []
        state_update: dict[str, Any] = {"records_done": self.records_done, "handoff": handoff}
        if phase is not None:
            state_update["phase"] = phase
        if removing is not None:
            state_update["removing"] = removing
        job = self.job.model_copy(update={"counts": self.counts, "bytes_read": self.bytes_read, **job_update})
        stored = replace(self.stored, job=job, state=self.state.model_copy(update=state_update))
        if release:
            stored = replace(stored, lease_token=None, lease_until=None)
        self.stored = self._put(stored)
        self._last_save = time.monotonic()

    def _put(self, stored: StoredJob) -> StoredJob:
        try:
            return jobs.save(stored)
        except Conflict as error:
            raise JobTaken(error.detail) from error

    def _hand_off(self) -> ImportJob:
        """Stop cleanly: checkpoint, release the job, queue its continuation."""
        queue_url = self.settings.import_queue_url
        if not queue_url:
            raise RuntimeError("IMPORT_QUEUE_URL is not set: a file that outlasts an invocation cannot continue")
        self._save(handoff=True, release=True)
        jobs.send_continuation(queue_url, self.job.id)
        logger.info(
            "import continues in another invocation",
            extra={"records_done": self.records_done, "records_total": self.state.records_total},
        )
        return self.job

    def _finish(self, *, failure: str | None = None) -> ImportJob:
        counts = self.counts
        if failure is not None:
            status = ImportStatus.FAILED
        elif counts.rows_rejected and not (counts.rows_written or counts.rows_unchanged or counts.rows_removed):
            status, failure = ImportStatus.FAILED, "no row of the file could be imported; see the error report"
        elif counts.rows_rejected:
            status = ImportStatus.PARTIALLY_SUCCEEDED
            failure = f"{counts.rows_rejected:,} row(s) rejected; see the error report"
            if self.job.mode is ImportMode.REPLACE:
                failure += ". Nothing was removed: replace removes SKUs only when every row of the file is valid"
        else:
            status = ImportStatus.SUCCEEDED
        self._save(release=True, status=status, failure=failure, finished_at=utc_now())
        logger.info("import finished", extra={"status": status, "counts": self.counts.model_dump(), "failure": failure})
        return self.job

    def abandon(self, error: Exception, *, give_up: bool, attempt: int) -> None:
        """This invocation failed unexpectedly: free the job for the retry (or, out of retries, fail it)."""
        described = f"{type(error).__name__}: {error}"[:500]
        try:
            update: dict[str, Any] = {}
            if give_up:
                update = {
                    "status": ImportStatus.FAILED,
                    "failure": f"gave up after {attempt} attempt(s): {described}",
                    "finished_at": utc_now(),
                }
            self.stored = jobs.save(
                replace(
                    self.stored,
                    job=self.job.model_copy(update=update),
                    state=self.state.model_copy(update={"last_error": described, "handoff": False}),
                    lease_token=None,
                    lease_until=None,
                )
            )
        except Exception:
            logger.exception("could not release the import job after a failure", extra={"job_id": self.job.id})
        logger.error("import invocation failed", extra={"job_id": self.job.id, "error": described, "give_up": give_up})

    def _merge_report(self, rejections: list[Rejection]) -> None:
        """Add rows to the job's error report (made on first use): merged with what it lists, sorted by line, each
        row once (a chunk replayed after a crash reports the same rows again)."""
        if not rejections:
            return
        job = self.job
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
        ordered = sorted(rows, key=lambda row: row[0])[: self.settings.import_report_max_rows]
        with tempfile.TemporaryFile() as file:
            text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="", write_through=True)
            write_report((Rejection(*row) for row in ordered), text)
            text.flush()
            objects.put_file(job.bucket, key, file, "text/csv; charset=utf-8")
            text.detach()
        self.stored = replace(self.stored, job=job.model_copy(update={"error_report_key": key}))


def _read_report(bucket: str, key: str) -> Iterator[tuple[int, str, str, str]]:
    text = objects.read_text(bucket, key)
    if not text:
        return
    rows = csv.reader(io.StringIO(text, newline=""))
    next(rows, None)
    for row in rows:
        if len(row) == 4 and row[0].isdigit():
            yield int(row[0]), row[1], row[2], row[3]


def report_key(job: ImportJob, suffix: str) -> str:
    """Beside the file, under reports/: imports/prices/trade/p.csv → reports/prices/trade/p.csv.<job>.errors.csv."""
    return f"reports/{job.key.removeprefix('imports/')}.{job.id[:8]}.{suffix}"


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
