"""The phases in order, from where the job's state says the last invocation stopped; and a system's native payload,
written in one pass."""

from dataclasses import replace

from aws_lambda_powertools import Logger

from tradeprice.data import objects
from tradeprice.domain.models import ImportCounts, ImportJob
from tradeprice.errors import InvalidFile, NotFound
from tradeprice.logic import import_native
from tradeprice.logic.import_profile import AdapterOptions
from tradeprice.logic.import_run.job import Run
from tradeprice.logic.import_run.remove import remove
from tradeprice.logic.import_run.report import Rejections
from tradeprice.logic.import_run.validate import validate
from tradeprice.logic.import_run.write import write

logger = Logger(child=True)


class ImportRun(Run):
    """One invocation's work on a job it holds: the phases from where the job's state says it stopped."""

    def execute(self) -> ImportJob:
        logger.info(
            "import running", extra={"phase": self.state.phase, "run": self.state.runs, "crashed": self.crashed}
        )
        try:
            if self.state.profile is not None and "resource" in self.state.profile_options:
                return self._native()
            if self.state.phase == "validate" and not validate(self):
                return self.job
            if self.state.phase == "write" and not write(self):
                return self.hand_off()
            if self.state.phase == "remove" and not remove(self):
                return self.hand_off()
        except (InvalidFile, NotFound) as error:
            return self.finish(failure=error.detail)
        return self.finish()

    def _native(self) -> ImportJob:
        """A system's native JSON payload (logic/import_native.py): read whole, mapped and written as the
        integrations API writes it, in one pass; the counts and report rows from its per-record results."""
        job, found = self.job, self.state.profile_options
        assert self.state.profile is not None
        stored = objects.open_object(job.bucket, job.key, job.version_id)
        try:
            body = b"".join(stored.chunks)
        finally:
            stored.close()
        self.bytes_read = len(body)
        payload, lines = import_native.read_payload(job.key, body)
        options = AdapterOptions(
            currency=found.get("currency"),
            currencies=tuple(found.get("currencies") or ()),
            currency_map=dict(found.get("currency_map") or {}),
            price_list=job.price_list,
            tier_names=dict(found.get("tier_names") or {}),
            now=job.created_at,
        )
        applied = import_native.ingest(self.state.profile, str(found["resource"]), payload, options)
        written, unchanged, refused = import_native.outcome(applied, lines)
        rejections = Rejections.new()
        for rejection in refused:
            rejections.add(rejection)
        self.pending.extend(rejections.kept)
        self.counts = ImportCounts(
            rows_read=len(applied.results),
            rows_written=written,
            rows_unchanged=unchanged,
            rows_rejected=rejections.rows,
        )
        total = len(applied.results)
        self.records_done = total
        self.stored = replace(self.stored, state=self.state.model_copy(update={"records_total": total}))
        logger.info("native payload written", extra={"outcome": applied.summary(), "lists": applied.lists_created})
        return self.finish()
