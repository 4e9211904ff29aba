"""What the phases share: the job one invocation holds, its counts and progress, and saving them (the checkpoint)."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger

from tradeprice.config import get_settings
from tradeprice.data import jobs, objects
from tradeprice.data.jobs import JobState, StoredJob
from tradeprice.domain.models import ImportCounts, ImportJob, ImportMode, ImportStatus
from tradeprice.domain.types import utc_now
from tradeprice.errors import Conflict
from tradeprice.files import Rejection
from tradeprice.files.seen import SeenKeys
from tradeprice.logic.import_run.report import merge_report
from tradeprice.logic.import_run.source import Counted, Source

logger = Logger(child=True)

LEASE_GRACE_SECONDS = 60
"""A lease outlives its invocation's remaining time by this much."""


class JobTaken(Exception):
    """Another invocation took the job while this one ran (its checkpoint would overwrite newer work)."""


# Invocation budget -------------------------------------------------------------------------------------------------


class Budget:
    """How long an invocation may keep writing before it checkpoints and hands the job to the next one."""

    def __init__(self, remaining_ms: Callable[[], int], *, run_seconds: float, margin_seconds: float) -> None:
        self._remaining_ms = remaining_ms
        self._run_seconds = run_seconds
        self._margin_ms = margin_seconds * 1000
        self._started = time.monotonic()

    @classmethod
    def of(cls, remaining_ms: Callable[[], int]) -> "Budget":
        settings = get_settings()
        return cls(
            remaining_ms,
            run_seconds=settings.import_run_budget_seconds,
            margin_seconds=settings.import_stop_margin_seconds,
        )

    def lease_seconds(self) -> float:
        return self._remaining_ms() / 1000 + LEASE_GRACE_SECONDS

    def exhausted(self) -> bool:
        if self._remaining_ms() < self._margin_ms:
            return True
        return bool(self._run_seconds) and time.monotonic() - self._started >= self._run_seconds


