"""What every adapter shares: the mapped-batch shape, exact value parsing, slugs, and ladder building.

Adapters are pure: a native payload (already parsed with `parse_float=Decimal`) in, a `Mapped` out. Nothing here
touches AWS; `tradeprice.logic.integrations.apply` writes a `Mapped` through the catalogue and customer write path.
"""

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.models import BASE_GROUP, Customer, CustomerGroup, Price, PriceList, ProductRule
from tradeprice.domain.types import utc_now
from tradeprice.errors import InvalidInput

FieldError = dict[str, Any]
"""`{"field": <native field path>, "reason": ..., "value"?: ...}`"""

WriteKind = Literal["group", "customer", "rule", "price"]

MAX_NATIVE_RECORDS = 1000
"""Native records per request, like every other batch."""


class NativeValueError(ValueError):
    """A native value that cannot be carried exactly; `reason` says why in the caller's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PayloadError(InvalidInput):
    """The payload as a whole is not the shape the resource takes (no records envelope, not JSON objects)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, [{"field": "body", "reason": detail}])


# -- options -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    """What the native payload does not say and the caller does (query parameters, or a file's manifest)."""

    currency: str | None = None
    """The system's base/default currency: for lists the payload names no currency for (tier slots, Katana
    lists, Business Central's blank local currency)."""
    currencies: tuple[str, ...] = ()
    """NetSuite price levels: the currencies to make a list for, per level."""
    currency_map: Mapping[str, str] = field(default_factory=dict)
    """NetSuite currency references (internal id or name) → ISO 4217 code, e.g. {"1": "GBP", "Euro": "EUR"}."""
    price_list: str | None = None
    """Linnworks: the list for prices that carry no Tag (and no Source)."""
    tier_names: Mapping[str, str] = field(default_factory=dict)
    """Unleashed "Import Products" files: tier column header → the tenant's tier name, e.g.
    {"Sell Price Tier 1": "Trade"}, so file and API name the same lists."""
    now: datetime = field(default_factory=utc_now)
    """The time of the sync (Katana's inactive lists close at their `updated_at`, else now)."""


# -- the mapped batch ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class ListSpec:
    """A price list some mapped record names: defined by the payload, or to be created when missing."""

    slug: str
    name: str
    currency: str | None = None
    """Known from the native data; None: the request's default currency (`Options.currency`)."""
    tax_inclusive: bool = False
    rules: dict[str, Any] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    source_version: Any = None
    define: bool = False
    """The payload defines the list (Brightpearl, Katana, NetSuite levels): it is written, replacing the stored
    definition. Otherwise the list is created only when it does not exist yet, and an existing one is untouched."""
    when_missing: Literal["create", "skip", "error"] = "create"
    """What a missing list does to the writes that need it: `create` it (with its currency, else the request's
    default), `skip` those writes with a warning, or make them an `error` of their records."""
    named_by: str = ""
    """The native field that names the list, for error messages."""
    origins: set[int] = field(default_factory=set)


@dataclass(slots=True)
class Write:
    """One canonical record to write, and the native records it came from."""

    kind: WriteKind
    document: dict[str, Any]
    origins: tuple[int, ...]
    lists: tuple[str, ...] = ()
    """Lists that must exist for this write (created first)."""
    owns: tuple[str, ...] = ()
    """Product rules: the fields this system sets; other fields of a stored rule are kept."""
    specific_list: str | None = None
    """Customers: their own list. When it exists the customer's `price_lists` become [it, *the group's lists];
    otherwise the customer inherits the group's lists."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Canonical field → native field, to name native fields in errors the write path reports."""


@dataclass(slots=True)
class NativeRecord:
    index: int
    key: str | None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    skipped: bool = False


