"""Reading the job's file: one pass over its object version, as Entries (records to write) and Rejections."""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from pydantic import BaseModel, ValidationError

from tradeprice.data.jobs import JobState
from tradeprice.data.reference import CUSTOMERS, GROUPS, PRICE_LISTS, RULES, Collection
from tradeprice.domain.models import (
    Customer,
    CustomerGroup,
    ImportJob,
    ImportKind,
    ImportMode,
    PriceList,
    ProductRule,
    from_partial,
)
from tradeprice.errors import InvalidFile
from tradeprice.files import (
    MODELS,
    PriceReader,
    PriceRecord,
    RecordReader,
    Rejection,
    detect_format,
    open_table,
    read_prices,
    read_records,
)
from tradeprice.files.records import PARTIAL_KINDS
from tradeprice.logic.import_profile import AdapterOptions, ProfileReader
from tradeprice.logic.records import describe


@dataclass(frozen=True, slots=True)
class Entry:
    """A record of the file that the reader and the model accepted: what the write path gets."""

    lines: tuple[int, ...]
    key: str
    """How the plan and the log name it: `<list>/<sku>`, a customer id, `<group>/<sku>` …"""
    record: PriceRecord | BaseModel


class Counted:
    """Chunks of a byte stream, counted as they pass (the job's progress)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self.read += len(chunk)
            yield chunk


class Source:
    """One pass over the job's object version: Entries and Rejections, in the file's order."""

    def __init__(self, job: ImportJob, state: JobState, counted: Counted, chunks: Iterator[bytes]) -> None:
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
            yield Entry((item.line,), record_key(record), record)


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


def record_key(record: BaseModel) -> str:
    if isinstance(record, ProductRule):
        return f"{record.group}/{record.sku}"
    if isinstance(record, Customer):
        return record.id
    if isinstance(record, PriceList | CustomerGroup):
        return record.slug
    raise TypeError(type(record).__name__)


COLLECTIONS: dict[ImportKind, Collection[Any]] = {
    ImportKind.PRICE_LISTS: PRICE_LISTS,
    ImportKind.CUSTOMER_GROUPS: GROUPS,
    ImportKind.CUSTOMERS: CUSTOMERS,
    ImportKind.PRODUCT_RULES: RULES,
}


def collection_key(record: BaseModel) -> tuple[str, ...]:
    if isinstance(record, ProductRule):
        return (record.sku, record.group)
    return (record_key(record),)