class Run:
    """One invocation's hold on a job: what the phases read from it, count into it and save to it."""

    def __init__(self, stored: StoredJob, budget: Budget, *, crashed: bool) -> None:
        self.stored = stored
        self.budget = budget
        self.crashed = crashed
        """The previous invocation died mid-write: 'unchanged' may mean 'written by it' (see written_since_start)."""
        self.settings = get_settings()
        self.counts = stored.job.counts
        self.records_done = stored.state.records_done
        self.pending: list[Rejection] = []
        """Rejections from the write path not yet in the report."""
        self.bytes_read = stored.job.bytes_read
        self.file_skus: SeenKeys | None = None
        """The SKUs a replace file names, learnt by the write pass (the remove phase learns them again if it
        starts an invocation)."""
        self._last_save = time.monotonic()

    @property
    def job(self) -> ImportJob:
        return self.stored.job

    @property
    def state(self) -> JobState:
        return self.stored.state

    @contextmanager
    def open(self) -> Iterator[Source]:
        stored = objects.open_object(self.job.bucket, self.job.key, self.job.version_id)
        try:
            counted = Counted(stored.chunks)
            source = Source(self.job, self.state, counted, iter(counted))
            try:
                yield source
            finally:
                source.close()
                self.bytes_read = counted.read
        finally:
            stored.close()

    def count(self, *, written: int = 0, unchanged: int = 0, rejected: int = 0, removed: int = 0) -> None:
        counts = self.counts
        self.counts = counts.model_copy(
            update={
                "rows_written": counts.rows_written + written,
                "rows_unchanged": counts.rows_unchanged + unchanged,
                "rows_rejected": counts.rows_rejected + rejected,
                "rows_removed": counts.rows_removed + removed,
            }
        )

    def progress(self, source: Source) -> None:
        """The validation pass's progress (bytes read), saved now and then."""
        if time.monotonic() - self._last_save < self.settings.import_checkpoint_seconds:
            return
        self.bytes_read = source.counted.read
        self.counts = self.counts.model_copy(update={"rows_read": source.rows_read})
        self.save()

    def checkpoint(self) -> None:
        if time.monotonic() - self._last_save >= self.settings.import_checkpoint_seconds:
            self.save()

    def save(
        self,
        *,
        phase: jobs.Phase | None = None,
        removing: list[str] | None = None,
        handoff: bool = False,
        release: bool = False,
        **job_update: Any,
    ) -> None:
        """Record counts, progress and the checkpoint (and, first, the report rows they count); `release` frees the
        job for the next invocation."""
        if self.pending:
            key = merge_report(self.job, self.pending, self.settings.import_report_max_rows)
            self.stored = replace(self.stored, job=self.job.model_copy(update={"error_report_key": key}))
            self.pending = []
        state_update: dict[str, Any] = {"records_done": self.records_done, "handoff": handoff}
        if phase is not None:
            state_update["phase"] = phase
        if removing is not None:
            state_update["removing"] = removing
        job = self.job.model_copy(update={"counts": self.counts, "bytes_read": self.bytes_read, **job_update})
        stored = replace(self.stored, job=job, state=self.state.model_copy(update=state_update))
        if release:
            stored = replace(stored, lease_token=None, lease_until=None)
        self.stored = self._put(stored)
        self._last_save = time.monotonic()

    def _put(self, stored: StoredJob) -> StoredJob:
        try:
            return jobs.save(stored)
        except Conflict as error:
            raise JobTaken(error.detail) from error

    def hand_off(self) -> ImportJob:
        """Stop cleanly: checkpoint, release the job, queue its continuation."""
        queue_url = self.settings.import_queue_url
        if not queue_url:
            raise RuntimeError("IMPORT_QUEUE_URL is not set: a file that outlasts an invocation cannot continue")
        self.save(handoff=True, release=True)
        jobs.send_continuation(queue_url, self.job.id)
        logger.info(
            "import continues in another invocation",
            extra={"records_done": self.records_done, "records_total": self.state.records_total},
        )
        return self.job

    def finish(self, *, failure: str | None = None) -> ImportJob:
        counts = self.counts
        summary = None
        if failure is not None:
            status = ImportStatus.FAILED
        elif counts.rows_rejected and not (counts.rows_written or counts.rows_unchanged or counts.rows_removed):
            status, failure = ImportStatus.FAILED, "no row of the file could be imported; see the error report"
        elif counts.rows_rejected:
            # A job that imported most of a file did not fail: it says what it left out, and `failure` stays for
            # jobs that did (clients and people alarm on it).
            status, summary = ImportStatus.PARTIALLY_SUCCEEDED, partial_summary(counts, self.job.mode)
        else:
            status = ImportStatus.SUCCEEDED
        self.save(release=True, status=status, failure=failure, summary=summary, finished_at=utc_now())
        logger.info(
            "import finished",
            extra={"status": status, "counts": self.counts.model_dump(), "failure": failure, "summary": summary},
        )
        return self.job

    def abandon(self, error: Exception, *, give_up: bool, attempt: int) -> None:
        """This invocation failed unexpectedly: free the job for the retry (or, out of retries, fail it)."""
        described = f"{type(error).__name__}: {error}"[:500]
        try:
            update: dict[str, Any] = {}
            if give_up:
                update = {
                    "status": ImportStatus.FAILED,
                    "failure": f"gave up after {attempt} attempt(s): {described}",
                    "finished_at": utc_now(),
                }
            self.stored = jobs.save(
                replace(
                    self.stored,
                    job=self.job.model_copy(update=update),
                    state=self.state.model_copy(update={"last_error": described, "handoff": False}),
                    lease_token=None,
                    lease_until=None,
                )
            )
        except Exception:
            logger.exception("could not release the import job after a failure", extra={"job_id": self.job.id})
        logger.error("import invocation failed", extra={"job_id": self.job.id, "error": described, "give_up": give_up})


def partial_summary(counts: ImportCounts, mode: ImportMode) -> str:
    """`3 of 1,200 rows were rejected; the error report lists them` (and, for a replace, that nothing was removed)."""
    rejected, read = counts.rows_rejected, counts.rows_read
    # A native payload counts the records it read but the rows it rejected: "of" only where the two add up.
    rows = f" of {read:,} rows" if read >= rejected else " row" if rejected == 1 else " rows"
    summary = f"{rejected:,}{rows} {'was' if rejected == 1 else 'were'} rejected; the error report lists them"
    if mode is ImportMode.REPLACE:
        summary += ". Nothing was removed: replace removes SKUs only when every row of the file is valid"
    return summary
