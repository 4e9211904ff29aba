"""Signing secrets of customer tokens, from Secrets Manager, cached briefly in a warm function.

The secret holds JSON `{"<key id>": "<secret>", …}`: two entries while one secret replaces another, so tokens
signed with either verify (docs/operations.md walks through a rotation). A warm function sees a change within
SECRETS_CACHE_SECONDS.
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
_cached: tuple[float, dict[str, bytes]] | None = None
_documents: dict[str, tuple[float, dict[str, str]]] = {}


@cache
def _secretsmanager() -> "SecretsManagerClient":
    return build_client("secretsmanager")  # type: ignore[no-any-return]


def token_secrets() -> dict[str, bytes]:
    global _cached
    with _lock:
        if _cached is not None and _cached[0] > time.monotonic():
            return _cached[1]
    response = _secretsmanager().get_secret_value(SecretId=get_settings().token_secrets_id)
    parsed = json.loads(response["SecretString"])
    secrets = {str(kid): str(secret).encode() for kid, secret in parsed.items()}
    with _lock:
        _cached = (time.monotonic() + SECRETS_CACHE_SECONDS, secrets)
    return secrets


def json_secret(secret_id: str) -> dict[str, str]:
    """A secret holding a JSON object of strings (the platforms' app secrets and API credentials), cached like
    the token secrets, so a rotated value is picked up within SECRETS_CACHE_SECONDS."""
    with _lock:
        cached = _documents.get(secret_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
    response = _secretsmanager().get_secret_value(SecretId=secret_id)
    parsed = json.loads(response["SecretString"])
    document = {str(name): str(value) for name, value in parsed.items()} if isinstance(parsed, dict) else {}
    with _lock:
        _documents[secret_id] = (time.monotonic() + SECRETS_CACHE_SECONDS, document)
    return document


def clear() -> None:
    global _cached
    with _lock:
        _cached = None
        _documents.clear()
        _secretsmanager.cache_clear()
