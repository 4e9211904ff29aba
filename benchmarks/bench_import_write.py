"""File imports through the write path against their targets: writes batched at DynamoDB's limit, unchanged rows not
rewritten, memory flat in file size; and whole imports on the local stack.

python -m benchmarks import_write                          # 10k, 100k, 1M rows, then 100k end to end
python -m benchmarks.bench_import_write 10000 250000       # chosen sizes (the end-to-end run stays at 100k)
python -m benchmarks.bench_import_write --large            # 1,000,000 rows through the local stack, with a 60 s
                                                           # per-invocation budget so it checkpoints and continues

Write path: each size is generated (benchmarks.bench_import_parse.generate: an ERP's export, 1–4 breaks per SKU,
a few broken rows), then imported in a fresh interpreter by the import function's handler, invoked as Lambda
would (an SQS event carrying S3's notification), against moto's server in another process, so the importer's peak
RSS is its own. BatchWriteItem calls and the items in them are counted by botocore event hooks on the data layer's
cached client, first into an empty list, then for the same file again (every row unchanged: no writes).

End to end: the local stack (devstack.DevStack: moto's server, the template's bucket, queue and functions) with
the file put in the bucket; the clock runs from the put until every queue is idle. Figures are printed, never
asserted.
"""

import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, cast

from benchmarks.bench_import_parse import generate
from benchmarks.metering import peak_rss_mb, reset_peak_rss

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SIZES = (10_000, 100_000, 1_000_000)
END_TO_END_ROWS = 100_000
LARGE_ROWS = 1_000_000
LARGE_BUDGET_SECONDS = 60
LIST = "bench"


