"""Customer groups, customers and product rules: the who-pays-what half of the model."""

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from tradeprice.data import customers as customer_store
from tradeprice.data import reference
from tradeprice.data.reference import CUSTOMERS, GROUPS, RULES
from tradeprice.domain.models import BASE_GROUP, Customer, CustomerGroup, ProductRule, merged
from tradeprice.domain.types import utc_now
from tradeprice.errors import Conflict, InvalidInput, NotFound
from tradeprice.logic import ownership
from tradeprice.logic.records import RecordResult, describe

M = TypeVar("M", bound=BaseModel)

DEFAULT_BASE = CustomerGroup(slug=BASE_GROUP, name="Everyone", parent=None)
"""The base group exists before anyone writes it; writing it sets its name and price lists."""


def _stamp(record: M) -> M:
    return record.model_copy(update={"updated_at": utc_now()})


# Customer groups --------------------------------------------------------------------------------------------------


def get_group(slug: str) -> CustomerGroup:
    group = reference.get(GROUPS, slug)
    if group is None and slug == BASE_GROUP:
        return DEFAULT_BASE
    if group is None:
        raise NotFound(f"customer group '{slug}' does not exist", group=slug)
    return group


def put_group(group: CustomerGroup) -> tuple[CustomerGroup, str]:
    """Create or replace a group. Its parent and price lists must exist; the parent chain may not loop."""
    groups = reference.all_customer_groups()
    groups.setdefault(BASE_GROUP, DEFAULT_BASE)
    if group.parent is not None and group.parent not in groups:
        raise InvalidInput(
            f"parent '{group.parent}' is not a customer group",
            [{"field": "parent", "reason": "unknown customer group", "value": group.parent}],
        )
    walked = [group.slug]
    parent = group.parent
    while parent is not None:
        if parent in walked:
            raise Conflict(f"parents form a cycle: {' → '.join([*walked, parent])}", field="parent")
        walked.append(parent)
        parent = groups[parent].parent if parent in groups else None
    _require_lists(group.price_lists, "price_lists")
    stamped = _stamp(group)
    outcome = reference.write(GROUPS, [((group.slug,), stamped)])[0]
    if outcome in {"stale", "unchanged"}:  # what is stored stands: answer it, not the values refused
        return get_group(group.slug), outcome
    return stamped, outcome


def _require_lists(slugs: Sequence[str], field: str) -> None:
    if not slugs:
        return
    known = reference.all_price_lists()
    for position, slug in enumerate(slugs):
        if slug not in known:
            raise InvalidInput(
                f"{field}[{position}] '{slug}' is not a price list",
                [{"field": f"{field}.{position}", "reason": "unknown price list", "value": slug}],
            )


def delete_group(slug: str) -> None:
    if slug == BASE_GROUP:
        raise Conflict("the base group always exists and cannot be deleted", group=slug)
    get_group(slug)
    children = [g.slug for g in reference.all_customer_groups().values() if g.parent == slug]
    if children:
        raise Conflict(
            f"'{slug}' is the parent of {', '.join(sorted(children))}; move or delete them first",
            group=slug,
            children=sorted(children),
        )
    reference.write(GROUPS, [((slug,), None)])


def page_groups(
    limit: int, cursor: str | None, updated_since: datetime | None
) -> tuple[list[CustomerGroup], str | None]:
    groups, next_cursor = reference.page(GROUPS, limit, cursor, updated_since)
    if (
        cursor is None
        and updated_since is None
        and not any(g.slug == BASE_GROUP for g in groups)
        and next_cursor is None
    ):
        groups.insert(0, DEFAULT_BASE)
    return groups, next_cursor


# Customers --------------------------------------------------------------------------------------------------------


def get_customer(customer_id: str) -> Customer:
    customer = reference.get(CUSTOMERS, customer_id)
    if customer is None:
        raise NotFound(f"customer '{customer_id}' does not exist", customer_id=customer_id)
    return customer


def find_customer_by_email(email: str) -> Customer | None:
    return customer_store.find_by_email(email)


