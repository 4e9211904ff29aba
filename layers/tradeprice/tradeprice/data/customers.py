"""Customers, with unique emails when they have one (many ERP customers have none).

Uniqueness cannot rest on a secondary index (it is eventually consistent, and two writers could both see an
email free). Each email is instead claimed by an item in the customer-emails table, keyed by the lower-cased
email, written in the same transaction as the customer: a customer whose email another customer holds is
refused, and changing an email moves the claim atomically.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.batch import batch_get, call_with_retries, parallel_map
from tradeprice.data.reference import CUSTOMERS, get
from tradeprice.data.versioned import Outcome, Write, apply
from tradeprice.domain.models import Customer

_NOT_OLDER = "attribute_not_exists(version_key) OR version_key <= :version"

CustomerOutcome = Outcome | Literal["email_taken"]


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
        if previous is not None and _stored_email(previous) == customer.email:
            same_email.append(index)
        else:
            moving.append(index)

    plain = apply(
        CUSTOMERS.table, [_write(customers[i]) for i in same_email], [stored[customers[i].id] for i in same_email]
    )
    for index, plain_outcome in zip(same_email, plain, strict=True):
        outcomes[index] = plain_outcome
    claimed = parallel_map(lambda i: _claim_and_write(customers[i], stored.get(customers[i].id)), moving)
    for index, outcome in zip(moving, claimed, strict=True):
        outcomes[index] = outcome
    return [outcome or "unchanged" for outcome in outcomes]


def _stored_email(item: dict[str, Any]) -> str | None:
    return str(item["email"]["S"]) if "email" in item else None


def _write(customer: Customer) -> Write:
    return Write(CUSTOMERS.key(customer.id), CUSTOMERS.to_item(customer), _version(customer))


def _version(customer: Customer) -> Decimal | None:
    return codec.source_version_key(customer.source_version)


def _claim_and_write(customer: Customer, previous: dict[str, Any] | None) -> CustomerOutcome:
    """One transaction: the customer, the claim on its new email (if any), the release of its old one (if any)."""
    settings = get_settings()
    version = _version(customer)
    stored_version = previous.get("version_key") if previous is not None else None
    if version is not None and stored_version is not None and version < Decimal(stored_version["N"]):
        return "stale"
    put_customer: dict[str, Any] = {"TableName": CUSTOMERS.table, "Item": CUSTOMERS.to_item(customer)}
    if version is not None:
        put_customer["ConditionExpression"] = _NOT_OLDER
        put_customer["ExpressionAttributeValues"] = {":version": {"N": str(version)}}
    owner = {":id": {"S": customer.id}}
    actions: list[dict[str, Any]] = [{"Put": put_customer}]
    if customer.email is not None:
        actions.append(
            {
                "Put": {
                    "TableName": settings.customer_emails_table,
                    "Item": {"email": {"S": customer.email}, "customer_id": {"S": customer.id}},
                    "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                    "ExpressionAttributeValues": owner,
                }
            }
        )
    if previous is not None and _stored_email(previous) is not None:
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
        if customer.email is not None and len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
            return "email_taken"
        raise
    return "created" if previous is None else "updated"


def delete_customer(customer: Customer) -> None:
    """Remove the customer and release its email, together."""
    settings = get_settings()
    actions: list[dict[str, Any]] = [{"Delete": {"TableName": CUSTOMERS.table, "Key": CUSTOMERS.key(customer.id)}}]
    if customer.email is not None:
        actions.append(
            {
                "Delete": {
                    "TableName": settings.customer_emails_table,
                    "Key": {"email": {"S": customer.email}},
                    "ConditionExpression": "attribute_not_exists(email) OR customer_id = :id",
                    "ExpressionAttributeValues": {":id": {"S": customer.id}},
                }
            }
        )
    call_with_retries("transact_write_items", TransactItems=actions)
