"""Secrets from Secrets Manager, cached briefly in a warm function.

- The customer-token signing secrets hold JSON `{"<key id>": "<secret>", …}`: two entries while one secret
  replaces another, so tokens signed with either verify (docs/operations.md walks through a rotation).
- The paging-cursor secret is one random string that signs the `cursor` of list endpoints.
- The storefront platforms' secrets hold JSON objects of strings (`json_secret`): Shopify's app secret,
  BigCommerce's webhook shared secret and its API credentials.

A warm function sees a change within SECRETS_CACHE_SECONDS.
"""

import json
import time
from functools import cache
from threading import Lock
from typing import TYPE_CHECKING

from tradeprice.config import get_settings
from tradeprice.data.aws import build_client

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRETS_CACHE_SECONDS = 300

_lock = Lock()
_cached: dict[str, tuple[float, str]] = {}


@cache
def _secretsmanager() -> "SecretsManagerClient":
    return build_client("secretsmanager")  # type: ignore[no-any-return]


def _secret_string(secret_id: str) -> str:
    with _lock:
        entry = _cached.get(secret_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
    value = _secretsmanager().get_secret_value(SecretId=secret_id)["SecretString"]
    with _lock:
        _cached[secret_id] = (time.monotonic() + SECRETS_CACHE_SECONDS, value)
    return value


def token_secrets() -> dict[str, bytes]:
    parsed = json.loads(_secret_string(get_settings().token_secrets_id))
    return {str(kid): str(secret).encode() for kid, secret in parsed.items()}


def cursor_secret() -> bytes:
    return _secret_string(get_settings().cursor_secret_id).encode()


def json_secret(secret_id: str) -> dict[str, str]:
    parsed = json.loads(_secret_string(secret_id))
    return {str(name): str(value) for name, value in parsed.items()} if isinstance(parsed, dict) else {}


def clear() -> None:
    with _lock:
        _cached.clear()
        _secretsmanager.cache_clear()
