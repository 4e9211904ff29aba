"""Import modes (upsert, replace, dry_run) and the guardrails that stop an import before it writes, unless forced."""

import json
from decimal import Decimal

import pytest

from tests.integration.file_imports import (
    job_of,
    make_list,
    put_file,
    report_rows,
    skus_on,
    stored_ladder,
)
from tradeprice.domain.models import Price, Tier
from tradeprice.domain.types import canonical_decimal
from tradeprice.logic import catalog
from tradeprice.logic.catalog import PriceWrite


def given_prices(prices: dict[str, str], price_list: str = "trade") -> None:
    writes = [
        PriceWrite(index, sku, Price(price_list=price_list, sku=sku, tiers=[Tier(min_qty=1, price=Decimal(price))]))
        for index, (sku, price) in enumerate(prices.items())
    ]
    catalog.put_prices(price_list, writes)


def csv_of(prices: dict[str, str]) -> bytes:
    return ("sku,price\r\n" + "".join(f"{sku},{price}\r\n" for sku, price in prices.items())).encode()


def drop(bucket, queue, body: bytes, metadata: dict[str, str] | None = None, key="imports/prices/trade/p.csv"):
    version = put_file(bucket, key, body, metadata)
    queue.drain()
    return job_of(bucket, key, version)


# upsert ------------------------------------------------------------------------------------------------------------


def test_upsert_is_the_default_and_leaves_skus_absent_from_the_file_alone(bucket, queue):
    given_prices({"A": "1.00", "B": "2.00"})
    job = drop(bucket, queue, csv_of({"A": "1.10", "C": "3.00"}))
    assert (job.mode, job.status) == ("upsert", "succeeded")
    assert (job.counts.rows_written, job.counts.rows_removed) == (2, 0)
    assert skus_on("trade") == {"A", "B", "C"}


def test_a_reimport_of_the_same_file_writes_nothing_and_counts_every_row_unchanged(bucket, queue, write_calls):
    body = csv_of({f"SKU-{n:03d}": f"{n}.50" for n in range(1, 61)})
    first = drop(bucket, queue, body)
    assert (first.counts.rows_written, write_calls.batches) == (60, 3)  # ⌈60/25⌉ BatchWriteItem calls
    write_calls.reset()

    again = drop(bucket, queue, body, key="imports/prices/trade/again.csv")

    assert (again.counts.rows_written, again.counts.rows_unchanged) == (0, 60)
    assert write_calls.batches == write_calls.items == 0


# replace -----------------------------------------------------------------------------------------------------------


def test_replace_removes_the_skus_the_file_does_not_name_after_writing_the_rest(bucket, queue):
    given_prices({"A": "1.00", "B": "2.00", "C": "3.00"})
    job = drop(bucket, queue, csv_of({"A": "1.00", "B": "2.20", "D": "4.00"}), {"mode": "replace"})
    assert (job.mode, job.status) == ("replace", "succeeded")
    c = job.counts
    assert (c.rows_read, c.rows_written, c.rows_unchanged, c.rows_removed) == (3, 2, 1, 1)
    assert skus_on("trade") == {"A", "B", "D"}


def test_replace_removes_nothing_while_any_row_of_the_file_is_rejected(bucket, queue):
    given_prices({"A": "1.00", "B": "2.00", "C": "3.00"})
    job = drop(bucket, queue, csv_of({"A": "1.10", "B": "two pounds"}), {"mode": "replace"})
    assert job.status == "partially_succeeded"
    assert (job.counts.rows_written, job.counts.rows_rejected, job.counts.rows_removed) == (1, 1, 0)
    assert job.failure is None
    assert job.summary == (
        "1 of 2 rows was rejected; the error report lists them. "
        "Nothing was removed: replace removes SKUs only when every row of the file is valid"
    )
    assert skus_on("trade") == {"A", "B", "C"}
    assert stored_ladder("A") == [(1, "1.1")]


