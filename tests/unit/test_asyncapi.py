"""The AsyncAPI 3 document: one channel, message and operation per event type, each reference resolving, each
payload a valid JSON Schema; and the catalogue the code publishes is exactly the one documented."""

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.asyncapi_validation import assert_valid_event
from tradeprice.api.asyncapi import document
from tradeprice.logic.changes import EVENT_TYPES


def _resolve(spec: dict[str, Any], reference: str) -> Any:
    node: Any = spec
    for part in reference.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _references(value)]
    return []


def test_it_is_asyncapi_3_with_a_channel_per_event_type_the_code_publishes() -> None:
    spec = document()
    assert spec["asyncapi"] == "3.0.0"
    assert set(spec["channels"]) == set(EVENT_TYPES.values())
    for name, operation in spec["operations"].items():
        assert operation["action"] == "receive", name


def test_every_reference_resolves() -> None:
    spec = document()
    for reference in _references(spec):
        assert reference.startswith("#/"), reference
        assert _resolve(spec, reference) is not None


def test_every_payload_is_a_valid_json_schema() -> None:
    spec = document()
    for schema in spec["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "detail",
    [
        {"record": "price"},  # nothing else: the required fields are missing
        {
            "id": "0" * 32,
            "type": "prices.changed",
            "record": "price",
            "price_list": "trade",
            "changed_by": {"kind": "api_key", "id": "k1"},
            "truncated": False,
            "count": 1,
            "changes": [{"key": {"sku": "A"}, "change": "renamed"}],
            "links": {},
        },
    ],
    ids=["empty", "unknown change"],
)
def test_a_malformed_event_does_not_validate(detail: dict[str, Any]) -> None:
    with pytest.raises(AssertionError):
        assert_valid_event("prices.changed", detail)
