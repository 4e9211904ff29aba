"""Files larger than one invocation, and invocations that die mid-file: the import checkpoints, continues and
resumes with no row lost and none written twice, and its counts stay right.

A small chunk (IMPORT_CHUNK_RECORDS) and a tiny per-invocation budget (IMPORT_RUN_BUDGET_SECONDS) make a
hundred-row file span many invocations; a DynamoDB call made to raise kills an invocation mid-chunk.
"""

import json
from urllib.parse import unquote_plus

import pytest

from tests.integration.file_imports import (
    job_of,
    put_file,
    skus_on,
    stored_ladder,
)
from tradeprice.config import get_settings
from tradeprice.data import jobs
from tradeprice.data.aws import dynamodb
from tradeprice.domain.models import Customer, Price, Tier
from tradeprice.logic import catalog, customers
from tradeprice.logic.catalog import PriceWrite

ROWS = 100


class Crash(Exception):
    """What an invocation dying mid-write looks like to the code above the call."""


def settings(monkeypatch, **values: object) -> None:
    """Import settings for one test; the test context's 30 s are never 'short of time' (margin 1 s)."""
    values = {"import_stop_margin_seconds": 1, **values}
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), str(value))
    get_settings.cache_clear()


def price_file(rows: int = ROWS, price: str = "1.00") -> bytes:
    """`rows` rows, two tiers for each of `rows` / 2 SKUs, so rows and records (SKUs) differ."""
    lines = ["sku,price,qty"]
    for n in range(rows // 2):
        lines.append(f"SKU-{n:04d},{price},1")
        lines.append(f"SKU-{n:04d},0.90,10")
    return ("\n".join(lines) + "\n").encode()


def crash_on_batch_write(number: int, *, times: int = 1):
    """Make the `number`-th BatchWriteItem call (and the `times`-1 after it) raise before it is sent."""
    calls = {"n": 0}

    def maybe_crash(**_: object) -> None:
        calls["n"] += 1
        if number <= calls["n"] < number + times:
            raise Crash(f"killed at BatchWriteItem call {calls['n']}")

    dynamodb().meta.events.register_first("provide-client-params.dynamodb.BatchWriteItem", maybe_crash)
    return calls


def test_a_file_larger_than_one_invocation_continues_across_invocations(bucket, queue, write_calls, monkeypatch):
    settings(monkeypatch, import_chunk_records=10, import_run_budget_seconds=0.000001, import_checkpoint_seconds=60)
    version = put_file(bucket, "imports/prices/trade/big.csv", price_file())

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/big.csv", version)
    state = jobs.load(job.id).state
    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_read, job.counts.rows_written, job.counts.rows_unchanged) == (ROWS, ROWS, 0)
    assert state.runs == 5  # 50 SKUs, 10 a chunk, one chunk an invocation
    assert (state.records_done, state.records_total) == (50, 50)
    assert write_calls.items == 50  # every SKU written exactly once
    assert stored_ladder("SKU-0049") == [(1, "1"), (10, "0.9")]
    assert len(skus_on("trade")) == 50


class ShortOfTime:
    """A Lambda context whose remaining time runs out after a few looks at it (each chunk looks once)."""

    function_name = "tradeprice-test"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:tradeprice-test"
    aws_request_id = "short-of-time"

    def __init__(self, looks: int) -> None:
        self.looks = looks

    def get_remaining_time_in_millis(self) -> int:
        self.looks -= 1
        return 600_000 if self.looks >= 0 else 20_000


def test_an_invocation_short_of_lambda_time_stops_at_a_chunk_and_the_next_goes_on(stack, bucket, monkeypatch):
    from tests.integration.file_imports import Queue

    settings(monkeypatch, import_chunk_records=10, import_stop_margin_seconds=30, import_checkpoint_seconds=60)
    version = put_file(bucket, "imports/prices/trade/big.csv", price_file())
    queue = Queue(stack, ShortOfTime(looks=3))  # the lease, then two chunks with time to spare

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/big.csv", version)
    state = jobs.load(job.id).state
    assert (job.status, job.counts.rows_written) == ("succeeded", ROWS)
    # run 1: 3 chunks (the third found under 30 s left); later runs: a chunk each (the context stays short)
    assert state.runs == 3


def test_an_invocation_that_dies_mid_chunk_is_retried_and_resumes_without_losing_or_repeating_a_row(
    bucket, queue, write_calls, monkeypatch
):
    settings(monkeypatch, import_chunk_records=30, import_checkpoint_seconds=0)
    # 50 SKUs in chunks of 30: calls 1-2 are chunk 1 (25 + 5); call 3 (chunk 2's first 20) dies
    calls = crash_on_batch_write(3)
    version = put_file(bucket, "imports/prices/trade/big.csv", price_file())

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/big.csv", version)
    assert job.status == "succeeded", job.failure
    assert len(queue.failures) == 1
    assert jobs.load(job.id).state.last_error == "Crash: killed at BatchWriteItem call 3"
    assert (job.counts.rows_written, job.counts.rows_unchanged, job.counts.rows_rejected) == (ROWS, 0, 0)
    assert jobs.load(job.id).state.runs == 2
    assert calls["n"] == 4
    assert write_calls.items == 50
    assert len(skus_on("trade")) == 50


def test_a_chunk_written_before_the_invocation_died_counts_as_written_not_unchanged(
    bucket, queue, write_calls, monkeypatch
):
    settings(monkeypatch, import_chunk_records=20, import_checkpoint_seconds=0)
    original = jobs.save
    saves = {"n": 0}

    def die_before_the_second_checkpoint(stored):
        if stored.state.records_done == 40 and saves["n"] == 0:
            saves["n"] += 1
            raise Crash("killed between a chunk's writes and its checkpoint")
        return original(stored)

    monkeypatch.setattr(jobs, "save", die_before_the_second_checkpoint)
    version = put_file(bucket, "imports/prices/trade/big.csv", price_file())

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/big.csv", version)
    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_written, job.counts.rows_unchanged) == (ROWS, 0)
    assert write_calls.items == 50  # the replayed chunk found its records written and left them alone


