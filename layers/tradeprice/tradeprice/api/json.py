"""JSON in and out with exact decimals: a price never passes through a float.

Reading is bounded before anything is built from the body: its size is counted in UTF-8 bytes (what the client
sent and Lambda carries, not characters), its nesting depth is capped (a 2 KB body of 1,000 `[` would otherwise
exhaust the parser's recursion and every walk over it after), and a string that is not valid Unicode (a lone
UTF-16 surrogate written as `"\\ud800"`) is refused: no store could keep it. Writing never echoes such a string
back raw: a lone surrogate leaves as U+FFFD.
"""

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradeprice.errors import MalformedRequest, PayloadTooLarge

MAX_BODY_BYTES = 5 * 1024 * 1024
"""Below Lambda's 6 MB payload limit: a 1,000-record batch is far smaller."""
MAX_DEPTH = 32
"""Objects and arrays nested at most this deep: the deepest documented body (a customer's address) uses 4."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# json.loads joins an escaped surrogate pair ("\ud83d\ude00") into one code point, so any surrogate left in a
# decoded string stands alone.


def body_bytes(body: str) -> int:
    """The body's size on the wire: UTF-8 bytes (a lone surrogate counts as the 3 bytes it was sent as)."""
    return len(body.encode("utf-8", "surrogatepass"))


def check_size(body: str) -> None:
    """PayloadTooLarge beyond MAX_BODY_BYTES UTF-8 bytes (cheap: most bodies are clearly below it)."""
    size = len(body) if len(body) * 4 <= MAX_BODY_BYTES else body_bytes(body)  # 4 bytes a character at most
    if size > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {size:,} bytes; the limit is {MAX_BODY_BYTES:,}", field="body")


def parse_json(body: str | None) -> Any:
    if body is None or not body.strip():
        raise MalformedRequest("the request needs a JSON body", field="body")
    check_size(body)
    try:
        document = json.loads(body, parse_float=Decimal)
    except RecursionError:
        raise _too_deep() from None
    except ValueError as error:
        raise MalformedRequest(f"the body is not valid JSON: {_printable(str(error))}", field="body") from error
    _check_shape(document)
    return document


def _too_deep() -> MalformedRequest:
    return MalformedRequest(f"the body nests objects or arrays more than {MAX_DEPTH} deep", field="body")


def _check_shape(document: Any) -> None:
    """Refuse nesting beyond MAX_DEPTH and invalid strings, walking iteratively (one pass, no recursion)."""
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise MalformedRequest(
                    "the body holds a string that is not valid Unicode (a lone UTF-16 surrogate such as \\ud800)",
                    field="body",
                )
            continue
        if isinstance(value, dict):
            children: Any = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= MAX_DEPTH:
            raise _too_deep()
        pending.extend((child, depth + 1) for child in children)


def _printable(text: str) -> str:
    """Text safe to send back: a lone surrogate becomes U+FFFD (it cannot be encoded, and must not be echoed)."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_json(document: Any) -> str:
    return _printable(json.dumps(document, default=_default, separators=(",", ":"), ensure_ascii=False))
