"""Opaque, tamper-evident paging cursors: where a listing stopped, signed for that listing alone.

A cursor is `<position>.<signature>`: the position (DynamoDB's LastEvaluatedKey, or a shard and the key in it) as
base64url JSON, and an HMAC-SHA256 over the position *and the listing it belongs to* (a table, or one price
list's prices), keyed with this deployment's paging secret (Secrets Manager). So a client cannot depend on a
cursor's shape, and one the API never issued — forged, garbled, edited, or taken from another listing or another
stack — is refused with a 422 after a length check, a pattern match and one HMAC: constant work, never a read.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Any

from tradeprice.data.secrets import cursor_secret
from tradeprice.errors import InvalidInput

_VERSION = "c1"
MAX_CURSOR_LENGTH = 1024
"""A position is a few key attributes (≤ 2 × 1 KB of key in DynamoDB, in practice under 300 characters)."""
_CURSOR = re.compile(r"([A-Za-z0-9_-]{2,976})\.([A-Za-z0-9_-]{43})")


def encode_cursor(listing: str, position: dict[str, Any] | None) -> str | None:
    """The cursor for `position` within `listing` (None at the end of the listing)."""
    if not position:
        return None
    encoded = _b64encode(json.dumps(position, separators=(",", ":"), sort_keys=True).encode())
    return f"{encoded}.{_signature(listing, encoded)}"


def decode_cursor(listing: str, cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor of `listing` names; InvalidInput (422) for any cursor this API did not issue for it."""
    if not cursor:
        return None
    match = _CURSOR.fullmatch(cursor) if len(cursor) <= MAX_CURSOR_LENGTH else None
    if match is None:
        raise _refused("malformed")
    encoded, signature = match.groups()
    if not hmac.compare_digest(_signature(listing, encoded), signature):
        raise _refused("not issued for this listing")
    try:
        position = json.loads(_b64decode(encoded))
    except (ValueError, binascii.Error):  # pragma: no cover - signed by us, so well-formed
        raise _refused("malformed") from None
    if not isinstance(position, dict):  # pragma: no cover - signed by us, so an object
        raise _refused("malformed")
    return position


def looks_issued(cursor: str) -> bool:
    """Whether a cursor has the shape this module issues (the signature is checked where it is decoded)."""
    return len(cursor) <= MAX_CURSOR_LENGTH and _CURSOR.fullmatch(cursor) is not None


def _refused(reason: str) -> InvalidInput:
    return InvalidInput(
        "cursor is not one this API issued for this listing: follow links.next from the previous page",
        [{"field": "cursor", "reason": reason}],
    )


def _signature(listing: str, encoded: str) -> str:
    message = f"{_VERSION}\n{listing}\n{encoded}".encode()
    return _b64encode(hmac.new(cursor_secret(), message, hashlib.sha256).digest())


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