def _paths() -> None:
    for path in (str(ROOT / "layers" / "tradeprice"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


def main(argv: list[str]) -> None:
    _paths()
    if argv[:1] == ["--large"]:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
            large(Path(directory), int(argv[1]) if len(argv) > 1 else LARGE_ROWS)
        return
    sizes = [int(arg.replace("_", "").replace(",", "")) for arg in argv] or list(SIZES)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        write_path(sizes, Path(directory))
        end_to_end(Path(directory), END_TO_END_ROWS)


# Write calls and memory, per size ------------------------------------------------------------------------------


def write_path(sizes: list[int], directory: Path) -> None:
    print("import through the write path (the import handler on moto's server); target: ⌈SKUs written / 25⌉")
    print("BatchWriteItem calls, none for a re-import of the same file, peak RSS flat in file size")
    print(
        f"{'rows':>10} {'SKUs':>8} {'written':>8} {'rejected':>8} {'calls':>7} {'⌈n/25⌉':>7} {'items':>8} "
        f"{'re-import calls':>15} {'unchanged':>9} {'s':>6} {'rows/s':>7} {'peak RSS':>9} {'after imports':>13}"
    )
    for rows in sizes:
        path = directory / f"prices-{rows}.csv"
        generate(path, rows)
        result = _child("write", str(path))
        path.unlink()
        first, again = result["first"], result["again"]
        print(
            f"{first['rows']:>10,} {first['records']:>8,} {first['written_rows']:>8,} {first['rejected']:>8,} "
            f"{first['batch_calls']:>7,} {math.ceil(first['records_written'] / 25):>7,} {first['batch_items']:>8,} "
            f"{again['batch_calls']:>15,} {again['unchanged_rows']:>9,} {first['seconds']:>6.1f} "
            f"{first['rows'] / first['seconds']:>7,.0f} {result['peak_mb']:>6.1f} MB {result['baseline_mb']:>10.1f} MB",
            flush=True,
        )
    print(
        "SKUs written = records (one item each); ⌈n/25⌉ of them is the fewest BatchWriteItem calls possible; "
        "rows/s includes moto answering every call (it is the bottleneck: DynamoDB is not)"
    )


def _child(command: str, *args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_import_write", "--child", command, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the benchmark child failed:\n{completed.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def child_write(path: str) -> None:
    """In its own interpreter: moto's server in a third process, the template deployed there, the file imported
    twice by the handler; one JSON line out."""
    _paths()
    import boto3

    from devstack.infra import deploy
    from devstack.moto_server import MotoServerProcess

    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-2",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            # one invocation does the whole file here: what is counted is batching, not continuation
            "IMPORT_RUN_BUDGET_SECONDS": "0",
        }
    )
    moto = MotoServerProcess("127.0.0.1", 0).start()
    try:
        os.environ["AWS_ENDPOINT_URL"] = moto.endpoint_url
        deployment = deploy(TEMPLATE, stack_name="tradeprice-bench", session=boto3.Session())
        os.environ.update(deployment.merged_environment())
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
        from functions.file_import import app as handler  # imported after the environment is set, as on Lambda
        from tradeprice.data.aws import dynamodb
        from tradeprice.domain.models import PriceList
        from tradeprice.logic import catalog

        reset_peak_rss()
        baseline_kb = peak_rss_mb() * 1024
        catalog.put_price_list(PriceList(slug=LIST, name="Bench", currency="GBP"))
        bucket = deployment.physical_name("ImportsBucket")
        s3 = boto3.client("s3")
        counter = _Counter()
        dynamodb().meta.events.register("provide-client-params.dynamodb.BatchWriteItem", counter.batch)
        results = {}
        for attempt in ("first", "again"):
            key = f"imports/prices/{LIST}/{attempt}.csv"
            with open(path, "rb") as file:
                version = s3.put_object(Bucket=bucket, Key=key, Body=file)["VersionId"]
            counter.reset()
            started = time.perf_counter()
            outcome = handler.lambda_handler(_event(bucket, key, version), cast(Any, _Context()))
            seconds = time.perf_counter() - started
            assert outcome == {"batchItemFailures": []}, outcome
            from tradeprice.data import jobs
            from tradeprice.logic.imports import job_id_for

            stored = jobs.load(job_id_for(bucket, key, version))
            assert stored is not None
            job = stored.job
            results[attempt] = {
                "status": job.status,
                "rows": job.counts.rows_read,
                "written_rows": job.counts.rows_written,
                "unchanged_rows": job.counts.rows_unchanged,
                "rejected": job.counts.rows_rejected,
                "records": stored.state.records_total,
                "records_written": counter.items,
                "batch_calls": counter.calls,
                "batch_items": counter.items,
                "seconds": seconds,
            }
        peak_kb = peak_rss_mb() * 1024
        print(json.dumps({**results, "peak_mb": peak_kb / 1024, "baseline_mb": baseline_kb / 1024}))
    finally:
        moto.stop()


class _Counter:
    """BatchWriteItem calls and their items; the write path calls from worker threads, hence the lock."""

    def __init__(self) -> None:
        self.calls = self.items = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.calls = self.items = 0

    def batch(self, params: dict[str, Any], **_: Any) -> None:
        items = sum(len(requests) for requests in params["RequestItems"].values())
        with self._lock:
            self.calls += 1
            self.items += items


class _Context:
    """A Lambda context with all the time in the world (the write-path benchmark runs one invocation)."""

    function_name = "tradeprice-bench-file-import"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:tradeprice-bench-file-import"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10**9


def _event(bucket: str, key: str, version: str) -> dict[str, Any]:
    notification = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": bucket}, "object": {"key": key, "versionId": version}},
            }
        ]
    }
    return {
        "Records": [
            {
                "messageId": "bench-1",
                "receiptHandle": "bench",
                "body": json.dumps(notification),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:tradeprice-bench-ImportQueue",
                "awsRegion": "eu-west-2",
            }
        ]
    }


# The local stack, end to end -------------------------------------------------------------------------------------


