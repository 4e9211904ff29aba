"""Customers, with unique emails when they have one (many ERP customers have none).

Uniqueness cannot rest on a secondary index (it is eventually consistent, and two writers could both see an
email free). Each email is instead claimed by an item in the customer-emails table, keyed by the lower-cased
email, written in the same transaction as the customer: a customer whose email another customer holds is
refused, and changing an email moves the claim atomically.

Cost: customers whose email is unchanged (or who have none) are versioned writes like any other record
(data/versioned.py). Customers whose email is new, changed or dropped go out together in TransactWriteItems
calls of up to 100 items (DynamoDB's limit; a customer's own items never straddle two calls), so 1,000 new
customers with emails cost 20 transactions and 10 reads. A transaction is all or nothing: when one record's
condition fails, DynamoDB cancels the call and says per item why (CancellationReasons). The records whose own
condition failed get their answer (`stale`, `email_taken`), and only the sound ones are sent again.

Writers tagged with a source (an ERP integration, a platform webhook, a key with a `source`) keep their own
version per source in the item's `source_versions` map (an ERP's 17 and Shopify's `updated_at` are not on one
scale), and write through `replace_customer`: the whole item, on condition that nobody wrote it since it was
read, so a merge of owned fields can never overwrite a concurrent writer's fields with what it read before.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.batch import Item, _backoff, call_with_retries, parallel_map
from tradeprice.data.reference import CUSTOMERS, Snapshot, get, read
from tradeprice.data.versioned import Outcome, Write, apply, same_content
from tradeprice.domain.models import Customer
from tradeprice.domain.types import utc_now
from tradeprice.errors import StoreUnavailable

_NOT_OLDER = "attribute_not_exists(version_key) OR version_key <= :version"
_OWNED_BY_IT = "attribute_not_exists(email) OR customer_id = :id"

MAX_TRANSACTION_ITEMS = 100
"""TransactWriteItems' limit on items per call."""

CustomerOutcome = Outcome | Literal["email_taken"]

SOURCE_VERSIONS = "source_versions"
"""Item attribute: {source: its last applied version}, kept across every write of the record."""


def find_by_email(email: str) -> Customer | None:
    claim = call_with_retries(
        "get_item", TableName=get_settings().customer_emails_table, Key={"email": {"S": email.strip().lower()}}
    ).get("Item")
    return get(CUSTOMERS, claim["customer_id"]["S"]) if claim else None


def email_owner(email: str) -> str | None:
    claim = call_with_retries(
        "get_item", TableName=get_settings().customer_emails_table, Key={"email": {"S": email}}
    ).get("Item")
    return claim["customer_id"]["S"] if claim else None


def customers_naming_list(slug: str, enough: int = 10) -> list[str]:
    """Ids of customers whose own `price_lists` name `slug` (up to `enough` of them).

    A Scan, paged 1,000 items a call, reading only `id` and stopping at the first page that finds one: deleting a
    list is a rare admin action, and an index on a list attribute would cost every customer write more than
    this costs the odd delete. On a 100,000-customer table a delete no customer blocks reads the table once.
    """
    found: list[str] = []
    request: dict[str, Any] = {
        "TableName": CUSTOMERS.table,
        "Limit": 1000,
        "ProjectionExpression": "id",
        "FilterExpression": "contains(price_lists, :slug)",
        "ExpressionAttributeValues": {":slug": {"S": slug}},
    }
    while len(found) < enough:
        response = call_with_retries("scan", **request)
        found.extend(str(item["id"]["S"]) for item in response.get("Items", []))
        if found or "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return sorted(found)[:enough]


def read_customers(customer_ids: Sequence[str]) -> Snapshot[Customer]:
    """The stored customers of a batch, read once for both the merge of partial updates and the write."""
    return read(CUSTOMERS, [(customer_id,) for customer_id in customer_ids])


