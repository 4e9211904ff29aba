"""Mapping between domain models and DynamoDB items.

Reference records (price lists, groups, customers, rules, jobs) are stored as native attribute maps of the
model's JSON form: decimals travel as strings, so they come back exactly as written. Prices, the hot path of
every lookup, have a compact hand-written codec (prices.py).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from tradeprice.data.batch import Item
from tradeprice.domain.authors import current

if TYPE_CHECKING:  # only models' own methods are called here: the lookup imports this module without pydantic
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def to_item(model: "BaseModel", **keys: str) -> Item:
    document = model.model_dump(mode="json", exclude_none=True)
    updated_at = getattr(model, "updated_at", None)
    if isinstance(updated_at, datetime):
        document["updated_at"] = timestamp_text(updated_at)
    document.update(keys)
    return {name: serialize(value) for name, value in document.items()}


def from_item(model: type[M], item: Item, *, drop: tuple[str, ...] = ()) -> M:
    """Validate an item read back from the table: a malformed item fails loudly here, not in a caller."""
    document = {name: deserialize(value) for name, value in item.items() if name not in drop}
    return model.model_validate(document)


def serialize(value: Any) -> dict[str, Any]:
    """A JSON-form value as a DynamoDB attribute value (what boto3's TypeSerializer does, for JSON types only)."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, int | Decimal):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [serialize(element) for element in value]}
    if isinstance(value, dict):
        return {"M": {str(key): serialize(element) for key, element in value.items()}}
    raise TypeError(f"{type(value).__name__} has no DynamoDB form here")


def deserialize(attribute: dict[str, Any]) -> Any:
    """The inverse of `serialize`; numbers come back as int when whole, else Decimal."""
    ((kind, value),) = attribute.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else number
    if kind == "NULL":
        return None
    if kind == "L":
        return [deserialize(element) for element in value]
    if kind == "M":
        return {key: deserialize(element) for key, element in value.items()}
    if kind == "SS":
        return sorted(value)
    raise TypeError(f"unexpected DynamoDB type {kind}")


def source_version_key(version: Any) -> Decimal | None:
    """One comparable number for a source version: a number as is, a time as epoch seconds (microsecond exact)."""
    if version is None:
        return None
    if isinstance(version, Decimal):
        return version
    micros = (version - _EPOCH) // timedelta(microseconds=1)
    return Decimal(micros).scaleb(-6)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


CHANGED_BY = "changed_by"
"""Every stored record's author and time of its last change (domain/authors.py); deletes stamp it first."""


def stamped(item: Item, at: datetime) -> Item:
    """The item as written now by the current author: its `changed_by` names who and when."""
    return {**item, CHANGED_BY: serialize(current().as_dict() | {"at": timestamp_text(at)})}


def timestamp_text(moment: datetime) -> str:
    """How `updated_at` is stored: fixed-width UTC, so string order is time order (`updated_since` filters)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