@dataclass(slots=True)
class Mapped:
    """An adapter's answer for one payload: per native record its key, errors and warnings; the canonical writes."""

    system: str
    resource: str
    records: list[NativeRecord] = field(default_factory=list)
    lists: dict[str, ListSpec] = field(default_factory=dict)
    writes: list[Write] = field(default_factory=list)
    relink: dict[str, str] = field(default_factory=dict)
    """Customer id → a customer-specific list this batch writes prices to: the customer (if stored) is relinked."""
    notes: list[FieldError] = field(default_factory=list)
    """Warnings about the payload beside its records (a Katana link to a customer the payload does not hold)."""

    def record(self, index: int, key: Any) -> NativeRecord:
        record = NativeRecord(index, None if key is None else str(key))
        self.records.append(record)
        return record

    def error(self, index: int, native_field: str, reason: str, value: Any = None) -> None:
        entry: FieldError = {"field": native_field, "reason": reason}
        if value is not None and isinstance(value, str | int | bool | Decimal):
            entry["value"] = value
        self.records[index].errors.append(entry)

    def warn(self, index: int, native_field: str, reason: str) -> None:
        self.records[index].warnings.append({"field": native_field, "reason": reason})

    def skip(self, index: int, native_field: str, reason: str) -> None:
        self.warn(index, native_field, reason)
        self.records[index].skipped = True

    def failed(self, index: int) -> bool:
        return bool(self.records[index].errors)

    def note(self, native_field: str, reason: str) -> None:
        self.notes.append({"field": native_field, "reason": reason})

    def account(self) -> "Mapped":
        """Every native record ends as written, unchanged, skipped or refused, each with its reason: a record that
        neither failed, nor was skipped, nor gave a write or a list definition is skipped here with a warning,
        so no adapter can drop one without a word."""
        used = {origin for write in self.writes for origin in write.origins}
        used |= {origin for spec in self.lists.values() if spec.define for origin in spec.origins}
        for record in self.records:
            if not record.errors and not record.skipped and record.index not in used:
                self.skip(record.index, "record", "nothing in this record is carried by tradeprice")
        return self

    def need_list(self, spec: ListSpec, origin: int) -> str:
        """Register a list a record needs (the first spec of a slug wins; a defining spec beats a needing one)."""
        known = self.lists.get(spec.slug)
        if known is None or (spec.define and not known.define):
            if known is not None:
                spec.origins |= known.origins
            self.lists[spec.slug] = spec
            known = spec
        known.origins.add(origin)
        return spec.slug

    def add(self, write: Write) -> None:
        self.writes.append(write)

    def add_checked(
        self,
        kind: WriteKind,
        document: dict[str, Any],
        origins: Sequence[int],
        fields: Mapping[str, str],
        **extra: Any,
    ) -> bool:
        """Validate `document` as its domain model first; errors name native fields and go to every origin."""
        errors = check(kind, document, fields)
        if errors:
            for origin in origins:
                self.records[origin].errors.extend(errors)
            return False
        self.writes.append(Write(kind, document, tuple(origins), fields=fields, **extra))
        return True


_MODELS: dict[str, type[BaseModel]] = {
    "group": CustomerGroup,
    "customer": Customer,
    "rule": ProductRule,
    "price": Price,
    "price_list": PriceList,
}


def check(kind: str, document: Mapping[str, Any], fields: Mapping[str, str]) -> list[FieldError]:
    """The domain model's verdict on a canonical document, with native field names (empty when valid)."""
    if kind == "price" and not document.get("tiers"):
        return []  # a removal: nothing to validate beyond the SKU, which the adapter read itself
    try:
        _MODELS[kind].model_validate(document)
    except ValidationError as error:
        return native_errors(error, fields)
    return []


def native_errors(error: ValidationError, fields: Mapping[str, str]) -> list[FieldError]:
    described: list[FieldError] = []
    for entry in error.errors(include_url=False, include_context=False):
        path = ".".join(str(part) for part in entry["loc"])
        described_field = native_field(path, fields)
        item: FieldError = {"field": described_field, "reason": entry["msg"]}
        if isinstance(entry.get("input"), str | int) and not isinstance(entry.get("input"), bool):
            item["value"] = entry["input"]
        described.append(item)
    return described


def native_field(path: str, fields: Mapping[str, str]) -> str:
    """The native name of a canonical field path: the longest mapped prefix, else the canonical path."""
    parts = path.split(".") if path else []
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in fields:
            return fields[prefix]
    return fields.get("", path or "record")


# -- the payload envelope -----------------------------------------------------------------------------------------


