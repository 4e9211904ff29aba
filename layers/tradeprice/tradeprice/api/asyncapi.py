"""The AsyncAPI 3 document of the change events, generated from the record models like the OpenAPI document.

Each detail-type of the catalogue (logic/changes.EVENT_TYPES) is a channel with one message, whose payload is the
event's `detail` (what an EventBridge rule matches on and the webhook delivers inside the EventBridge envelope).
Records appear in `before`/`after` in their JSON form, so their schemas are the record models' serialization
schemas. A test validates every event the change-stream function emits against this document.
"""

from functools import cache
from typing import Any, get_args

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from tradeprice.domain.authors import AuthorKind
from tradeprice.domain.models import Customer, CustomerGroup, Price, PriceList, ProductRule

VERSION = "1.0.0"

_RECORDS: dict[str, tuple[str, str, dict[str, Any]]] = {
    # record kind: (detail-type, record schema, key schema properties)
    "price": ("prices.changed", "Price", {"price_list": {"type": "string"}, "sku": {"type": "string"}}),
    "price_list": ("price_lists.changed", "PriceList", {"slug": {"type": "string"}}),
    "customer_group": ("customer_groups.changed", "CustomerGroup", {"slug": {"type": "string"}}),
    "customer": ("customers.changed", "Customer", {"id": {"type": "string"}}),
    "product_rule": ("product_rules.changed", "ProductRule", {"group": {"type": "string"}, "sku": {"type": "string"}}),
    "api_key": ("api_keys.changed", "ApiKey", {"key_id": {"type": "string"}}),
}
_MODELS: tuple[type[BaseModel], ...] = (Price, PriceList, CustomerGroup, Customer, ProductRule)

_API_KEY = {
    "type": "object",
    "title": "ApiKey",
    "description": "An API key as events show it: never its secret or the secret's hash.",
    "additionalProperties": False,
    "required": ["key_id", "name", "scopes", "created_at", "revoked"],
    "properties": {
        "key_id": {"type": "string"},
        "name": {"type": "string"},
        "scopes": {"type": "array", "items": {"enum": ["admin", "read", "write"]}},
        "created_at": {"type": "string", "format": "date-time"},
        "revoked": {"type": "boolean"},
    },
}
_AUTHOR = {
    "type": "object",
    "title": "Author",
    "description": "Who made the change: an API key, an import job, an integration (with the key's name), or a "
    "system actor. `request` is the API request or import job the change belongs to (what groups events).",
    "additionalProperties": False,
    "required": ["kind", "id"],
    "properties": {
        "kind": {"enum": list(get_args(AuthorKind))},
        "id": {"type": "string"},
        "name": {"type": "string"},
        "request": {"type": "string"},
    },
}
_TIME = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _change(kind: str, record: str, key: dict[str, Any]) -> dict[str, Any]:
    nullable_record = {"anyOf": [_ref(record), {"type": "null"}]}
    return {
        "type": "object",
        "title": f"{record}Change",
        "additionalProperties": False,
        "required": ["key", "change", "at", "changed_by", "before", "after"],
        "properties": {
            "key": {"type": "object", "additionalProperties": False, "required": list(key), "properties": key},
            "change": {"enum": ["created", "updated", "deleted"]},
            "at": _TIME,
            "changed_by": _ref("Author"),
            "before": {**nullable_record, "description": "null when created"},
            "after": {**nullable_record, "description": "null when deleted"},
        },
    }


def _detail(kind: str, detail_type: str, record: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "stable across redeliveries"},
        "type": {"const": detail_type},
        "record": {"const": kind},
        "changed_by": _ref("Author"),
        "truncated": {
            "type": "boolean",
            "description": "true: a pointer, naming no changes; this request or job changed more than the detailed "
            "events said, re-read them through links.changed_since (and links.job)",
        },
        "count": {"type": "integer", "minimum": 0, "maximum": 500},
        "changes": {"type": "array", "maxItems": 500, "items": _ref(f"{record}Change")},
        "links": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "job": {"type": "string", "description": "the import job, when an import made the changes"},
                "changed_since": {"type": "string", "description": "a listing of what changed (pointers only)"},
            },
        },
    }
    required = ["id", "type", "record", "changed_by", "truncated", "count", "changes", "links"]
    if kind == "price":
        properties["price_list"] = {"type": "string", "description": "the list every change of this event is on"}
        required.append("price_list")
    return {
        "type": "object",
        "title": f"{detail_type} detail",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def message_name(detail_type: str) -> str:
    first, rest = detail_type.split(".")
    return "".join(part.capitalize() for part in first.split("_")) + rest.capitalize()


@cache
def document() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [(model, "serialization") for model in _MODELS], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["ApiKey"] = _API_KEY
    schemas["Author"] = _AUTHOR
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for kind, (detail_type, record, key) in _RECORDS.items():
        name = message_name(detail_type)
        schemas[f"{record}Change"] = _change(kind, record, key)
        schemas[name] = _detail(kind, detail_type, record)
        messages[name] = {
            "name": detail_type,
            "title": f"{detail_type}",
            "summary": f"{record} records created, updated or deleted, with before, after, when and who.",
            "contentType": "application/json",
            "payload": _ref(name),
        }
        channels[detail_type] = {
            "address": detail_type,
            "title": detail_type,
            "description": f"EventBridge events with source `tradeprice` and detail-type `{detail_type}`; the "
            "payload is the event's `detail`.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"receive{name}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{detail_type}"},
            "messages": [{"$ref": f"#/channels/{detail_type}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "tradeprice change events",
            "version": VERSION,
            "description": "Every change to prices, lists, groups, customers, rules and keys, published on the "
            "stack's EventBridge bus (and, optionally, POSTed to a signed webhook). Changes of one API request or "
            "import job are grouped: see docs/events.md.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "bus": {
                "host": "events.amazonaws.com",
                "protocol": "https",
                "description": "The stack's EventBridge bus, <stack>-events; subscribe with a rule.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
