"""API keys: `tp_<key id>_<secret>`, scoped `write`, `read` and/or `admin`.

The secret is 32 random bytes, so a plain SHA-256 of it is a safe thing to store (no password stretching needed
for a value nobody chose); verification compares in constant time. Create one with `make key` or
`python -m tradeprice.logic.keys create --name erp --scopes write`.
"""

import hashlib
import hmac
import re
import secrets
import sys
from typing import TYPE_CHECKING

from tradeprice.data import keys as key_store
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.clock import utc_now
from tradeprice.errors import NotFound

if TYPE_CHECKING:
    import argparse

SCOPES = ("write", "read", "admin")
_KEY = re.compile(r"^tp_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def create_key(name: str, scopes: set[str], source: str | None = None) -> str:
    """Make a key and return it: this is the only time its secret exists outside the caller's hands.

    `source` tags the key's writes (`erp`, `platform`, …) for field ownership (docs/field-ownership.md).
    """
    return issue_key(name, scopes, source)[1]


def issue_key(name: str, scopes: set[str], source: str | None = None) -> tuple[key_store.StoredKey, str]:
    """Make a key: its stored record (the secret's hash only) and the key itself, to be shown once."""
    unknown = scopes - set(SCOPES)
    if not scopes or unknown:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}")
    if source is not None and not _SOURCE.match(source):
        raise ValueError("source must be lower case letters, digits, - or _ (e.g. erp, platform)")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    stored = key_store.StoredKey(key_id, name, frozenset(scopes), _hash(secret), utc_now(), source=source)
    key_store.put(stored)
    return stored, f"tp_{key_id}_{secret}"


def list_keys() -> list[key_store.StoredKey]:
    """Every key, newest first (revoked ones too, marked so)."""
    return sorted(key_store.scan_all(), key=lambda key: key.created_at, reverse=True)


def revoke_key(key_id: str) -> None:
    """Revoke a key at once for new requests (API Gateway may honour a cached answer for up to 5 minutes)."""
    if not re.fullmatch(r"[a-z0-9]{12}", key_id) or key_store.get(key_id) is None:
        raise NotFound(f"no API key with id {key_id!r}", key_id=key_id)
    key_store.revoke(key_id)


def verify_key(presented: str) -> key_store.StoredKey | None:
    """The stored key a presented value proves, or None (malformed, unknown, revoked or wrong secret)."""
    match = _KEY.match(presented)
    if match is None:
        return None
    stored = key_store.get(match.group(1))
    if stored is None or stored.revoked:
        return None
    return stored if hmac.compare_digest(stored.secret_hash, _hash(match.group(2))) else None


def main(argv: list[str] | None = None) -> int:
    import argparse  # the command line's alone: the authorizer imports this module on its cold path

    parser = argparse.ArgumentParser(prog="tradeprice-keys", description="Manage tradeprice API keys.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--name", required=True, help="who holds it, e.g. 'erp' or 'storefront'")
    create.add_argument("--scopes", required=True, help="comma-separated: write,read,admin")
    create.add_argument("--source", help="the source its writes come from, for field ownership (e.g. erp)")
    revoke = commands.add_parser("revoke", help="revoke a key by its id (the part after tp_)")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    with acting_as(Author("system", "keys-cli")):
        return _run(args)


def _run(args: "argparse.Namespace") -> int:
    if args.command == "create":
        scopes = {scope.strip() for scope in args.scopes.split(",") if scope.strip()}
        key = create_key(args.name, scopes, args.source)
        sys.stdout.write(f"{key}\nStore it now: only its hash is kept, it cannot be shown again.\n")
    else:
        key_store.revoke(args.key_id)
        sys.stdout.write(f"revoked {args.key_id}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