def test_an_invocation_killed_outright_is_resumed_once_its_lease_has_expired(bucket, queue, run_import, monkeypatch):
    from tradeprice.logic import imports

    settings(monkeypatch, import_chunk_records=10, import_checkpoint_seconds=0)

    class Killed(BaseException):
        """Lambda's timeout or an out-of-memory kill: no code of the handler runs after it."""

    chunks = {"n": 0}
    original = catalog.put_prices

    def killed_on_the_third_chunk(slug, writes):
        chunks["n"] += 1
        if chunks["n"] == 3:
            raise Killed
        return original(slug, writes)

    monkeypatch.setattr(catalog, "put_prices", killed_on_the_third_chunk)
    version = put_file(bucket, "imports/prices/trade/big.csv", price_file())
    event = queue.take_event()

    with pytest.raises(Killed):
        run_import(event)
    job_id = job_of(bucket, "imports/prices/trade/big.csv", version).id
    assert jobs.load(job_id).lease_token is not None  # nobody released it

    assert run_import(event) == {"batchItemFailures": []}  # a duplicate while the lease holds: skipped
    assert jobs.get(job_id).status == "running"

    later = jobs.load(job_id).lease_until + 1
    monkeypatch.setattr(imports.time, "time", lambda: later)  # SQS redelivers after the lease (visibility > timeout)
    assert run_import(event) == {"batchItemFailures": []}

    job = jobs.get(job_id)
    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_written, job.counts.rows_unchanged) == (ROWS, 0)
    assert len(skus_on("trade")) == 50


def test_a_replace_that_dies_while_removing_counts_each_removed_sku_once(bucket, queue, monkeypatch):
    settings(monkeypatch, import_chunk_records=5, import_checkpoint_seconds=0)
    old = [
        PriceWrite(i, f"OLD-{i:02d}", Price(price_list="trade", sku=f"OLD-{i:02d}", tiers=[Tier(min_qty=1, price="1")]))
        for i in range(12)
    ]
    keep = [
        PriceWrite(
            i, f"SKU-{i:04d}", Price(price_list="trade", sku=f"SKU-{i:04d}", tiers=[Tier(min_qty=1, price="1.00")])
        )
        for i in range(50)
    ]
    catalog.put_prices("trade", old + [PriceWrite(len(old) + w.index, w.sku, w.price) for w in keep])
    # writing the file: 50 SKUs, 5 a chunk, 1 call each (calls 1-10); removing: 12 SKUs in chunks of 5
    crash_on_batch_write(12)  # the second removal chunk dies before its deletes go out
    version = put_file(bucket, "imports/prices/trade/all.csv", price_file(), {"mode": "replace"})

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/all.csv", version)
    assert job.status == "succeeded", job.failure
    assert len(queue.failures) == 1
    assert (job.counts.rows_written, job.counts.rows_removed) == (ROWS, 12)
    assert skus_on("trade") == {f"SKU-{n:04d}" for n in range(50)}


def test_a_replace_continues_its_removals_in_later_invocations(bucket, queue, monkeypatch):
    settings(monkeypatch, import_chunk_records=4, import_run_budget_seconds=0.000001, import_checkpoint_seconds=60)
    catalog.put_prices(
        "trade",
        [
            PriceWrite(
                i, f"OLD-{i:02d}", Price(price_list="trade", sku=f"OLD-{i:02d}", tiers=[Tier(min_qty=1, price="1")])
            )
            for i in range(9)
        ],
    )
    version = put_file(bucket, "imports/prices/trade/all.csv", price_file(40), {"mode": "replace", "force": "true"})

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/all.csv", version)
    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_written, job.counts.rows_removed) == (40, 9)
    # 20 SKUs in 5 chunks, one an invocation; the fifth goes on to the first 4 removals, then 4 and 1 more
    assert jobs.load(job.id).state.runs == 7
    assert skus_on("trade") == {f"SKU-{n:04d}" for n in range(20)}


def test_customers_continue_across_invocations_through_the_customers_write_path(stack, queue, monkeypatch):
    settings(monkeypatch, import_chunk_records=2, import_run_budget_seconds=0.000001)
    customers.put_customers([(0, Customer(id="C-0", email="c0@example.com"))])
    bucket = stack.physical_name("ImportsBucket")
    body = "\n".join(["id,email"] + [f"C-{n},c{n}@example.com" for n in range(7)]).encode()
    version = put_file(bucket, "imports/customers/c.csv", body)

    queue.drain()

    job = job_of(bucket, "imports/customers/c.csv", version)
    assert (job.status, job.counts.rows_written, job.counts.rows_unchanged) == ("succeeded", 6, 1)
    assert jobs.load(job.id).state.runs == 4
    assert customers.find_customer_by_email("c6@example.com").id == "C-6"


def test_an_import_that_keeps_failing_is_marked_failed_and_its_message_dead_lettered(bucket, queue, monkeypatch):
    crash_on_batch_write(1, times=99)
    version = put_file(bucket, "imports/prices/trade/p.csv", b"sku,price\nA,1.00\n")

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/p.csv", version)
    assert job.status == "failed"
    assert job.failure.startswith("gave up after 3 attempt(s): Crash: killed at BatchWriteItem call 3")
    (dead,) = queue.dead_letters()
    assert unquote_plus(json.loads(dead["Body"])["Records"][0]["s3"]["object"]["key"]) == "imports/prices/trade/p.csv"
