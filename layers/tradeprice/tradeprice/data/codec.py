"""Mapping between domain models and DynamoDB items.

Reference records (price lists, groups, customers, rules, jobs) are stored as native attribute maps of the
model's JSON form: decimals travel as strings, so they come back exactly as written. Prices, the hot path of
every lookup, have a compact hand-written codec (prices.py).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from tradeprice.data.batch import Item

M = TypeVar("M", bound=BaseModel)

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(model: BaseModel, **keys: str) -> Item:
    document = model.model_dump(mode="json", exclude_none=True)
    updated_at = getattr(model, "updated_at", None)
    if isinstance(updated_at, datetime):
        document["updated_at"] = timestamp_text(updated_at)
    document.update(keys)
    return {name: _serializer.serialize(value) for name, value in document.items()}


def from_item(model: type[M], item: Item, *, drop: tuple[str, ...] = ()) -> M:
    """Validate an item read back from the table: a malformed item fails loudly here, not in a caller."""
    document = {name: _plain(_deserializer.deserialize(value)) for name, value in item.items() if name not in drop}
    return model.model_validate(document)


def _plain(value: Any) -> Any:
    # The JSON form stores no numbers except ints (quantities); keep them ints, not Decimals.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list):
        return [_plain(element) for element in value]
    if isinstance(value, dict):
        return {key: _plain(element) for key, element in value.items()}
    return value


def source_version_key(version: Any) -> Decimal | None:
    """One comparable number for a source version: a number as is, a time as epoch seconds (microsecond exact)."""
    if version is None:
        return None
    if isinstance(version, Decimal):
        return version
    micros = (version - _EPOCH) // timedelta(microseconds=1)
    return Decimal(micros).scaleb(-6)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp_text(moment: datetime) -> str:
    """How `updated_at` is stored: fixed-width UTC, so string order is time order (`updated_since` filters)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
