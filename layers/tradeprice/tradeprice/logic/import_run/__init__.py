"""One invocation's work on an import job: the three phases over a file (docs/imports.md).

1. validate — the whole file is read and nothing is written: every row the reader or the model refuses goes to the
   error report; the import's effect is compared with what is stored where a guardrail or a dry run needs it (a
   price moving by more than `import_max_price_ratio`, a `replace` removing more than `import_max_remove_share`
   of its list). A dry run ends here with its plan; a guardrail stops the job here, unless forced.
2. write — the file is read again (the same object version, so the same records in the same order) and its valid
   records go to the write path in chunks. After a chunk, the job records how many records are done. An
   invocation short of time stops there and queues a continuation; one that dies mid-chunk is retried by SQS.
   Either way the next invocation skips the records done and writes the rest: nothing is lost, and a record
   written twice is written once (the write path leaves unchanged records alone). After a crash, records the
   write path calls unchanged are checked against their `updated_at`, so one the dead invocation had written
   counts as written, not unchanged.
3. remove — `replace` only, and only when no row of the file was rejected: SKUs of the list the file does not
   name are removed, a chunk at a time; the chunk in flight is recorded first, so a crash cannot lose its count.

A module per phase (validate.py, write.py, remove.py), each a function over the `Run` they share (job.py: the job
this invocation holds, its counts, progress and checkpoint); source.py reads the file, report.py keeps the error
report, run.py puts the phases in order. A package rather than sibling modules in logic/, so the phases' helpers
stay together and out of logic's namespace, and callers import the same names from the same place as before.
"""

from tradeprice.logic.import_run.job import LEASE_GRACE_SECONDS, Budget, JobTaken
from tradeprice.logic.import_run.report import report_key
from tradeprice.logic.import_run.run import ImportRun
from tradeprice.logic.import_run.source import Entry
from tradeprice.logic.import_run.validate import PLAN_COLUMNS

__all__ = ["LEASE_GRACE_SECONDS", "PLAN_COLUMNS", "Budget", "Entry", "ImportRun", "JobTaken", "report_key"]