def end_to_end(directory: Path, rows: int, *, budget_seconds: float | None = None) -> dict[str, Any]:
    """Put a generated file in the local stack's bucket and wait for every queue to go idle."""
    from devstack.infra import plan
    from devstack.stack import DevStack
    from tradeprice.config import get_settings

    path = directory / f"e2e-{rows}.csv"
    shape = generate(path, rows)
    saved = {name: os.environ.get(name) for name in ("POWERTOOLS_LOG_LEVEL", "IMPORT_RUN_BUDGET_SECONDS")}
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    if budget_seconds is not None:
        os.environ["IMPORT_RUN_BUDGET_SECONDS"] = str(budget_seconds)
    try:
        # the template sets each function's log level; the figures are what this prints, not their JSON lines
        quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_METRICS_DISABLED": "true"}
        functions = plan(TEMPLATE, region="eu-west-2", account_id="123456789012").functions
        with DevStack(api_port=0, moto_port=0, function_environment=dict.fromkeys(functions, quiet)) as stack:
            _fresh_caches()
            # the functions' loggers were made at the stack's start, at the template's level: quiet them
            for name in [*logging.root.manager.loggerDict, "tradeprice"]:
                if name.startswith("tradeprice"):
                    logging.getLogger(name).setLevel(logging.WARNING)
            from tradeprice.data import jobs
            from tradeprice.domain.models import PriceList
            from tradeprice.logic import catalog
            from tradeprice.logic.imports import job_id_for

            get_settings.cache_clear()
            catalog.put_price_list(PriceList(slug=LIST, name="Bench", currency="GBP"))
            bucket = stack.deployment.physical_name("ImportsBucket")
            key = f"imports/prices/{LIST}/e2e-{rows}.csv"
            started = time.perf_counter()
            with path.open("rb") as file:
                version = stack.client("s3").put_object(Bucket=bucket, Key=key, Body=file)["VersionId"]
            stack.wait_until_idle(timeout=6 * 3600)
            seconds = time.perf_counter() - started
            stored = jobs.load(job_id_for(bucket, key, version))
            assert stored is not None
            job, state = stored.job, stored.state
            rss_mb = peak_rss_mb()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _fresh_caches()
        path.unlink()
    c = job.counts
    elapsed = (job.finished_at - job.started_at).total_seconds() if job.finished_at and job.started_at else seconds
    print(
        f"local stack, {rows:,}-row file ({shape['skus']:,} SKUs) put in the bucket → S3 notification → SQS → import "
        f"function{f' (budget {budget_seconds:g} s an invocation)' if budget_seconds else ''}:"
    )
    print(
        f"  {job.status}: rows read {c.rows_read:,}, written {c.rows_written:,}, unchanged {c.rows_unchanged:,}, "
        f"rejected {c.rows_rejected:,}; {state.records_total:,} SKUs in {state.runs} invocation(s) "
        f"({state.runs - 1} continuation(s) from a checkpoint)"
    )
    print(
        f"  {seconds:.1f} s from the put to an idle queue ({elapsed:.1f} s in the job): "
        f"{c.rows_read / seconds:,.0f} rows/s end to end; peak RSS of the stack's process {rss_mb:.0f} MB"
    )
    return {"job": job, "state": state, "seconds": seconds}


def large(directory: Path, rows: int) -> None:
    print(f"=== {rows:,} rows through the local stack's real path, {LARGE_BUDGET_SECONDS} s per invocation ===")
    end_to_end(directory, rows, budget_seconds=LARGE_BUDGET_SECONDS)


def _fresh_caches() -> None:
    """Clients and settings built before (or inside) a stack must not outlive it, as in a new execution environment."""
    for name, module in list(sys.modules.items()):
        if name == "tradeprice" or name.startswith("tradeprice."):
            for value in list(vars(module).values()):
                if getattr(value, "__module__", None) == name and callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


if __name__ == "__main__":
    if sys.argv[1:3] == ["--child", "write"]:
        child_write(sys.argv[3])
    else:
        main(sys.argv[1:])
