"""A short-lived in-function cache of reference records, so a warm lookup reads only prices and rules.

Staleness: a change to a price list definition, customer group or customer is seen by a warm function at most
`reference_cache_seconds` later (default 30 s). Prices and product rules are never cached.
"""

import time
from collections.abc import Callable
from threading import Lock
from typing import Any, TypeVar

from tradeprice.config import get_settings

T = TypeVar("T")

_entries: dict[tuple[str, str], tuple[float, Any]] = {}
_lock = Lock()


def cached(kind: str, key: str, load: Callable[[], T]) -> T:
    ttl = get_settings().reference_cache_seconds
    now = time.monotonic()
    with _lock:
        hit = _entries.get((kind, key))
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    if ttl > 0:
        with _lock:
            _entries[(kind, key)] = (now + ttl, value)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
