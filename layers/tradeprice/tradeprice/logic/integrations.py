"""An adapter's mapped batch written through the one write path (logic.catalog, logic.customers).

Every ERP integration writes customers as the source `erp` (logic/ownership.py): fields the merchant gave to
another source are not applied, and each such field is a warning on its native record.

Order, so nothing refers to what is not there yet: price lists (the payload's definitions, then lists its
records need and that do not exist), customer groups, customers, product rules, prices; then customers who got
prices of their own are relinked to their list. A native record is the unit: when any of its fields or writes
fails, its later writes are not made, and it answers `error` with the native fields at fault.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from tradeprice import integrations
from tradeprice.data import reference
from tradeprice.data.keys import StoredKey
from tradeprice.domain import authors
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.models import Customer, CustomerGroup, Price, PriceList, ProductRule
from tradeprice.errors import Forbidden, InvalidInput, TradepriceError, Unauthorized
from tradeprice.integrations import linnworks
from tradeprice.integrations.base import FieldError, ListSpec, Mapped, Options, Write, native_errors, native_field
from tradeprice.logic import catalog, customers, ownership
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.keys import verify_key

MAX_PRICE_LISTS = 20
"""A customer's `price_lists` limit (the domain model's)."""


@dataclass(slots=True)
class NativeResult:
    """What became of one native record: `skipped` when nothing in it is carried (warnings say why)."""

    index: int
    key: str | None
    status: str
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    writes: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "status": self.status,
            "errors": self.errors,
            "warnings": self.warnings,
            "writes": self.writes,
        }


@dataclass(slots=True)
class Applied:
    system: str
    resource: str
    results: list[NativeResult]
    lists_created: list[str]
    warnings: list[FieldError] = field(default_factory=list)
    """About the payload beside its records (e.g. a link to a customer the payload does not hold)."""

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.status] = counts.get(result.status, 0) + 1
        return counts

    def http_status(self) -> int:
        """200 when every record succeeded (or was skipped), 207 when some did, 422 when none did."""
        failed = sum(result.status == "error" for result in self.results)
        if failed == 0:
            return 200
        return 422 if failed == len(self.results) else 207

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "resource": self.resource,
            "summary": self.summary(),
            "price_lists_created": self.lists_created,
            "warnings": self.warnings,
            "results": [result.as_dict() for result in self.results],
        }


class _Run:
    """The state of one apply: which native records failed, what each wrote."""

    def __init__(self, mapped: Mapped, options: Options) -> None:
        self.mapped = mapped
        self.options = options
        self.failed = {record.index for record in mapped.records if record.errors}
        self.done: dict[int, list[dict[str, str]]] = defaultdict(list)
        self.dropped: set[int] = set()
        self.lists = reference.all_price_lists()
        self.created: list[str] = []
        self.groups: dict[str, CustomerGroup] = {}

    # -- bookkeeping --------------------------------------------------------------------------------------------

    def fail(self, origins: Iterable[int], native: str, reason: str, value: Any = None) -> None:
        for origin in origins:
            entry: FieldError = {"field": native, "reason": reason}
            if value is not None:
                entry["value"] = value
            self.mapped.records[origin].errors.append(entry)
            self.failed.add(origin)

    def note(self, origins: Iterable[int], kind: str, key: str, status: str) -> None:
        for origin in origins:
            self.done[origin].append({"type": kind, "key": key, "status": status})

    def live(self, kind: str) -> list[tuple[int, Write]]:
        """Writes of a kind still to make. A shared group is made while any of its records stands; any other write
        only while all do (a ladder spans records: one failed record fails the others)."""
        found = []
        for position, write in enumerate(self.mapped.writes):
            if write.kind != kind or position in self.dropped:
                continue
            standing = [origin for origin in write.origins if origin not in self.failed]
            if kind == "group":
                if standing:
                    found.append((position, write))
                continue
            if len(standing) == len(write.origins):
                found.append((position, write))
            elif standing:
                first = min(set(write.origins) - set(standing))
                self.fail(
                    standing, write.fields.get("", "record"), f"not written: record {first} of the same ladder failed"
                )
        return found

    # -- stages -------------------------------------------------------------------------------------------------

    def price_lists(self) -> None:
        needed: dict[str, list[int]] = {}
        for position, write in enumerate(self.mapped.writes):
            if not set(write.origins) & self.failed:
                for slug in write.lists:
                    needed.setdefault(slug, []).append(position)
        for spec in self.mapped.lists.values():
            if spec.define and spec.rules and spec.origins - self.failed:
                needed.setdefault(spec.rules["source"], [])  # a derived list's source is made first
        for spec in self.mapped.lists.values():
            standing = sorted(spec.origins - self.failed)
            if spec.define:
                if standing:
                    self._define(spec, standing)
                continue
            if spec.slug in self.lists or spec.slug not in needed:
                continue
            positions = [p for p in needed[spec.slug] if not set(self.mapped.writes[p].origins) & self.failed]
            users = sorted({o for p in positions for o in self.mapped.writes[p].origins}) or standing
            if spec.when_missing == "skip":
                self.dropped.update(positions)
                for origin in users:
                    self.mapped.warn(origin, spec.named_by, f"price list '{spec.slug}' is not synced: not written")
                    self.mapped.records[origin].skipped = True
                continue
            if spec.when_missing == "error":
                self.fail(users, spec.named_by, f"price list '{spec.slug}' does not exist: sync the price lists first")
                continue
            currency = spec.currency or self.options.currency
            if currency is None:
                self.fail(
                    users,
                    spec.named_by,
                    f"price list '{spec.slug}' does not exist yet and its currency is unknown: "
                    "pass ?currency=<ISO 4217 code> (the system's base currency)",
                )
                continue
            self._put_list(spec, currency, users, implicit=True)

    def _define(self, spec: ListSpec, origins: list[int]) -> None:
        stored = self.lists.get(spec.slug)
        currency = spec.currency or self.options.currency or (stored.currency if stored else None)
        if currency is None:
            self.fail(origins, spec.named_by, f"the currency of '{spec.slug}' is unknown: pass ?currency=<ISO code>")
            return
        self._put_list(spec, currency, origins, implicit=False)

    def _put_list(self, spec: ListSpec, currency: str, origins: list[int], *, implicit: bool) -> None:
        document: dict[str, Any] = {
            "slug": spec.slug,
            "name": spec.name,
            "currency": currency,
            "tax_inclusive": spec.tax_inclusive,
            "valid_from": spec.valid_from,
            "valid_until": spec.valid_until,
            "rules": spec.rules,
            "source_version": spec.source_version,
        }
        try:
            price_list = PriceList.model_validate({k: v for k, v in document.items() if v is not None})
            stored, outcome = catalog.put_price_list(price_list)
        except ValidationError as error:
            for entry in native_errors(error, {"": spec.named_by}):
                self.fail(origins, entry["field"], f"price list '{spec.slug}': {entry['reason']}")
            return
        except TradepriceError as error:
            self.fail(origins, spec.named_by, f"price list '{spec.slug}': {error.detail}")
            return
        self.lists[spec.slug] = stored
        if implicit:
            self.created.append(spec.slug)
        else:
            self.note(origins, "price_list", spec.slug, outcome)

    def customer_groups(self) -> None:
        for _, write in self.live("group"):
            standing = [origin for origin in write.origins if origin not in self.failed]
            try:
                group, outcome = customers.put_group(CustomerGroup.model_validate(write.document))
            except (ValidationError, TradepriceError) as error:
                reason = error.detail if isinstance(error, TradepriceError) else str(error)
                self.fail(
                    standing, write.fields.get("", "record"), f"customer group '{write.document['slug']}': {reason}"
                )
                continue
            self.groups[group.slug] = group
            self.note(standing[:1], "customer_group", group.slug, outcome)

    def customer_records(self) -> None:
        batch: list[tuple[int, Customer]] = []
        positions: list[Write] = []
        for _, write in self.live("customer"):
            document = dict(write.document)
            if write.specific_list is not None and write.specific_list in self.lists:
                document["price_lists"] = self._chain(write.specific_list, document.get("group", "base"), [])
            try:
                batch.append((len(batch), Customer.model_validate(document)))
            except ValidationError as error:
                for entry in native_errors(error, write.fields):
                    self.fail(write.origins, entry["field"], entry["reason"], entry.get("value"))
                continue
            positions.append(write)
        if not batch:
            return
        for write, result in zip(positions, customers.put_customers(batch, source=ownership.ERP), strict=True):
            if result.status == "error":
                for problem in result.errors:
                    native = native_field(problem["field"], write.fields)
                    self.fail(write.origins, native, problem["reason"], problem.get("value"))
            else:
                self.note(write.origins, "customer", str(result.key), result.status)
                for warning in result.warnings:
                    for origin in write.origins:
                        self.mapped.warn(origin, native_field(warning["field"], write.fields), warning["reason"])

    def _chain(self, specific: str, group: str, current: Sequence[str]) -> list[str]:
        """[the customer's own list, *the lists they had (or their group's)] — at most MAX_PRICE_LISTS."""
        inherited = list(current)
        if not inherited:
            found = self.groups.get(group)
            if found is None:
                try:
                    found = customers.get_group(group)
                except TradepriceError:
                    found = None
            inherited = list(found.price_lists) if found is not None else []
        return [specific, *[slug for slug in inherited if slug != specific]][:MAX_PRICE_LISTS]

    def product_rules(self) -> None:
        writes = self.live("rule")
        if not writes:
            return
        stored = reference.get_product_rules([(w.document["group"], w.document["sku"]) for _, w in writes])
        batch: list[tuple[int, ProductRule]] = []
        kept: list[Write] = []
        for _, write in writes:
            document = write.document
            current = stored.get((document["group"], document["sku"]))
            owned = {name: document.get(name) for name in write.owns}
            if current is None and all(value is None for value in owned.values()):
                # Nothing to set and nothing stored to clear: the record says so.
                self.note(write.origins, "product_rule", f"{document['group']}/{document['sku']}", "unchanged")
                continue
            base = current.model_dump(exclude={"updated_at", "source_version"}, exclude_none=True) if current else {}
            merged = {**base, **document, **owned}
            merged = {name: value for name, value in merged.items() if value is not None}
            try:
                batch.append((len(batch), ProductRule.model_validate(merged)))
            except ValidationError as error:
                for entry in native_errors(error, write.fields):
                    self.fail(write.origins, entry["field"], entry["reason"], entry.get("value"))
                continue
            kept.append(write)
        if not batch:
            return
        for write, result in zip(kept, customers.put_rules(batch), strict=True):
            if result.status == "error":
                for problem in result.errors:
                    self.fail(write.origins, native_field(problem["field"], write.fields), problem["reason"])
            else:
                self.note(write.origins, "product_rule", str(result.key), result.status)

    def prices(self) -> dict[str, list[int]]:
        """Write every standing price; returns list → the records that wrote to it."""
        by_list: dict[str, list[tuple[Write, PriceWrite]]] = defaultdict(list)
        for _, write in self.live("price"):
            document = write.document
            slug = document["price_list"]
            if slug not in self.lists:
                # Removing a SKU from a list that does not exist: nothing to do, and the record says so.
                self.note(write.origins, "price", f"{slug}/{document['sku']}", "unchanged")
                continue
            index = len(by_list[slug])
            if not document["tiers"]:
                by_list[slug].append((write, PriceWrite(index, document["sku"], None)))
                continue
            try:
                price = Price.model_validate(document)
            except ValidationError as error:
                for entry in native_errors(error, write.fields):
                    self.fail(write.origins, entry["field"], entry["reason"], entry.get("value"))
                continue
            by_list[slug].append((write, PriceWrite(index, price.sku, price)))
        written: dict[str, list[int]] = defaultdict(list)
        for slug, pairs in by_list.items():
            results = catalog.put_prices(slug, [price_write for _, price_write in pairs])
            for (write, _), result in zip(pairs, results, strict=True):
                if result.status == "error":
                    for problem in result.errors:
                        self.fail(
                            write.origins, write.fields.get("", "record"), problem["reason"], problem.get("value")
                        )
                    continue
                self.note(write.origins, "price", f"{slug}/{write.document['sku']}", result.status)
                if write.document["tiers"]:
                    written[slug].extend(write.origins)
        return written

    def relink(self, written: dict[str, list[int]]) -> None:
        """Customers who now have prices of their own get their list first (if they are stored)."""
        for customer_id, slug in self.mapped.relink.items():
            origins = written.get(slug)
            if not origins:
                continue
            stored = reference.get_customer(customer_id)
            if stored is None or stored.price_lists[:1] == [slug]:
                continue
            chain = self._chain(slug, stored.group, stored.price_lists)
            relinked = stored.model_copy(update={"price_lists": chain})
            (result,) = customers.put_customers([(0, relinked)], source=ownership.ERP)
            if result.status == "error":
                reasons = "; ".join(error["reason"] for error in result.errors)
                for origin in origins:
                    self.mapped.warn(origin, "customer", f"customer '{customer_id}' not linked to '{slug}': {reasons}")
            else:
                self.note(origins[:1], "customer", customer_id, result.status)

    # -- the answer ---------------------------------------------------------------------------------------------

    def results(self) -> list[NativeResult]:
        answered = []
        for record in self.mapped.records:
            writes = self.done.get(record.index, [])
            if record.errors:
                status = "error"
            elif not writes:
                status = "skipped" if record.skipped else "unchanged"
            else:
                statuses = {write["status"] for write in writes}
                status = next(
                    (s for s in ("created", "updated", "deleted", "stale") if s in statuses),
                    "unchanged",
                )
            answered.append(NativeResult(record.index, record.key, status, record.errors, record.warnings, writes))
        return answered


def ingest(system: str, resource: str, payload: Any, options: Options) -> Applied:
    """POST /v1/integrations/{system}/{resource}: map the native payload, then write it."""
    return apply(integrations.adapt(system, resource, payload, options), options)


def linnworks_price_update(key: StoredKey, payload: Any, options: Options) -> Applied:
    """Linnworks' channel price push, once `authorize` has accepted the write key it carries in its body."""
    mapped = linnworks.price_push(payload, options)
    if not mapped.records:
        return Applied(mapped.system, mapped.resource, [], [])
    with acting_as(Author("api_key", key.key_id, name=key.name, request=authors.current().request)):
        return apply(mapped, options)