def put_customers(
    batch: Sequence[tuple[int, Customer]], *, partial: bool = False, source: str | None = None
) -> list[RecordResult]:
    """Upsert customers; a second customer with one email, an unknown group or list is that record's error.

    Email is optional (many ERP customers have none) and unique, case-insensitively, when present.
    `partial`: each record carries only the fields it was given (`from_partial`); the others keep their stored
    values. Otherwise a record replaces the stored one whole.
    `source`: the writer's source tag; a tagged write goes through field ownership (logic/ownership.py), which
    merges what the record carries into the record as stored at that moment.
    """
    results: dict[int, RecordResult] = {}
    groups = reference.all_customer_groups()
    groups.setdefault(BASE_GROUP, DEFAULT_BASE)
    lists = reference.all_price_lists()
    seen_ids: dict[str, int] = {}
    sound: list[tuple[int, Customer]] = []
    for index, customer in batch:
        if customer.id in seen_ids:
            reason = f"repeats record {seen_ids[customer.id]} of this batch"
            error = {"field": "id", "reason": reason, "value": customer.id}
            results[index] = RecordResult(index, customer.id, "error", [error])
            continue
        seen_ids[customer.id] = index
        sound.append((index, customer))

    stored = customer_store.read_customers([customer.id for _, customer in sound])
    seen_emails: dict[str, int] = {}
    accepted: list[tuple[int, Customer]] = []
    carried: list[Customer] = []
    for index, update in sound:
        try:
            customer = merged(stored.get(update.id), update) if partial else update
        except ValidationError as invalid:
            results[index] = RecordResult(index, update.id, "error", describe(invalid))
            continue
        errors = []
        if customer.email is not None and customer.email in seen_emails:
            errors.append(
                {
                    "field": "email",
                    "reason": f"record {seen_emails[customer.email]} of this batch has it",
                    "value": customer.email,
                }
            )
        if customer.group not in groups:
            errors.append({"field": "group", "reason": "unknown customer group", "value": customer.group})
        errors.extend(
            {"field": f"price_lists.{i}", "reason": "unknown price list", "value": slug}
            for i, slug in enumerate(customer.price_lists)
            if slug not in lists
        )
        if errors:
            results[index] = RecordResult(index, customer.id, "error", errors)
            continue
        if customer.email is not None:
            seen_emails[customer.email] = index
        accepted.append((index, _stamp(customer)))
        carried.append(_stamp(update))

    if source is None:
        outcomes = customer_store.write_customers([customer for _, customer in accepted], stored)
        written = [ownership.Written(outcome) for outcome in outcomes]
    else:
        written = ownership.write_as(source, carried)
    for (index, customer), done in zip(accepted, written, strict=True):
        if done.outcome == "email_taken":
            owner = customer_store.email_owner(customer.email or "")
            results[index] = RecordResult(
                index,
                customer.id,
                "error",
                [{"field": "email", "reason": f"customer '{owner}' already has this email", "value": customer.email}],
            )
        else:
            results[index] = RecordResult(index, customer.id, done.outcome, warnings=done.warnings)
    return [results[index] for index, _ in batch]


def delete_customer(customer_id: str) -> None:
    customer_store.delete_customer(get_customer(customer_id))


def page_customers(limit: int, cursor: str | None, updated_since: datetime | None) -> tuple[list[Customer], str | None]:
    return reference.page(CUSTOMERS, limit, cursor, updated_since)


# Product rules ----------------------------------------------------------------------------------------------------


def put_rules(batch: Sequence[tuple[int, ProductRule]], *, partial: bool = False) -> list[RecordResult]:
    """Upsert rules per (group, SKU); a repeated pair or an unknown group is that record's error.

    `partial`: each record carries only the fields it was given (`from_partial`): pack sizes and minimums may
    arrive in separate feeds, in either order, and neither erases the other. Otherwise a record replaces the
    stored one whole.
    """
    groups = reference.all_customer_groups()
    groups.setdefault(BASE_GROUP, DEFAULT_BASE)
    results: dict[int, RecordResult] = {}
    seen: dict[tuple[str, str], int] = {}
    sound: list[tuple[int, ProductRule]] = []
    for index, rule in batch:
        key = f"{rule.group}/{rule.sku}"
        if (rule.group, rule.sku) in seen:
            reason = f"repeats record {seen[(rule.group, rule.sku)]} of this batch"
            results[index] = RecordResult(index, key, "error", [{"field": "sku", "reason": reason, "value": rule.sku}])
        elif rule.group not in groups:
            error = {"field": "group", "reason": "unknown customer group", "value": rule.group}
            results[index] = RecordResult(index, key, "error", [error])
        else:
            seen[(rule.group, rule.sku)] = index
            sound.append((index, rule))
    stored = reference.read(RULES, [(rule.sku, rule.group) for _, rule in sound]) if partial else None
    accepted: list[tuple[int, ProductRule]] = []
    for index, update in sound:
        try:
            rule = merged(stored.get(update.sku, update.group), update) if stored is not None else update
        except ValidationError as invalid:
            results[index] = RecordResult(index, f"{update.group}/{update.sku}", "error", describe(invalid))
            continue
        accepted.append((index, _stamp(rule)))
    outcomes = reference.write(RULES, [((rule.sku, rule.group), rule) for _, rule in accepted], stored)
    for (index, rule), outcome in zip(accepted, outcomes, strict=True):
        results[index] = RecordResult(index, f"{rule.group}/{rule.sku}", outcome)
    return [results[index] for index, _ in batch]


def rules_for_sku(sku: str) -> list[ProductRule]:
    return sorted(reference.query(RULES, sku), key=lambda rule: rule.group)
