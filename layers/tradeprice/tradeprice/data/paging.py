"""Opaque cursors: DynamoDB's LastEvaluatedKey, encoded so clients cannot depend on its shape."""

import base64
import json
from typing import Any

from tradeprice.errors import InvalidInput


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError as error:
        raise InvalidInput("cursor is not one this API issued", [{"field": "cursor", "reason": "malformed"}]) from error
    if not isinstance(decoded, dict):
        raise InvalidInput("cursor is not one this API issued", [{"field": "cursor", "reason": "malformed"}])
    return decoded
