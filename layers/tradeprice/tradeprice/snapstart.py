"""Lambda SnapStart runtime hooks (docs/operations.md, SnapStart).

With SnapStart, Lambda runs a function's initialisation once per published version, snapshots the memory, and
starts new instances by restoring that snapshot. The hooks come from `snapshot_restore_py`, which Lambda's
Python 3.12+ managed runtimes include; elsewhere (tests, the local stack) nothing is snapshotted and
`register` registers nothing.

- Before the snapshot, `prime` does what every instance's first request would otherwise pay for: imports and
  the parsed service models of the clients. It reads no data and no secret.
- After a restore, every instance must become unique again and drop what it may not share: the random
  generator is reseeded (every restored instance would otherwise draw the same backoff jitter), clients and
  their credentials and pooled connections are rebuilt, settings are re-read, and the caches (reference data,
  token secrets) are emptied.
"""

import random
from collections.abc import Callable


def register(prime: Callable[[], None]) -> bool:
    """Register `prime` before the snapshot and `after_restore` after it; False where there is no SnapStart."""
    try:
        from snapshot_restore_py import (  # type: ignore[import-not-found, unused-ignore]
            register_after_restore,
            register_before_snapshot,
        )
    except ImportError:
        return False
    register_before_snapshot(prime)
    register_after_restore(after_restore)
    return True


def after_restore() -> None:
    # Imported here, not at module level: the handler imports this module at cold start, the data layer is
    # deferred to the first request (or `prime`).
    from tradeprice.config import get_settings
    from tradeprice.data import aws, reference_cache, secrets

    random.seed()  # from os.urandom: this instance's own entropy, not the snapshot's
    get_settings.cache_clear()
    aws.forget_clients()
    reference_cache.clear()
    secrets.clear()
