"""Validate a change event's detail against the served AsyncAPI document (its message payload schema)."""

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from tradeprice.api.asyncapi import document, message_name


@cache
def _validator(detail_type: str) -> Draft202012Validator:
    spec = document()
    message = spec["components"]["messages"][message_name(detail_type)]
    # The payload schema refers to "#/components/schemas/...": validate from a root that holds those components.
    schema = {"$ref": message["payload"]["$ref"], "components": spec["components"]}
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid_event(detail_type: str, detail: dict[str, Any]) -> None:
    errors = sorted(_validator(detail_type).iter_errors(detail), key=str)
    assert not errors, f"{detail_type} does not match the AsyncAPI document: {[e.message for e in errors[:5]]}"
