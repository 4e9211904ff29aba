"""File imports (PRODUCT.md §5): a file dropped under imports/<kind>/… becomes records via the shared write path."""

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from tradeprice.data import jobs, objects
from tradeprice.domain.models import ImportCounts, ImportJob, ImportKind, ImportMode, ImportStatus, Price
from tradeprice.domain.types import utc_now
from tradeprice.errors import InvalidFile, TradepriceError
from tradeprice.logic import catalog
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.records import describe

logger = Logger(child=True)

WRITE_CHUNK = 1000
"""SKUs handed to the write path at a time (its batch limit)."""

_TERMINAL = {ImportStatus.SUCCEEDED, ImportStatus.PARTIALLY_SUCCEEDED, ImportStatus.FAILED}

_ALIASES: dict[str, set[str]] = {
    "sku": {"sku", "productcode", "code", "itemcode", "itemnumber", "item", "product", "partnumber"},
    "price": {"price", "unitprice", "sellprice", "priceeach", "amount"},
    "qty": {"qty", "minqty", "minimumquantity", "minquantity", "quantity", "breakqty", "fromqty", "minorderqty"},
    "price_list": {"pricelist", "list", "pricelistslug"},
}
_CANONICAL = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}


def normalise_header(header: str) -> str:
    """Case-, space- and punctuation-insensitive: `Min. Qty`, `min_qty` and `MIN QTY` are one column."""
    key = re.sub(r"[^a-z0-9]", "", header.lower())
    return _CANONICAL.get(key, key)


