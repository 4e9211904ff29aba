"""JSON in and out with exact decimals: a price never passes through a float."""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeprice.errors import MalformedRequest, PayloadTooLarge

MAX_BODY_BYTES = 5 * 1024 * 1024
"""Below Lambda's 6 MB payload limit: a 1,000-record batch is far smaller."""


def parse_json(body: str | None) -> Any:
    if body is None or not body.strip():
        raise MalformedRequest("the request needs a JSON body", field="body")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {len(body):,} bytes; the limit is {MAX_BODY_BYTES:,}", field="body")
    try:
        return json.loads(body, parse_float=Decimal)
    except ValueError as error:
        raise MalformedRequest(f"the body is not valid JSON: {error}", field="body") from error


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(document: Any) -> str:
    return json.dumps(document, default=_default, separators=(",", ":"), ensure_ascii=False)
