"""Webhook signatures: what the webhook function sends and what a receiver checks.

    Tradeprice-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under the shared secret>

The timestamp is signed with the body, so a receiver that refuses old timestamps (five minutes is usual) cannot be
replayed a captured delivery later; the HMAC proves the body came from the holder of the secret, unchanged.
(docs/events.md has the receiver's side as a standalone snippet.)
"""

import hashlib
import hmac

SIGNATURE_HEADER = "Tradeprice-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, now: int, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True when `header` signs `body` under `secret` and its timestamp is within `tolerance` of `now`."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")
