"""Customer tokens: short-lived, HMAC-SHA256-signed proof that a browser may look up one customer's prices.

The merchant's server (which holds a read key and knows who is signed in) mints a token for the signed-in trade
customer and hands it to the browser; the browser calls the lookup with `Authorization: Bearer <token>` and is
answered for that customer only. A browser never holds an API key.

Format (compact, URL-safe, no padding), all fields covered by the signature:

    tp1.<kid>.<customer id, base64url>.<expiry, Unix seconds>.<HMAC-SHA256, base64url>

- `kid` names the secret that signed it, so two secrets can be valid while one replaces the other: mint with the
  new kid, verify with both, then retire the old one once its last tokens have expired.
- The expiry is exclusive: a token is valid while now < expiry, the same convention as `valid_until`.
- Verification caps the lifetime too: an expiry further ahead than MAX_TTL_SECONDS (plus CLOCK_SKEW_SECONDS for
  a minting server whose clock runs ahead) is refused, however it was signed, so a leaked secret cannot mint
  tokens that outlive its rotation, and no time outside the calendar reaches the date arithmetic.

Minting from a shell (the secret comes from the environment, never the command line, so it stays out of shell
history and process lists):

    export TRADEPRICE_TOKEN_SECRET=...      # the merchant's signing secret, at least 32 bytes
    export TRADEPRICE_TOKEN_KID=k1          # optional; the id the authorizer knows this secret by (default k1)
    python -m tradeprice.auth.tokens mint --customer C-1001 --ttl 900
    python -m tradeprice.auth.tokens verify tp1.k1....

This module is pure (no AWS): the Lambda authorizer fetches the secrets and calls `verify`.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tradeprice.errors import Unauthorized

VERSION = "tp1"
MAX_TTL_SECONDS = 86_400
"""A day at most: tokens live in browsers, so they should expire within a session (minutes are typical)."""
CLOCK_SKEW_SECONDS = 300
"""How far ahead of the verifier's clock a minting server's clock may run."""
MIN_SECRET_BYTES = 32
"""HMAC-SHA256's full strength needs a key at least as long as its output."""
DEFAULT_KID = "k1"
SECRET_ENV = "TRADEPRICE_TOKEN_SECRET"  # noqa: S105  # nosec B105  # the variable's name, not a secret
KID_ENV = "TRADEPRICE_TOKEN_KID"

_MAX_CUSTOMER_ID = 128
_KID = re.compile(r"[A-Za-z0-9_-]{1,32}")
# One strict pattern up front: anything else is malformed before a byte of it is decoded or hashed.
_TOKEN = re.compile(r"tp1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{2,700})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")
_MAX_TOKEN_LENGTH = 800


@dataclass(frozen=True, slots=True)
class CustomerToken:
    """What a verified token says."""

    customer_id: str
    expires_at: datetime
    kid: str


def mint(
    customer_id: str, ttl_seconds: int, secret: bytes, kid: str = DEFAULT_KID, *, now: datetime | None = None
) -> str:
    """A token for `customer_id`, valid for `ttl_seconds` from `now`, signed with `secret` under `kid`."""
    if not 1 <= len(customer_id) <= _MAX_CUSTOMER_ID or customer_id != customer_id.strip():
        raise ValueError("customer_id must be 1 to 128 characters without surrounding whitespace")
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the signing secret must be at least {MIN_SECRET_BYTES} bytes")
    if not _KID.fullmatch(kid):
        raise ValueError("kid must be 1 to 32 of A-Z a-z 0-9 _ -")
    issued = now if now is not None else datetime.now(UTC)
    if issued.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    expires = int(issued.timestamp()) + ttl_seconds
    signed = f"{VERSION}.{kid}.{_encode(customer_id.encode())}.{expires}"
    return f"{signed}.{_signature(secret, signed)}"


def verify(token: str, secrets: Mapping[str, bytes], now: datetime) -> CustomerToken:
    """The customer a token was minted for, or Unauthorized when it is malformed, forged or expired at `now`."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    match = _TOKEN.fullmatch(token) if len(token) <= _MAX_TOKEN_LENGTH else None
    if match is None:
        raise Unauthorized("the customer token is malformed", reason="malformed_token")
    kid, encoded_customer, expires, signature = match.groups()
    secret = secrets.get(kid)
    if secret is None:
        raise Unauthorized("the customer token was signed with an unknown key", reason="unknown_key")
    signed = token[: match.start(4) - 1]
    if not hmac.compare_digest(_signature(secret, signed), signature):
        raise Unauthorized("the customer token's signature does not match", reason="bad_signature")
    expires_at = int(expires)
    if now.timestamp() >= expires_at:
        raise Unauthorized("the customer token has expired", reason="token_expired")
    if expires_at > now.timestamp() + MAX_TTL_SECONDS + CLOCK_SKEW_SECONDS:
        raise Unauthorized("the customer token lives longer than a token may", reason="lifetime_too_long")
    try:
        customer_id = _decode(encoded_customer).decode()
    except ValueError as error:  # signed by a holder of the secret, yet not what mint() writes
        raise Unauthorized("the customer token is malformed", reason="malformed_token") from error
    return CustomerToken(customer_id=customer_id, expires_at=datetime.fromtimestamp(expires_at, UTC), kid=kid)


def _signature(secret: bytes, signed: str) -> str:
    return _encode(hmac.new(secret, signed.encode(), hashlib.sha256).digest())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Command line -------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # the command line's alone: the authorizer imports this module on its cold path

    parser = argparse.ArgumentParser(
        prog="python -m tradeprice.auth.tokens",
        description=f"Mint or check customer tokens. The secret is read from ${SECRET_ENV}.",
    )
    parser.add_argument("--kid", default=os.environ.get(KID_ENV, DEFAULT_KID), help=f"key id (default ${KID_ENV})")
    commands = parser.add_subparsers(dest="command", required=True)
    minting = commands.add_parser("mint", help="print a token for a customer")
    minting.add_argument("--customer", required=True, help="the customer id the token may look up")
    minting.add_argument("--ttl", type=int, default=900, help="seconds until it expires (default 900)")
    checking = commands.add_parser("verify", help="print what a token says, or why it is refused")
    checking.add_argument("token")
    args = parser.parse_args(argv)

    secret = os.environ.get(SECRET_ENV, "").encode()
    if not secret:
        parser.error(f"set {SECRET_ENV} to the signing secret")
    if args.command == "mint":
        try:
            token = mint(args.customer, args.ttl, secret, args.kid)
        except ValueError as error:
            parser.error(str(error))
        sys.stdout.write(token + "\n")
        return 0
    try:
        verified = verify(args.token, {args.kid: secret}, datetime.now(UTC))
    except Unauthorized as error:
        sys.stderr.write(f"refused: {error.detail}\n")
        return 1
    document = {"customer_id": verified.customer_id, "expires_at": verified.expires_at.isoformat(), "kid": verified.kid}
    sys.stdout.write(json.dumps(document) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