def authorize(token: Any) -> StoredKey:
    """A tradeprice API key with the write scope, sent where the caller cannot send a header.

    Linnworks puts its credential in the JSON body (`AuthorizationToken`), which an API Gateway authorizer never
    sees, so its route has no authorizer and the function checks the key itself: the same hashed-key check, in
    constant time, as the authorizer's.
    """
    if not isinstance(token, str) or not token.strip():
        raise Unauthorized("AuthorizationToken is missing: set it to a tradeprice API key with the write scope")
    key = verify_key(token.strip())
    if key is None:
        raise Unauthorized("AuthorizationToken is not a valid tradeprice API key")
    if not key.scopes & {"write", "admin"}:
        raise Forbidden("this API key lacks the 'write' scope", required_scopes=["write"])
    return key


def apply(mapped: Mapped, options: Options) -> Applied:
    """Write a mapped batch; every native record answers, in input order."""
    if not mapped.records:
        raise InvalidInput("the payload holds no records", [{"field": "body", "reason": "no records"}])
    run = _Run(mapped.account(), options)
    with acting_as(authors.current().through(mapped.system)):
        run.price_lists()
        run.customer_groups()
        run.customer_records()
        run.product_rules()
        run.relink(run.prices())
    return Applied(mapped.system, mapped.resource, run.results(), run.created, mapped.notes)
