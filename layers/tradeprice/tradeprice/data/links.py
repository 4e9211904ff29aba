"""Links from a platform's customer id to the tradeprice customer it is (`shopify:706405506930370084` → `C-1001`).

One item per platform customer, keyed `<platform>:<platform id>`, so a webhook finds its customer in one read,
and a storefront can look a customer up by the id it knows. A deleted platform customer leaves a tombstone (the
link with `deleted_version`), so a late retry of an older update cannot bring it back.
"""

from dataclasses import dataclass
from decimal import Decimal

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data.batch import call_with_retries


@dataclass(frozen=True, slots=True)
class Link:
    external_id: str
    customer_id: str
    deleted_version: Decimal | None = None


def external_key(platform: str, platform_id: str) -> str:
    return f"{platform}:{platform_id}"


def get(external_id: str) -> Link | None:
    item = call_with_retries(
        "get_item",
        TableName=get_settings().customer_links_table,
        Key={"external_id": {"S": external_id}},
        ConsistentRead=True,
    ).get("Item")
    if item is None:
        return None
    deleted = item.get("deleted_version")
    return Link(item["external_id"]["S"], item["customer_id"]["S"], Decimal(deleted["N"]) if deleted else None)


def put(link: Link) -> bool:
    """Record a live link; False when a tombstone newer than nothing (any tombstone) or another customer holds it."""
    try:
        call_with_retries(
            "put_item",
            TableName=get_settings().customer_links_table,
            Item={"external_id": {"S": link.external_id}, "customer_id": {"S": link.customer_id}},
            ConditionExpression="attribute_not_exists(external_id) OR customer_id = :id",
            ExpressionAttributeValues={":id": {"S": link.customer_id}},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def tombstone(external_id: str, customer_id: str, version: Decimal) -> None:
    """Mark the platform customer deleted as of `version` (never moving an existing tombstone back in time)."""
    try:
        call_with_retries(
            "put_item",
            TableName=get_settings().customer_links_table,
            Item={
                "external_id": {"S": external_id},
                "customer_id": {"S": customer_id},
                "deleted_version": {"N": str(version)},
            },
            ConditionExpression="attribute_not_exists(deleted_version) OR deleted_version <= :version",
            ExpressionAttributeValues={":version": {"N": str(version)}},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
