"""Phase 2, write: the file read again and its valid records written in chunks, resumable (see the package's
docstring)."""

from typing import Any, cast

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ValidationError

from tradeprice.data import codec, reference
from tradeprice.data import prices as price_store
from tradeprice.domain.models import Customer, CustomerGroup, ImportKind, ImportMode, PriceList, ProductRule
from tradeprice.errors import InvalidFile, InvalidInput, NotFound, StoreUnavailable, TradepriceError
from tradeprice.files import PriceRecord, Rejection
from tradeprice.files.seen import SeenKeys
from tradeprice.integrations.base import RowRule
from tradeprice.logic import catalog, customers
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.import_profile import ProfileReader
from tradeprice.logic.import_run.job import Run
from tradeprice.logic.import_run.report import Rejections
from tradeprice.logic.import_run.source import COLLECTIONS, Entry, Source, collection_key, record_key
from tradeprice.logic.records import RecordResult, Status, describe

logger = Logger(child=True)


def write(run: Run) -> bool:
    """Write the records after the checkpoint; False when the budget ran out first (the next invocation goes on)."""
    skus = SeenKeys() if run.job.mode is ImportMode.REPLACE else None
    index = 0
    chunk: list[Entry] = []
    size = run.settings.import_chunk_records
    with run.open() as source:
        if source.profiled is not None:
            _create_lists(source.profiled)
        for item in source:
            if isinstance(item, Rejection):
                continue  # reported by the validation pass
            if skus is not None:
                assert isinstance(item.record, PriceRecord)
                skus.add(hash(item.record.sku))
            index += 1
            if index <= run.records_done:
                continue
            chunk.append(item)
            if len(chunk) >= size:
                _apply(run, chunk, source)
                chunk = []
                run.records_done = index
                run.bytes_read = source.counted.read
                if run.budget.exhausted() and index < (run.state.records_total or 0):
                    return False
                run.checkpoint()
        if chunk:
            _apply(run, chunk, source)
            run.records_done = index
        if source.profiled is not None and source.profiled.rules:
            _write_rules(run, source.profiled)
    run.file_skus = skus
    if skus is not None and run.counts.rows_rejected == 0:
        run.save(phase="remove")
    else:
        run.save()
    return True


def _create_lists(reader: ProfileReader) -> None:
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


def _write_rules(run: Run, reader: ProfileReader) -> None:
    """The product rules an ERP's file sets (Unleashed's Minimum Sale Quantity), after its prices: each merged
    into the stored rule (only the fields the system owns change), then written as the API writes rules. Run
    again by a resumed pass, it writes nothing new (unchanged rules are left alone)."""
    found = reader.rules
    stored = reference.get_product_rules(list(found))
    batch: list[tuple[int, ProductRule]] = []
    origins: list[tuple[RowRule, int]] = []
    rejections = Rejections.new()
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
    run.pending.extend(rejections.kept)
    run.count(rejected=rejections.rows)


def _apply(run: Run, chunk: list[Entry], source: Source) -> None:
    """One chunk through the write path; counts and rejections from its per-record results."""
    results = _write_chunk(run, chunk)
    written = unchanged = 0
    maybe_ours: list[Entry] = []
    rejections = Rejections.new()
    for entry, result in zip(chunk, results, strict=True):
        if result.status in {"created", "updated", "deleted"}:
            written += len(entry.lines)
        elif result.status == "error":
            rejections.add_record(entry, source.column, result.errors)
        elif run.crashed:
            maybe_ours.append(entry)
        else:
            unchanged += len(entry.lines)
    if maybe_ours:
        ours = _written_since_start(run, maybe_ours)
        for entry in maybe_ours:
            if entry.key in ours:
                written += len(entry.lines)
            else:
                unchanged += len(entry.lines)
    run.pending.extend(rejections.kept)
    run.count(written=written, unchanged=unchanged, rejected=rejections.rows)


def _write_chunk(run: Run, chunk: list[Entry]) -> list[RecordResult]:
    kind = run.job.kind
    if kind is ImportKind.PRICES:
        return _write_prices(chunk)
    records = [(index, entry.record) for index, entry in enumerate(chunk)]
    if kind is ImportKind.CUSTOMERS:
        return customers.put_customers([(i, r) for i, r in records if isinstance(r, Customer)], partial=True)
    if kind is ImportKind.PRODUCT_RULES:
        return customers.put_rules([(i, r) for i, r in records if isinstance(r, ProductRule)], partial=True)
    results = []
    for index, record in records:  # lists and groups are written one by one, as the API's PUTs write them
        assert isinstance(record, PriceList | CustomerGroup)
        key = record_key(record)
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


def _write_prices(chunk: list[Entry]) -> list[RecordResult]:
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


def _written_since_start(run: Run, entries: list[Entry]) -> set[str]:
    """Which of these 'unchanged' records this job wrote itself (in an invocation that died before its
    checkpoint): their updated_at is after the job started."""
    started = run.job.started_at
    assert started is not None
    since = codec.timestamp_text(started)
    if run.job.kind is ImportKind.PRICES:
        keys = [(e.record.price_list or "", e.record.sku) for e in entries if isinstance(e.record, PriceRecord)]
        items = price_store.get_many(keys)
        return {f"{slug}/{sku}" for (slug, sku), item in items.items() if item["updated_at"]["S"] >= since}
    collection = COLLECTIONS[run.job.kind]
    found = reference.get_many(
        collection, [collection_key(e.record) for e in entries if isinstance(e.record, BaseModel)]
    )
    return {
        record_key(record)
        for record in found
        if (moment := getattr(record, "updated_at", None)) is not None and moment >= started
    }