def job_id_for(bucket: str, key: str, version_id: str | None) -> str:
    """One job per object version: a duplicate S3 event for the same version maps to the same job."""
    return hashlib.sha256(f"{bucket}\n{key}\n{version_id or ''}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Target:
    kind: ImportKind
    price_list: str | None


def parse_key(key: str) -> Target:
    """imports/<kind>/[<price list>/]<file>; a list folder applies only to prices."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "imports":
        raise InvalidFile(f"'{key}' is not under imports/<kind>/")
    try:
        kind = ImportKind(parts[1])
    except ValueError:
        raise InvalidFile(
            f"unknown import kind '{parts[1]}'; use one of {', '.join(k.value for k in ImportKind)}"
        ) from None
    price_list = parts[2] if kind is ImportKind.PRICES and len(parts) >= 4 else None
    return Target(kind, price_list)


@dataclass(slots=True)
class Rejection:
    line: int
    column: str
    value: str
    reason: str


@dataclass(slots=True)
class PricesParse:
    """Ladders gathered per (list, SKU) from a long-layout file, with the rows that could not be used."""

    ladders: dict[tuple[str, str], dict[int, tuple[int, Decimal]]] = field(default_factory=dict)
    """(list, sku) → min_qty → (line, price)"""
    rejected: list[Rejection] = field(default_factory=list)
    rows_read: int = 0


def import_object(bucket: str, key: str, version_id: str | None, *, started_by: str = "s3") -> ImportJob:
    """Import one object version once. A file's own faults fail the job (reported); AWS faults raise to retry."""
    now = utc_now()
    try:
        target = parse_key(key)
    except InvalidFile as error:
        job = ImportJob(
            id=job_id_for(bucket, key, version_id),
            bucket=bucket,
            key=key,
            version_id=version_id,
            kind=ImportKind.PRICES,
            status=ImportStatus.FAILED,
            failure=error.detail,
            created_at=now,
            finished_at=now,
            started_by=started_by,
        )
        jobs.create(job)
        return job
    # The notification may omit the version (moto does; an unversioned bucket would): the object read names it.
    stored = objects.open_object(bucket, key, version_id)
    job = ImportJob(
        id=job_id_for(bucket, key, stored.version_id),
        bucket=bucket,
        key=key,
        version_id=stored.version_id,
        kind=target.kind,
        price_list=target.price_list,
        status=ImportStatus.RUNNING,
        created_at=now,
        started_at=now,
        started_by=started_by,
        mode=ImportMode.UPSERT,
        bytes_total=stored.size,
    )
    if not jobs.create(job):
        existing = jobs.get(job.id)
        if existing is not None and existing.status in _TERMINAL:
            stored.close()
            logger.info("duplicate delivery skipped", extra={"job_id": job.id, "status": existing.status})
            return existing
    logger.append_keys(job_id=job.id)
    try:
        job = _run(job, target, stored)
    except TradepriceError as error:
        job = job.model_copy(update={"status": ImportStatus.FAILED, "failure": error.detail, "finished_at": utc_now()})
    finally:
        stored.close()
    jobs.save(job)
    logger.info("import finished", extra={"status": job.status, "counts": job.counts.model_dump()})
    logger.remove_keys(["job_id"])
    return job


def _run(job: ImportJob, target: Target, stored: objects.StoredObject) -> ImportJob:
    if target.kind is not ImportKind.PRICES:
        raise InvalidFile(f"imports of {target.kind.value} are not supported yet")
    parsed = parse_prices(csv_rows(stored.chunks), default_list=target.price_list)
    rejected = list(parsed.rejected)
    writes_by_list: dict[str, list[tuple[PriceWrite, list[int]]]] = {}
    for (price_list, sku), ladder in parsed.ladders.items():
        lines = sorted(line for line, _ in ladder.values())
        raw = {
            "price_list": price_list,
            "sku": sku,
            "tiers": [{"min_qty": q, "price": p} for q, (_, p) in sorted(ladder.items())],
        }
        try:
            price = Price.model_validate(raw)
        except ValidationError as error:
            rejected.extend(Rejection(lines[0], e["field"], sku, e["reason"]) for e in describe(error))
            continue
        writes_by_list.setdefault(price_list, []).append((PriceWrite(len(lines), sku, price), lines))

    written = unchanged = 0
    for price_list, entries in writes_by_list.items():
        try:
            catalog.get_price_list(price_list)
        except TradepriceError as error:
            rejected.extend(Rejection(lines[0], "price_list", price_list, error.detail) for _, lines in entries)
            continue
        for start in range(0, len(entries), WRITE_CHUNK):
            chunk = entries[start : start + WRITE_CHUNK]
            writes = [PriceWrite(index, write.sku, write.price) for index, (write, _) in enumerate(chunk)]
            for result, (_, lines) in zip(catalog.put_prices(price_list, writes), chunk, strict=True):
                if result.status in {"created", "updated"}:
                    written += len(lines)
                elif result.status == "error":
                    rejected.extend(
                        Rejection(lines[0], e["field"], result.key or "", e["reason"]) for e in result.errors
                    )
                else:
                    unchanged += len(lines)

    report_key = _write_report(job, rejected) if rejected else None
    rejected_rows = len({rejection.line for rejection in rejected})
    status = ImportStatus.SUCCEEDED
    if rejected_rows:
        status = ImportStatus.PARTIALLY_SUCCEEDED if written or unchanged else ImportStatus.FAILED
    return job.model_copy(
        update={
            "status": status,
            "counts": ImportCounts(
                rows_read=parsed.rows_read, rows_written=written, rows_unchanged=unchanged, rows_rejected=rejected_rows
            ),
            "bytes_read": job.bytes_total or 0,
            "error_report_key": report_key,
            "finished_at": utc_now(),
        }
    )


def csv_rows(chunks: Iterable[bytes]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a streamed CSV with a header row; keys normalised to canonical names."""
    text = codecs.iterdecode(chunks, "utf-8-sig")
    reader = csv.reader(_lines(text))
    header = next(reader, None)
    if header is None:
        raise InvalidFile("the file is empty")
    names = [normalise_header(column) for column in header]
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        yield reader.line_num, dict(zip(names, (cell.strip() for cell in row), strict=False))


def _lines(text: Iterable[str]) -> Iterator[str]:
    pending = ""
    for piece in text:
        pending += piece
        lines = pending.splitlines(keepends=True)
        pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    if pending:
        yield pending


def parse_prices(rows: Iterable[tuple[int, dict[str, str]]], default_list: str | None) -> PricesParse:
    """Long layout: one row per tier (`sku,price,qty`, qty defaulting to 1)."""
    parsed = PricesParse()
    for line, row in rows:
        parsed.rows_read += 1
        sku = row.get("sku", "")
        price_list = row.get("price_list") or default_list
        if not sku:
            parsed.rejected.append(Rejection(line, "sku", "", "sku is required"))
            continue
        if not price_list:
            parsed.rejected.append(
                Rejection(line, "price_list", "", "no price list: use imports/prices/<list>/ or a price_list column")
            )
            continue
        raw_price = row.get("price", "")
        try:
            price = Decimal(raw_price)
        except InvalidOperation:
            parsed.rejected.append(Rejection(line, "price", raw_price, "not a number"))
            continue
        if not price.is_finite() or price < 0:
            parsed.rejected.append(Rejection(line, "price", raw_price, "must be a number ≥ 0"))
            continue
        raw_qty = row.get("qty") or "1"
        if not raw_qty.isdigit() or int(raw_qty) < 1:
            parsed.rejected.append(Rejection(line, "qty", raw_qty, "must be a whole number ≥ 1"))
            continue
        ladder = parsed.ladders.setdefault((price_list, sku), {})
        if int(raw_qty) in ladder:
            parsed.rejected.append(
                Rejection(line, "qty", raw_qty, f"repeats the tier at line {ladder[int(raw_qty)][0]} for {sku}")
            )
            continue
        ladder[int(raw_qty)] = (line, price)
    return parsed


def excel_safe(cell: str) -> str:
    """A leading = + - @ tab or CR would run as a formula in Excel; a quote makes it text."""
    return "'" + cell if cell[:1] in {"=", "+", "-", "@", "\t", "\r"} else cell


def _write_report(job: ImportJob, rejected: list[Rejection]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["line", "column", "value", "reason"])
    for rejection in sorted(rejected, key=lambda r: r.line):
        writer.writerow(
            [rejection.line, excel_safe(rejection.column), excel_safe(rejection.value), excel_safe(rejection.reason)]
        )
    key = f"reports/{job.id}.csv"
    objects.put_text(job.bucket, key, buffer.getvalue(), "text/csv")
    return key
