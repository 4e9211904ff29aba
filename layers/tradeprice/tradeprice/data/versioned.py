"""Writes that respect `source_version`: a write older than what is stored is skipped as `stale`.

Every record is first read (BatchGetItem, 100 keys a call) to tell created / updated / unchanged apart, so an
unchanged record is never rewritten. Writes that carry a version are conditional PutItem / DeleteItem calls
(`version_key <= :new`), so two writers racing on one record cannot let the older version win: the later
conditional write of an older version fails its condition and reports `stale`. Writes without a version are
last-writer-wins and go out as BatchWriteItem, 25 a call. An equal version may overwrite (a retried send).

Every item written carries `changed_by` (who, when: codec.stamped). A delete first stamps the stored item with its
author and then removes it, so the stream's REMOVE record (which has only the old image) still names who deleted.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from botocore.exceptions import ClientError

from tradeprice.data.batch import Item, batch_get, batch_write, call_with_retries, parallel_map
from tradeprice.data.codec import CHANGED_BY, stamped
from tradeprice.domain.clock import utc_now
from tradeprice.domain.records import record

Outcome = Literal["created", "updated", "unchanged", "stale", "deleted"]

VOLATILE = frozenset({"updated_at", "source_version", "version_key", CHANGED_BY, "source_versions"})
"""Attributes that change on every write without changing what a reader sees."""

_NOT_OLDER = "attribute_not_exists(version_key) OR version_key <= :version"


@record
class Write:
    key: Item
    item: Item | None
    """The whole new item, or None to delete the record."""
    version: Decimal | None = None


def key_of(item: Item, key_names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(next(iter(item[name].values())) for name in key_names)


def same_content(stored: Item, new: Item) -> bool:
    return {k: v for k, v in stored.items() if k not in VOLATILE} == {k: v for k, v in new.items() if k not in VOLATILE}


def _stored_version(stored: Item | None) -> Decimal | None:
    return Decimal(stored["version_key"]["N"]) if stored is not None and "version_key" in stored else None


def apply(table: str, writes: Sequence[Write], already_read: Sequence[Item] | None = None) -> list[Outcome]:
    """Apply writes to distinct records of one table; outcomes in input order.

    `already_read`: the records' current items when the caller has just read them (saves reading them again).
    """
    if not writes:
        return []
    key_names = list(writes[0].key)
    if already_read is None:
        # Strongly consistent: an eventually consistent read may miss a write acknowledged a moment ago, and
        # calling a changed record "unchanged" would skip the write that changes it back.
        already_read = batch_get(table, [write.key for write in writes], consistent=True)
    stored_items = {key_of(item, key_names): item for item in already_read}
    outcomes: list[Outcome | None] = [None] * len(writes)
    now = utc_now()
    unconditional_puts: list[Item] = []
    unconditional_deletes: list[Item] = []
    signed_for_deletion: list[Item] = []
    conditional: list[int] = []
    for index, write in enumerate(writes):
        stored = stored_items.get(key_of(write.key, key_names))
        stored_version = _stored_version(stored)
        if write.version is not None and stored_version is not None and write.version < stored_version:
            outcomes[index] = "stale"
            continue
        if write.item is None:
            if stored is None:
                outcomes[index] = "unchanged"
                continue
            outcomes[index] = "deleted"
        elif stored is None:
            outcomes[index] = "created"
        elif same_content(stored, write.item):
            outcomes[index] = "unchanged"
            if write.version is None or write.version == stored_version:
                continue  # nothing to write; a newer version of the same content is still recorded below
        else:
            outcomes[index] = "updated"
        if write.version is not None:
            conditional.append(index)
        elif write.item is None:
            unconditional_deletes.append(write.key)
            signed_for_deletion.append(stamped(stored_items[key_of(write.key, key_names)], now))
        else:
            unconditional_puts.append(stamped(write.item, now))

    # One BatchWriteItem may not name a key twice: the deleter's stamp goes out before the deletes, not beside them.
    batch_write(table, puts=[*unconditional_puts, *signed_for_deletion])
    batch_write(table, deletes=unconditional_deletes)
    for index, written in zip(
        conditional, parallel_map(lambda i: _conditional(table, writes[i], now), conditional), strict=True
    ):
        if not written:
            outcomes[index] = "stale"
    return [outcome or "unchanged" for outcome in outcomes]


def _conditional(table: str, write: Write, now: datetime) -> bool:
    """One conditional write; False when a newer version got there first."""
    values = {":version": {"N": str(write.version)}}
    try:
        if write.item is None:
            call_with_retries(
                "update_item",
                TableName=table,
                Key=write.key,
                UpdateExpression="SET #by = :by",
                # attribute_exists: stamping must not create the item it is about to delete
                ConditionExpression=f"attribute_exists(#key) AND ({_NOT_OLDER})",
                ExpressionAttributeNames={"#by": CHANGED_BY, "#key": next(iter(write.key))},
                ExpressionAttributeValues=values | {":by": stamped({}, now)[CHANGED_BY]},
            )
            call_with_retries(
                "delete_item",
                TableName=table,
                Key=write.key,
                ConditionExpression=_NOT_OLDER,
                ExpressionAttributeValues=values,
            )
        else:
            call_with_retries(
                "put_item",
                TableName=table,
                Item=stamped(write.item, now),
                ConditionExpression=_NOT_OLDER,
                ExpressionAttributeValues=values,
            )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True