def test_replace_syncs_one_list_and_rejects_rows_of_another(bucket, queue):
    make_list("retail")
    given_prices({"A": "1.00"})
    body = b"price_list,sku,price\ntrade,A,1.00\nretail,B,2.00\n"
    job = drop(bucket, queue, body, {"mode": "replace"})
    assert (job.status, job.counts.rows_rejected) == ("partially_succeeded", 1)
    assert [(r["line"], r["column"]) for r in report_rows(job)] == [("3", "price_list")]
    assert "this replace import syncs list 'trade'" in report_rows(job)[0]["reason"]
    assert skus_on("retail") == set()


def test_replace_needs_a_list(bucket, queue):
    job = drop(bucket, queue, b"price_list,sku,price\ntrade,A,1.00\n", {"mode": "replace"}, key="imports/prices/p.csv")
    assert job.status == "failed"
    assert "replace is a full sync of one price list" in job.failure


# dry_run -----------------------------------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_its_plan_lists_each_change_old_to_new(bucket, queue, write_calls):
    given_prices({"A": "1.00", "B": "2.00", "C": "3.00"})
    write_calls.reset()
    manifest = json.dumps({"mode": "dry-run"}).encode()
    put_file(bucket, "imports/prices/trade/p.csv.manifest.json", manifest)

    job = drop(bucket, queue, csv_of({"A": "1.00", "B": "2.20", "D": "4.00", "E": "oops"}))

    assert (job.mode, job.status) == ("dry_run", "partially_succeeded")
    c = job.counts
    assert (c.rows_read, c.rows_written, c.rows_unchanged, c.rows_rejected) == (4, 2, 1, 1)  # what it would do
    assert write_calls.batches == write_calls.items == 0
    assert stored_ladder("B") == [(1, "2")]
    assert stored_ladder("D") is None
    plan = report_rows(job, job_of_plan(job))
    assert [(r["action"], r["line"], r["key"], r["old"], r["new"]) for r in plan] == [
        ("change", "3", "trade/B", "1:2", "1:2.2"),  # prices in their canonical form, as stored
        ("create", "4", "trade/D", "", "1:4"),
    ]
    assert [(r["line"], r["column"], r["value"]) for r in report_rows(job)] == [("5", "price", "oops")]


def job_of_plan(job) -> str:
    from tradeprice.data import jobs

    stored = jobs.load(job.id)
    assert stored is not None
    key = stored.state.plan_report_key
    assert key is not None
    assert key.endswith(".plan.csv")
    return key


def test_a_dry_run_of_a_one_list_file_lists_what_a_replace_would_remove(bucket, queue):
    given_prices({"A": "1.00", "B": "2.00", "C": "3.00"})
    job = drop(bucket, queue, csv_of({"A": "1.00", "B": "2.00"}), {"mode": "dry_run"})
    assert (job.status, job.counts.rows_removed, job.counts.rows_unchanged) == ("succeeded", 1, 2)
    assert [(r["action"], r["line"], r["key"], r["old"]) for r in report_rows(job, job_of_plan(job))] == [
        ("remove", "", "trade/C", "1:3")
    ]
    assert skus_on("trade") == {"A", "B", "C"}


def test_a_dry_run_of_customers_lists_the_fields_that_would_change(stack, queue):
    from tradeprice.domain.models import Customer
    from tradeprice.logic import customers

    customers.put_customers([(0, Customer(id="C-1", email="old@example.com"))])
    bucket = stack.physical_name("ImportsBucket")
    body = b"id,email,company\nC-1,new@example.com,Acme\nC-2,two@example.com,\n"
    job = drop(bucket, queue, body, {"mode": "dry_run"}, key="imports/customers/c.csv")
    assert (job.status, job.counts.rows_written) == ("succeeded", 2)
    assert [(r["action"], r["key"], r["old"], r["new"]) for r in report_rows(job, job_of_plan(job))] == [
        ("change", "C-1", 'email="old@example.com"; company=null', 'email="new@example.com"; company="Acme"'),
        ("create", "C-2", "", ""),
    ]
    assert customers.get_customer("C-1").email == "old@example.com"


# Guardrails --------------------------------------------------------------------------------------------------------


