"""The sync log: what an ERP sent wrong, kept where merchant staff can read it (GET /v1/sync-log, the console).

Every API batch with a rejected record is written down with who sent it, the route, and the first rejected
records with their errors. It is a convenience beside the batch's own answer (which the sender already got):
if writing it fails, the batch's answer is unchanged and the failure is only logged.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from tradeprice.config import get_settings
from tradeprice.data import sync_log as store
from tradeprice.data.sync_log import SyncBatch
from tradeprice.domain.types import utc_now
from tradeprice.logic.records import RecordResult

logger = logging.getLogger(__name__)

MAX_RECORDS_KEPT = 50
"""Rejected records kept per batch (the count is always complete)."""


def record_rejections(sender: str, method: str, route: str, results: Sequence[RecordResult]) -> SyncBatch | None:
    rejected = [result for result in results if result.status == "error"]
    if not rejected:
        return None
    batch = SyncBatch(
        id=uuid.uuid4().hex,
        at=utc_now(),
        principal=sender,
        method=method,
        route=route,
        records=len(results),
        rejected_count=len(rejected),
        rejected=[
            {"index": result.index, "key": result.key, "errors": result.errors[:10]}
            for result in rejected[:MAX_RECORDS_KEPT]
        ],
    )
    try:
        store.put(batch, get_settings().sync_log_days)
    except Exception:  # the batch is written and answered whatever happens here
        logger.warning("sync log entry not written", exc_info=True)
        return None
    return batch


def recent(limit: int, cursor: str | None, since: datetime | None = None) -> tuple[list[SyncBatch], str | None]:
    """Newest first; with `since`, only batches at or after it."""
    batches, next_cursor = store.recent(utc_now(), get_settings().sync_log_days, limit, cursor)
    if since is None:
        return batches, next_cursor
    kept = [batch for batch in batches if batch.at >= since]
    return kept, next_cursor if len(kept) == len(batches) else None