def write_customers(customers: Sequence[Customer], stored: Snapshot[Customer] | None = None) -> list[CustomerOutcome]:
    """Upsert distinct customers (by id, each email distinct within the call); outcomes in input order.

    `stored`: the customers as `read_customers` just read them, when the caller has them.
    """
    if stored is None:
        stored = read_customers([customer.id for customer in customers])
    outcomes: list[CustomerOutcome | None] = [None] * len(customers)
    same_email: list[int] = []
    moving: list[_Move] = []
    for index, customer in enumerate(customers):
        previous = stored.items.get((customer.id,))
        if previous is not None and _stored_email(previous) == customer.email:
            same_email.append(index)
        elif previous is None and customer.email is None:
            same_email.append(index)  # nothing to claim: an ordinary versioned write
        else:
            moving.append(_Move(index, customer, previous))

    writes = [_write(customers[i], stored.items.get((customers[i].id,))) for i in same_email]
    plain = apply(CUSTOMERS.table, writes, list(stored.items.values()))
    for index, plain_outcome in zip(same_email, plain, strict=True):
        outcomes[index] = plain_outcome
    for index, outcome in _transact(moving).items():
        outcomes[index] = outcome
    return [outcome or "unchanged" for outcome in outcomes]


def _stored_email(item: Item) -> str | None:
    return str(item["email"]["S"]) if "email" in item else None


def _write(customer: Customer, previous: Item | None = None) -> Write:
    item = _keep_source_versions(CUSTOMERS.to_item(customer), previous)
    return Write(CUSTOMERS.key(customer.id), item, _version(customer))


def _keep_source_versions(item: Item, previous: Item | None) -> Item:
    """An untagged write replaces the item; the tagged writers' versions must survive it."""
    if previous is not None and SOURCE_VERSIONS in previous:
        item[SOURCE_VERSIONS] = previous[SOURCE_VERSIONS]
    return item


def _version(customer: Customer) -> Decimal | None:
    return codec.source_version_key(customer.source_version)