def test_a_x100_slip_stops_the_import_before_anything_is_written(bucket, queue, write_calls, capsys):
    given_prices({"BOLT-M8": "0.48", "DRILL-18V": "33.61", "HAMMER-16OZ": "12.00"})
    write_calls.reset()
    body = b"sku,price,qty\nBOLT-M8,0.50,1\nDRILL-18V,3361,1\nHAMMER-16OZ,12.50,1\nNEW-1,1.00,1\n"
    capsys.readouterr()

    job = drop(bucket, queue, body)

    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("ImportGuardrailStops") == [1.0] and m.get("ImportsFailed") == [1.0] for m in emitted)

    assert job.status == "failed"
    assert "stopped before writing anything: 1 price(s) would move by more than ×5" in job.failure
    assert write_calls.items == 0
    assert stored_ladder("BOLT-M8") == [(1, "0.48")]
    assert stored_ladder("NEW-1") is None
    (row,) = report_rows(job)
    assert (row["line"], row["column"], row["value"]) == ("3", "price", "3361")
    assert "changes ×100 (33.61 → 3361)" in row["reason"]


def test_the_corpus_x100_slip_file_is_stopped_then_imports_when_forced(bucket, queue):
    from pathlib import Path

    given_prices({"BOLT-M8": "0.48", "DRILL-18V": "33.61", "HAMMER-16OZ": "12.00"})
    body = (Path(__file__).resolve().parents[1] / "corpus" / "x100-slip.csv").read_bytes()

    stopped = drop(bucket, queue, body)
    forced = drop(bucket, queue, body, {"force": "true"}, key="imports/prices/trade/again.csv")

    assert stopped.status == "failed"
    assert (forced.status, forced.counts.rows_written, forced.counts.rows_unchanged) == ("succeeded", 1, 2)
    assert stored_ladder("DRILL-18V") == [(1, "3361")]


@pytest.mark.parametrize(("old", "new"), [("33.61", "0.3361"), ("12.00", "0"), ("0.48", "2.50")])
def test_the_ratio_guard_catches_slips_both_ways_and_prices_going_to_zero(bucket, queue, old, new):
    given_prices({"A": old})
    job = drop(bucket, queue, csv_of({"A": new}))
    assert job.status == "failed"
    assert stored_ladder("A") == [(1, str(canonical_decimal(Decimal(old))))]


def test_the_ratio_guard_lets_ordinary_price_changes_through(bucket, queue):
    given_prices({"A": "10.00", "B": "10.00"})
    job = drop(bucket, queue, csv_of({"A": "49.99", "B": "2.01"}))
    assert job.status == "succeeded"


def test_the_ratio_limit_comes_from_the_environment(bucket, queue, monkeypatch):
    from tradeprice.config import get_settings

    monkeypatch.setenv("IMPORT_MAX_PRICE_RATIO", "1.5")
    get_settings.cache_clear()
    given_prices({"A": "10.00"})
    job = drop(bucket, queue, csv_of({"A": "16.00"}))
    assert "more than ×1.5" in job.failure


def test_a_replace_that_would_remove_most_of_the_list_stops_unless_forced(bucket, queue):
    given_prices(dict.fromkeys("ABCDEFGHIJ", "1.00"))
    body = csv_of({"A": "1.00", "B": "1.00", "C": "1.00", "D": "1.00"})

    stopped = drop(bucket, queue, body, {"mode": "replace"})

    assert stopped.status == "failed"
    assert "replace would remove 6 of the 10 SKUs on 'trade' (60%, more than the 50% allowed)" in stopped.failure
    assert len(skus_on("trade")) == 10

    forced = drop(bucket, queue, body, {"mode": "replace", "force": "yes"}, key="imports/prices/trade/again.csv")

    assert (forced.status, forced.counts.rows_removed) == ("succeeded", 6)
    assert skus_on("trade") == {"A", "B", "C", "D"}


def test_a_dry_run_says_a_guardrail_would_stop_the_import(bucket, queue):
    given_prices({"A": "33.61"})
    job = drop(bucket, queue, csv_of({"A": "3361"}), {"mode": "dry_run"})
    assert job.status == "failed"
    assert job.failure.startswith("the import would stop before writing")
    assert [r["action"] for r in report_rows(job, job_of_plan(job))] == ["change"]