def records_of(payload: Any, envelopes: Sequence[str]) -> list[Any]:
    """The native records of a payload: a bare JSON array, or an object carrying them under one of `envelopes`
    (Unleashed `Items`, Cin7 `Products`, Business Central `value` …); paging fields beside them are ignored."""
    if isinstance(payload, list):
        found = payload
    elif isinstance(payload, dict):
        present = [name for name in envelopes if name in payload]
        if not present:
            raise PayloadError(f"expected a JSON array, or an object with {' or '.join(map(repr, envelopes))}")
        found = payload[present[0]]
        if not isinstance(found, list):
            raise PayloadError(f"'{present[0]}' must be a JSON array")
    else:
        raise PayloadError("expected a JSON array or object")
    if len(found) > MAX_NATIVE_RECORDS:
        raise PayloadError(f"{len(found):,} records; send at most {MAX_NATIVE_RECORDS:,} per request")
    return found


def side_list(payload: Any, name: str) -> list[Any]:
    """A lookup list sent beside the records (Katana `variants`, Linnworks `StockItems`); empty when absent."""
    if not isinstance(payload, dict) or payload.get(name) is None:
        return []
    found = payload[name]
    if not isinstance(found, list):
        raise PayloadError(f"'{name}' must be a JSON array")
    return found


# -- values --------------------------------------------------------------------------------------------------------


def dig(record: Mapping[str, Any], path: str) -> Any:
    """`dig(row, "Product.ProductCode")`: None when any step is missing or not an object."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def decimal(value: Any) -> Decimal:
    """An exact number from a JSON number (int or Decimal) or a numeric string; never through a float."""
    if isinstance(value, bool):
        raise NativeValueError("is a boolean, not a number")
    if isinstance(value, float):
        raise NativeValueError("arrived as a binary float; parse the JSON with exact decimals")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise NativeValueError("not a number") from None
    else:
        raise NativeValueError("not a number")
    if not number.is_finite():
        raise NativeValueError("not a finite number")
    return number


def money(value: Any) -> Decimal:
    """A price exactly as sent (`"0.4200"` stays 0.4200): non-negative, at most 6 decimals, 12 whole digits."""
    number = decimal(value)
    if number < 0:
        raise NativeValueError("must not be negative")
    if _exponent(number) < -6:
        number = number.normalize()  # trailing zeros beyond 6 places carry nothing: 1.50000000 is 1.5
        if _exponent(number) < -6:
            raise NativeValueError("has more than 6 decimal places")
    if number >= Decimal(10) ** 12:
        raise NativeValueError("is too large (at most 12 digits before the decimal point)")
    return number


def _exponent(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def whole(value: Any, *, zero_is: int | None = None) -> int:
    """A whole quantity: `50`, `50.0`, `"50.0000"` (ERPs send decimals); 0 becomes `zero_is` when given."""
    number = decimal(value)
    if number != number.to_integral_value():
        raise NativeValueError("must be a whole quantity")
    quantity = int(number)
    if quantity == 0 and zero_is is not None:
        return zero_is
    if quantity < 1:
        raise NativeValueError("must be a whole quantity ≥ 1")
    if quantity > 10**9:
        raise NativeValueError("must be at most 1,000,000,000")
    return quantity


def percent(value: Any) -> Decimal:
    """A percentage written as a number or `"-10.0%"`."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    return decimal(value)


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise NativeValueError("must be text")


def flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "1"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "0", ""}:
        return False
    raise NativeValueError("must be true or false")


def currency_code(value: Any) -> str:
    code = text(value)
    if code is None or code.upper() not in MINOR_UNITS:
        raise NativeValueError("is not an ISO 4217 currency code")
    return code.upper()


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def moment(value: Any, *, end_of_day: bool = False) -> datetime | None:
    """An instant from ISO 8601 (offset or `Z`; naive means UTC), a bare date, Unleashed's `/Date(ms)/`, or a
    `DD/MM/YYYY` file date. Business Central's `0001-01-01` means "no date" and gives None.

    `end_of_day`: a bare date closes a window *through* that day, so the exclusive end is the next midnight.
    """
    if blank(value):
        return None
    if not isinstance(value, str):
        raise NativeValueError("must be a date or time")
    raw = value.strip()
    found = _MS_DATE.match(raw)
    if found is not None:
        instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(found.group(1)))
        # Unleashed sends dates as midnight instants: a midnight end date is a whole day, through its end.
        at_midnight = instant.hour == instant.minute == instant.second == instant.microsecond == 0
        return instant + timedelta(days=1) if end_of_day and at_midnight else instant
    day: date | None = None
    found = _DMY.match(raw)
    if found is not None:
        try:
            day = date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        except ValueError:
            raise NativeValueError("is not a date (DD/MM/YYYY)") from None
    elif len(raw) == 10:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise NativeValueError("is not a date (YYYY-MM-DD)") from None
    if day is not None:
        if day.year == 1:
            return None
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise NativeValueError("is not an ISO 8601 date or time") from None
    if parsed.year == 1:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# -- slugs ---------------------------------------------------------------------------------------------------------

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 64