@dataclass(slots=True)
class _Move:
    """A customer whose email claim changes: its put, the claim on its new email, the release of its old one."""

    index: int
    customer: Customer
    previous: Item | None
    release: bool = True
    """False once the old email turned out to be claimed by another customer already: nothing to release."""

    def stale(self) -> bool:
        version = _version(self.customer)
        stored = self.previous.get("version_key") if self.previous is not None else None
        return version is not None and stored is not None and version < Decimal(stored["N"])

    def actions(self) -> list[tuple[str, dict[str, Any]]]:
        """(role, action) in transaction order; the role reads a cancellation reason."""
        emails = get_settings().customer_emails_table
        owner = {":id": {"S": self.customer.id}}
        item = codec.stamped(_keep_source_versions(CUSTOMERS.to_item(self.customer), self.previous), utc_now())
        put: dict[str, Any] = {"TableName": CUSTOMERS.table, "Item": item}
        version = _version(self.customer)
        if version is not None:
            put["ConditionExpression"] = _NOT_OLDER
            put["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
        actions: list[tuple[str, dict[str, Any]]] = [("customer", {"Put": put})]
        if self.customer.email is not None:
            claim = {"email": {"S": self.customer.email}, "customer_id": {"S": self.customer.id}}
            actions.append(
                (
                    "claim",
                    {
                        "Put": {
                            "TableName": emails,
                            "Item": claim,
                            "ConditionExpression": _OWNED_BY_IT,
                            "ExpressionAttributeValues": owner,
                        }
                    },
                )
            )
        old = _stored_email(self.previous) if self.previous is not None else None
        if self.release and old is not None:
            actions.append(
                (
                    "release",
                    {
                        "Delete": {
                            "TableName": emails,
                            "Key": {"email": {"S": old}},
                            "ConditionExpression": _OWNED_BY_IT,
                            "ExpressionAttributeValues": owner,
                        }
                    },
                )
            )
        return actions

    def items_touched(self) -> set[tuple[str, str]]:
        touched = {("customer", self.customer.id)}
        if self.customer.email is not None:
            touched.add(("email", self.customer.email))
        old = _stored_email(self.previous) if self.previous is not None else None
        if self.release and old is not None:
            touched.add(("email", old))
        return touched


def _transact(moves: Sequence[_Move]) -> dict[int, CustomerOutcome]:
    """Write the moves in as few transactions as DynamoDB allows; retry the sound ones of a cancelled call."""
    outcomes: dict[int, CustomerOutcome] = {}
    pending = []
    for move in moves:
        if move.stale():
            outcomes[move.index] = "stale"
        else:
            pending.append(move)
    stalled = 0
    while pending:
        retry: list[_Move] = []
        for wave in _waves(pending):
            for decided, again in parallel_map(_run, _packed(wave)):
                outcomes.update(decided)
                retry.extend(again)
        stalled = 0 if len(retry) < len(pending) else stalled + 1
        if retry and stalled >= get_settings().retry_attempts:
            raise StoreUnavailable("customer transactions kept conflicting; retry later", unwritten=len(retry))
        if retry and stalled:
            _backoff(stalled)
        pending = retry
    return outcomes


def _waves(moves: Sequence[_Move]) -> list[list[_Move]]:
    """Moves that touch one item (A gives up an email B takes) go in successive waves, in input order: one
    transaction may not touch an item twice, and two concurrent ones on one item would race."""
    waves: list[tuple[list[_Move], set[tuple[str, str]]]] = []
    for move in moves:
        touched = move.items_touched()
        for wave, seen in waves:
            if not touched & seen:
                wave.append(move)
                seen |= touched
                break
        else:
            waves.append(([move], set(touched)))
    return [wave for wave, _ in waves]


def _packed(moves: Sequence[_Move]) -> list[list[_Move]]:
    """Moves grouped into transactions of at most MAX_TRANSACTION_ITEMS items."""
    groups: list[list[_Move]] = []
    size = MAX_TRANSACTION_ITEMS
    for move in moves:
        count = len(move.actions())
        if size + count > MAX_TRANSACTION_ITEMS:
            groups.append([])
            size = 0
        groups[-1].append(move)
        size += count
    return groups


def _run(moves: Sequence[_Move]) -> tuple[dict[int, CustomerOutcome], list[_Move]]:
    """One transaction: ({index: outcome} decided, moves to send again)."""
    roles: list[tuple[_Move, str]] = []
    actions: list[dict[str, Any]] = []
    for move in moves:
        for role, action in move.actions():
            roles.append((move, role))
            actions.append(action)
    try:
        call_with_retries("transact_write_items", TransactItems=actions)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        return _cancelled(moves, roles, error)
    return {move.index: "created" if move.previous is None else "updated" for move in moves}, []


_SOUND = frozenset({None, "None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
"""Cancellation reasons that say nothing against the item itself: it may simply be sent again."""


def _cancelled(
    moves: Sequence[_Move], roles: Sequence[tuple[_Move, str]], error: ClientError
) -> tuple[dict[int, CustomerOutcome], list[_Move]]:
    reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
    if len(reasons) != len(roles):
        raise error
    decided: dict[int, CustomerOutcome] = {}
    for (move, role), code in zip(roles, reasons, strict=True):
        if code in _SOUND:
            continue
        if code != "ConditionalCheckFailed":
            raise error
        if role == "customer":
            decided[move.index] = "stale"
        elif role == "claim":
            decided.setdefault(move.index, "email_taken")
        else:
            move.release = False  # another customer holds the old email already: nothing of ours to release
    return decided, [move for move in moves if move.index not in decided]


def delete_customer(customer: Customer) -> None:
    """Remove the customer and release its email, together; stamped with its deleter first (see versioned.py)."""
    settings = get_settings()
    call_with_retries(
        "update_item",
        TableName=CUSTOMERS.table,
        Key=CUSTOMERS.key(customer.id),
        UpdateExpression="SET #by = :by",
        ConditionExpression="attribute_exists(id)",
        ExpressionAttributeNames={"#by": codec.CHANGED_BY},
        ExpressionAttributeValues={":by": codec.stamped({}, utc_now())[codec.CHANGED_BY]},
    )
    actions: list[dict[str, Any]] = [{"Delete": {"TableName": CUSTOMERS.table, "Key": CUSTOMERS.key(customer.id)}}]
    if customer.email is not None:
        actions.append(
            {
                "Delete": {
                    "TableName": settings.customer_emails_table,
                    "Key": {"email": {"S": customer.email}},
                    "ConditionExpression": _OWNED_BY_IT,
                    "ExpressionAttributeValues": {":id": {"S": customer.id}},
                }
            }
        )
    call_with_retries("transact_write_items", TransactItems=actions)


# Writes of tagged sources ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Current:
    """A customer as read for a tagged write: the record, its raw item, and each source's last version."""

    customer: Customer | None
    item: dict[str, Any] | None = None
    versions: dict[str, Decimal] = field(default_factory=dict)


def read_current(customer_id: str) -> Current:
    item = call_with_retries(
        "get_item", TableName=CUSTOMERS.table, Key=CUSTOMERS.key(customer_id), ConsistentRead=True
    ).get("Item")
    if item is None:
        return Current(None)
    versions = {source: Decimal(value["N"]) for source, value in item.get(SOURCE_VERSIONS, {}).get("M", {}).items()}
    return Current(CUSTOMERS.from_item(item), item, versions)


def replace_customer(
    customer: Customer, snapshot: Current, source: str, version: Decimal | None
) -> CustomerOutcome | Literal["conflict"]:
    """Write `customer` (already merged with `snapshot`) if the record is still as the snapshot saw it.

    `conflict`: another writer got there first; read again and merge again. The untagged writers' `version_key`
    is carried over untouched, and `source`'s version is recorded (also when nothing else changed).
    """
    settings = get_settings()
    previous = snapshot.item
    item = CUSTOMERS.to_item(customer)
    item.pop("version_key", None)
    if previous is not None and "version_key" in previous:
        item["version_key"] = previous["version_key"]
    versions = dict(previous.get(SOURCE_VERSIONS, {}).get("M", {})) if previous is not None else {}
    if version is not None:
        versions[source] = {"N": str(version)}
    if versions:
        item[SOURCE_VERSIONS] = {"M": versions}
    item = codec.stamped(item, utc_now())
    if (
        previous is not None
        and same_content(previous, item)
        and previous.get(SOURCE_VERSIONS) == item.get(SOURCE_VERSIONS)
    ):
        return "unchanged"
    put_customer: dict[str, Any] = {"TableName": CUSTOMERS.table, "Item": item}
    if previous is None:
        put_customer["ConditionExpression"] = "attribute_not_exists(id)"
    elif "updated_at" in previous:
        put_customer["ConditionExpression"] = "updated_at = :seen"
        put_customer["ExpressionAttributeValues"] = {":seen": previous["updated_at"]}
    else:
        put_customer["ConditionExpression"] = "attribute_exists(id) AND attribute_not_exists(updated_at)"
    owner = {":id": {"S": customer.id}}
    actions: list[dict[str, Any]] = [{"Put": put_customer}]
    new_email: str | None = customer.email
    old_email = previous["email"]["S"] if previous is not None and "email" in previous else None
    claims = new_email is not None and new_email != old_email
    if claims:
        actions.append(
            {
                "Put": {
                    "TableName": settings.customer_emails_table,
                    "Item": {"email": {"S": new_email}, "customer_id": {"S": customer.id}},
                    "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                    "ExpressionAttributeValues": owner,
                }
            }
        )
    if old_email is not None and old_email != new_email:
        actions.append(
            {
                "Delete": {
                    "TableName": settings.customer_emails_table,
                    "Key": {"email": {"S": old_email}},
                    "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                    "ExpressionAttributeValues": owner,
                }
            }
        )
    try:
        call_with_retries("transact_write_items", TransactItems=actions)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
        if reasons[:1] == ["ConditionalCheckFailed"]:
            return "conflict"
        if claims and len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            return "email_taken"
        raise
    if previous is None:
        return "created"
    return "unchanged" if same_content(previous, item) else "updated"
