"""Customers, with unique emails.

Uniqueness cannot rest on a secondary index (it is eventually consistent, and two writers could both see an
email free). Each email is instead claimed by an item in the customer-emails table, keyed by the lower-cased
email, written in the same transaction as the customer: a customer whose email another customer holds is
refused, and changing an email moves the claim atomically.

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
from tradeprice.data.batch import batch_get, call_with_retries, parallel_map
from tradeprice.data.reference import CUSTOMERS, get
from tradeprice.data.versioned import Outcome, Write, apply, same_content
from tradeprice.domain.models import Customer
from tradeprice.domain.types import utc_now

_NOT_OLDER = "attribute_not_exists(version_key) OR version_key <= :version"

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


def write_customers(customers: Sequence[Customer]) -> list[CustomerOutcome]:
    """Upsert distinct customers (by id, each email distinct within the call); outcomes in input order."""
    stored = {
        item["id"]["S"]: item
        for item in batch_get(CUSTOMERS.table, [CUSTOMERS.key(customer.id) for customer in customers])
    }
    outcomes: list[CustomerOutcome | None] = [None] * len(customers)
    same_email: list[int] = []
    moving: list[int] = []
    for index, customer in enumerate(customers):
        previous = stored.get(customer.id)
        if previous is not None and previous["email"]["S"] == customer.email:
            same_email.append(index)
        else:
            moving.append(index)

    plain = apply(
        CUSTOMERS.table,
        [_write(customers[i], stored[customers[i].id]) for i in same_email],
        [stored[customers[i].id] for i in same_email],
    )
    for index, plain_outcome in zip(same_email, plain, strict=True):
        outcomes[index] = plain_outcome
    claimed = parallel_map(lambda i: _claim_and_write(customers[i], stored.get(customers[i].id)), moving)
    for index, outcome in zip(moving, claimed, strict=True):
        outcomes[index] = outcome
    return [outcome or "unchanged" for outcome in outcomes]


def _write(customer: Customer, previous: dict[str, Any] | None = None) -> Write:
    return Write(
        CUSTOMERS.key(customer.id), _keep_source_versions(CUSTOMERS.to_item(customer), previous), _version(customer)
    )


def _keep_source_versions(item: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """An untagged write replaces the item; the tagged writers' versions must survive it."""
    if previous is not None and SOURCE_VERSIONS in previous:
        item[SOURCE_VERSIONS] = previous[SOURCE_VERSIONS]
    return item


def _version(customer: Customer) -> Decimal | None:
    return codec.source_version_key(customer.source_version)


def _claim_and_write(customer: Customer, previous: dict[str, Any] | None) -> CustomerOutcome:
    """One transaction: the customer, the claim on its new email, the release of its old one."""
    settings = get_settings()
    version = _version(customer)
    stored_version = previous.get("version_key") if previous is not None else None
    if version is not None and stored_version is not None and version < Decimal(stored_version["N"]):
        return "stale"
    item = codec.stamped(_keep_source_versions(CUSTOMERS.to_item(customer), previous), utc_now())
    put_customer: dict[str, Any] = {"TableName": CUSTOMERS.table, "Item": item}
    if version is not None:
        put_customer["ConditionExpression"] = _NOT_OLDER
        put_customer["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
    owner = {":id": {"S": customer.id}}
    actions: list[dict[str, Any]] = [
        {"Put": put_customer},
        {
            "Put": {
                "TableName": settings.customer_emails_table,
                "Item": {"email": {"S": customer.email}, "customer_id": {"S": customer.id}},
                "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                "ExpressionAttributeValues": owner,
            }
        },
    ]
    if previous is not None:
        actions.append(
            {
                "Delete": {
                    "TableName": settings.customer_emails_table,
                    "Key": {"email": previous["email"]},
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
            return "stale"
        if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            return "email_taken"
        raise
    return "created" if previous is None else "updated"


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
    call_with_retries(
        "transact_write_items",
        TransactItems=[
            {"Delete": {"TableName": CUSTOMERS.table, "Key": CUSTOMERS.key(customer.id)}},
            {
                "Delete": {
                    "TableName": settings.customer_emails_table,
                    "Key": {"email": {"S": customer.email}},
                    "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                    "ExpressionAttributeValues": {":id": {"S": customer.id}},
                }
            },
        ],
    )


# Writes of tagged sources ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A customer as read for a tagged write: the record, its raw item, and each source's last version."""

    customer: Customer | None
    item: dict[str, Any] | None = None
    versions: dict[str, Decimal] = field(default_factory=dict)


def read_snapshot(customer_id: str) -> Snapshot:
    item = call_with_retries(
        "get_item", TableName=CUSTOMERS.table, Key=CUSTOMERS.key(customer_id), ConsistentRead=True
    ).get("Item")
    if item is None:
        return Snapshot(None)
    versions = {source: Decimal(value["N"]) for source, value in item.get(SOURCE_VERSIONS, {}).get("M", {}).items()}
    return Snapshot(CUSTOMERS.from_item(item), item, versions)


def replace_customer(
    customer: Customer, snapshot: Snapshot, source: str, version: Decimal | None
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