def _fold(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def slug(prefix: str, name: str, *suffix: str, exact: bool = False) -> str:
    """`slug("unleashed-tier", "Sell Price Tier 3")` → `unleashed-tier-sell-price-tier-3`.

    Deterministic: lower-cased, accents folded, every run of other characters becomes `-`. `exact` (for ids,
    where two values may fold alike, e.g. `C 1` and `C-1`) appends 8 hex digits of the name's SHA-256 whenever
    folding lost more than letter case. Too long a slug keeps its head and gets the digest too.
    """
    folded = _fold(name)
    tail = "".join(f"-{_fold(part)}" for part in suffix if part)
    lossy = not folded or (exact and folded != name.lower())
    head = f"{prefix}-{folded}" if folded else prefix
    if lossy or len(head) + len(tail) > _SLUG_MAX:
        room = _SLUG_MAX - len(tail) - 9
        head = f"{head[:room].rstrip('-')}-{_digest(name)}"
    return head + tail


# -- ladders -------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Step:
    quantity: int
    price: Decimal
    origin: int
    native_field: str
    quantity_field: str


@dataclass(slots=True)
class _Ladder:
    price_list: str
    sku: str
    steps: list[_Step] = field(default_factory=list)
    window: tuple[datetime | None, datetime | None] = (None, None)
    unit_of_measure: str | None = None
    source_version: Any = None
    conflict: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    tainted: set[int] = field(default_factory=set)
    started: bool = False


class Ladders:
    """Gathers tier rows (Unleashed breaks, NetSuite cells, Business Central lines, Brightpearl breaks, file rows)
    into one ladder per (list, SKU); a ladder with a faulty row, or rows that disagree, is written by none."""

    def __init__(self) -> None:
        self._ladders: dict[tuple[str, str], _Ladder] = {}

    def add(
        self,
        price_list: str,
        sku: str,
        quantity: int,
        price: Decimal,
        origin: int,
        native_field: str,
        *,
        window: tuple[datetime | None, datetime | None] = (None, None),
        unit_of_measure: str | None = None,
        source_version: Any = None,
        window_field: str = "",
        quantity_field: str = "",
    ) -> None:
        ladder = self._ladders.get((price_list, sku))
        if ladder is None:
            ladder = _Ladder(price_list, sku)
            self._ladders[(price_list, sku)] = ladder
        if not ladder.started:
            ladder.started = True
            ladder.window, ladder.unit_of_measure = window, unit_of_measure
        elif ladder.conflict is None:
            if window != ladder.window:
                ladder.conflict = (
                    f"{window_field or 'the validity window'} differs from another row of this SKU on list "
                    f"'{price_list}'; tradeprice keeps one window per SKU and list"
                )
                ladder.fields["conflict"] = window_field or native_field
            elif unit_of_measure != ladder.unit_of_measure:
                ladder.conflict = f"unit of measure differs from another row of this SKU on list '{price_list}'"
            elif any(step.quantity == quantity for step in ladder.steps):
                ladder.conflict = f"another row gives a price for quantity {quantity} of this SKU on '{price_list}'"
                ladder.fields["conflict"] = quantity_field or native_field
        if ladder.conflict is not None and "conflict_origin" not in ladder.fields:
            ladder.fields["conflict_origin"] = str(origin)
        ladder.steps.append(_Step(quantity, price, origin, native_field, quantity_field or native_field))
        if source_version is not None and (ladder.source_version is None or source_version > ladder.source_version):
            ladder.source_version = source_version

    def taint(self, price_list: str, sku: str, origin: int) -> None:
        """A failed row of this ladder (it carries no usable price): the ladder is then written by none."""
        ladder = self._ladders.setdefault((price_list, sku), _Ladder(price_list, sku))
        ladder.tainted.add(origin)

    def emit(self, mapped: Mapped, *, ladder_field: str) -> None:
        """Add a price write per ladder; a ladder whose rows failed or disagree fails all its rows."""
        for ladder in self._ladders.values():
            origins = sorted({step.origin for step in ladder.steps} | ladder.tainted)
            failed = [origin for origin in origins if mapped.failed(origin)]
            if ladder.conflict is not None:
                culprit = int(ladder.fields["conflict_origin"])
                mapped.error(culprit, ladder.fields.get("conflict", ladder_field), ladder.conflict)
                failed.append(culprit)
            if failed:
                named = {step.origin: step.quantity_field for step in reversed(ladder.steps)}
                for origin in origins:
                    if not mapped.failed(origin):
                        mapped.error(
                            origin,
                            named.get(origin, ladder_field),
                            f"not written: record {min(failed)} of this batch is part of the same ladder "
                            f"({ladder.sku} on '{ladder.price_list}') and failed",
                        )
                continue
            tiers = sorted(ladder.steps, key=lambda step: step.quantity)
            if not tiers:
                continue
            if tiers[0].quantity != 1:
                for origin in origins:
                    mapped.error(
                        origin,
                        tiers[0].quantity_field,
                        f"the lowest break of {ladder.sku} on '{ladder.price_list}' is {tiers[0].quantity}; "
                        "a ladder needs a price from quantity 1 (send the row for 1 as well)",
                    )
                continue
            document: dict[str, Any] = {
                "price_list": ladder.price_list,
                "sku": ladder.sku,
                "tiers": [{"min_qty": step.quantity, "price": step.price} for step in tiers],
            }
            if ladder.unit_of_measure is not None:
                document["unit_of_measure"] = ladder.unit_of_measure
            if ladder.window[0] is not None:
                document["valid_from"] = ladder.window[0]
            if ladder.window[1] is not None:
                document["valid_until"] = ladder.window[1]
            if ladder.source_version is not None:
                document["source_version"] = ladder.source_version
            fields = {f"tiers.{i}": step.native_field for i, step in enumerate(tiers)}
            fields |= {"": ladder_field, "tiers": ladder_field, "valid_until": ladder_field}
            mapped.add_checked("price", document, origins, fields, lists=(ladder.price_list,))


def single_price(
    mapped: Mapped,
    origin: int,
    price_list: str,
    sku: str,
    value: Any,
    native_field: str,
    *,
    unit_of_measure: str | None = None,
    source_version: Any = None,
    remove_when_blank: bool = True,
) -> None:
    """One price at quantity 1 (a tier slot, a fixed row, a pushed price); a blank value removes the SKU."""
    if blank(value):
        if remove_when_blank:
            mapped.add(Write("price", {"price_list": price_list, "sku": sku, "tiers": []}, (origin,)))
        return
    try:
        amount = money(value)
    except NativeValueError as problem:
        mapped.error(origin, native_field, problem.reason, value if isinstance(value, str | int | Decimal) else None)
        return
    document: dict[str, Any] = {"price_list": price_list, "sku": sku, "tiers": [{"min_qty": 1, "price": amount}]}
    if unit_of_measure is not None:
        document["unit_of_measure"] = unit_of_measure
    if source_version is not None:
        document["source_version"] = source_version
    mapped.add_checked("price", document, (origin,), {"": native_field, "tiers": native_field}, lists=(price_list,))


def read(mapped: Mapped, origin: int, native_field: str, value: Any, parse: Any, *args: Any, **kwargs: Any) -> Any:
    """`parse(value)`, or None with the record's error naming `native_field`."""
    try:
        return parse(value, *args, **kwargs)
    except NativeValueError as problem:
        shown = value if isinstance(value, str | int | Decimal) and not isinstance(value, bool) else None
        mapped.error(origin, native_field, problem.reason, shown)
        return None


def objects(mapped: Mapped, raw_records: Iterable[Any], key_of: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """Register every native record (its key from `key_of(record)`), yielding the objects; others are errors."""
    for index, raw in enumerate(raw_records):
        if not isinstance(raw, dict):
            mapped.record(index, None)
            mapped.error(index, "record", "must be a JSON object")
            continue
        try:
            key = key_of(raw)
        except NativeValueError:
            key = None
        mapped.record(index, key)
        yield index, raw


def group_write(
    mapped: Mapped, slug_: str, name: str, chain: Sequence[str], origin: int, native_field: str
) -> Write | None:
    """The customer group a system's segment maps to, parented on `base`, with the segment's list chain."""
    for existing in mapped.writes:
        if existing.kind == "group" and existing.document["slug"] == slug_:
            existing.origins = (*existing.origins, origin)
            return existing
    document = {"slug": slug_, "name": name[:200] or slug_, "parent": BASE_GROUP, "price_lists": list(chain)}
    if mapped.add_checked("group", document, (origin,), {"": native_field}, lists=tuple(chain)):
        return mapped.writes[-1]
    return None


def version_of(mapped: Mapped, origin: int, native_field: str, value: Any) -> Any:
    """A source version: a number as is, a time as an aware datetime (older writes are then skipped as stale)."""
    if blank(value):
        return None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    return read(mapped, origin, native_field, value, moment)


def required_text(value: Any) -> str:
    found = text(value)
    if found is None:
        raise NativeValueError("is required")
    return found


# -- export/import files -------------------------------------------------------------------------------------------


def header_key(header: str) -> str:
    """Headers match case-, space- and punctuation-insensitively: `Min. Quantity` is `minquantity`."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


class Row:
    """One file row keyed by the file's own headers."""

    __slots__ = ("_cells",)

    def __init__(self, row: Mapping[str, Any]) -> None:
        self._cells = {header_key(str(name)): (str(name), value) for name, value in row.items() if name is not None}

    def cell(self, *names: str) -> tuple[str, str | None]:
        """(the header as the file writes it, the stripped cell or None when blank) for the first present name."""
        for name in names:
            found = self._cells.get(header_key(name))
            if found is not None:
                header, value = found
                return header, None if blank(value) else str(value).strip()
        return names[0], None


@dataclass(frozen=True, slots=True)
class RowPrice:
    """One tier of a long-layout price row: what `price_list, sku, qty, price` files carry, plus the window."""

    price_list: str
    sku: str
    qty: int
    price: Decimal
    column: str
    qty_column: str = ""
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    unit_of_measure: str | None = None


@dataclass(frozen=True, slots=True)
class RowRule:
    """A product rule a row sets (`owns`: the rule fields this system sets; stored others are kept)."""

    document: dict[str, Any]
    owns: tuple[str, ...]
    column: str


@dataclass(slots=True)
class RowResult:
    """What one file row maps to; `errors` name the file's column (`{"column", "value"?, "reason"}`)."""

    key: str | None = None
    prices: list[RowPrice] = field(default_factory=list)
    rules: list[RowRule] = field(default_factory=list)
    lists: list[ListSpec] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    relink: dict[str, str] = field(default_factory=dict)
    ladder: tuple[str, str] | None = None
    """(list, SKU) of the ladder the row is a tier of, known even when the row fails: the ladder then fails too."""

    def error(self, column: str, reason: str, value: str | None = None) -> None:
        entry: dict[str, Any] = {"column": column, "reason": reason}
        if value is not None:
            entry["value"] = value
        self.errors.append(entry)

    def read(self, column: str, value: str | None, parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(value, *args, **kwargs)
        except NativeValueError as problem:
            self.error(column, problem.reason, value)
            return None


@dataclass(frozen=True, slots=True)
class Layout:
    """One documented file of a system, recognised by its headers."""

    name: str
    required: tuple[str, ...]
    any_of: tuple[str, ...]
    map_row: Any
    """(Row, Options) -> RowResult"""

    def matches(self, headers: Iterable[str]) -> bool:
        present = {header_key(header) for header in headers}
        return all(header_key(name) in present for name in self.required) and (
            not self.any_of or any(header_key(name) in present for name in self.any_of)
        )


Adapter = Callable[[Any, Options], Mapped]
"""A resource's adapter: native payload, options → mapped batch."""
