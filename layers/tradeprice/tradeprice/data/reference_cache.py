"""The lookup's in-memory copy of the small reference tables (list definitions, customer groups), kept across warm
invocations and labelled with the generation stamp it was loaded under.

A copy is used only while the stamp a lookup has just read (strongly consistently) equals its label; otherwise it
is reloaded. Every write of a cached kind bumps its stamp after the records are written (data/reference.py), and a
copy is always loaded after the stamp that labels it was read, so a copy whose label still matches holds every
write acknowledged before the lookup started: there is no staleness window, only a reload after each change.
Customers, prices and product rules are never cached: every lookup reads them.
"""

from collections.abc import Callable
from threading import Lock
from typing import Any, TypeVar

T = TypeVar("T")

_entries: dict[str, tuple[int, Any]] = {}
_lock = Lock()


def current(kind: str, stamp: int, load: Callable[[], T]) -> T:
    """The copy of `kind` loaded under `stamp` (a generation read before this call), loading it if there is none.

    `load` must read after `stamp` was read: the copy is then at least as new as the stamp says.
    """
    with _lock:
        hit = _entries.get(kind)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    with _lock:
        _entries[kind] = (stamp, value)
    return value


def clear() -> None:
    """Forget every copy (tests; and after a SnapStart restore, so nothing from the snapshot is reused)."""
    with _lock:
        _entries.clear()
