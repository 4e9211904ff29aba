"""API keys: only a hash of each secret is stored; the secret itself is shown once, when the key is made."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data.batch import call_with_retries
from tradeprice.data.codec import CHANGED_BY, stamped
from tradeprice.domain.clock import utc_now


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_id: str
    name: str
    scopes: frozenset[str]
    secret_hash: str
    created_at: datetime
    revoked: bool = False
    source: str | None = None
    """The source its writes come from (`erp`, `platform`, …): field ownership decides what it may write."""


def put(key: StoredKey) -> None:
    call_with_retries(
        "put_item",
        TableName=get_settings().api_keys_table,
        Item=stamped(
            {
                "key_id": {"S": key.key_id},
                "name": {"S": key.name},
                "scopes": {"SS": sorted(key.scopes)},
                "secret_hash": {"S": key.secret_hash},
                "created_at": {"S": key.created_at.isoformat()},
                "revoked": {"BOOL": key.revoked},
                **({"source": {"S": key.source}} if key.source else {}),
            },
            key.created_at,
        ),
        ConditionExpression="attribute_not_exists(key_id)",
    )


def get(key_id: str) -> StoredKey | None:
    item = call_with_retries(
        "get_item", TableName=get_settings().api_keys_table, Key={"key_id": {"S": key_id}}, ConsistentRead=True
    ).get("Item")
    return None if item is None else _from_item(item)


def scan_all() -> list[StoredKey]:
    """Every key, revoked ones included (a merchant has tens of keys, not thousands)."""
    keys: list[StoredKey] = []
    request: dict[str, Any] = {"TableName": get_settings().api_keys_table}
    while True:
        response = call_with_retries("scan", **request)
        keys.extend(_from_item(item) for item in response.get("Items", []))
        if "LastEvaluatedKey" not in response:
            return keys
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _from_item(item: dict[str, Any]) -> StoredKey:
    return StoredKey(
        key_id=item["key_id"]["S"],
        name=item["name"]["S"],
        scopes=frozenset(item["scopes"]["SS"]),
        secret_hash=item["secret_hash"]["S"],
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        revoked=item.get("revoked", {}).get("BOOL", False),
        source=item.get("source", {}).get("S"),
    )


def revoke(key_id: str) -> None:
    call_with_retries(
        "update_item",
        TableName=get_settings().api_keys_table,
        Key={"key_id": {"S": key_id}},
        UpdateExpression="SET revoked = :true, #by = :by",
        ConditionExpression="attribute_exists(key_id)",
        ExpressionAttributeNames={"#by": CHANGED_BY},
        ExpressionAttributeValues={":true": {"BOOL": True}, ":by": stamped({}, utc_now())[CHANGED_BY]},
    )
