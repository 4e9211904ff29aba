"""File imports end to end in-process: an object in the template's bucket, S3's notification through the import
queue, the import handler, and the job, the stored records and the report that come out.

Files come from the corpus (tests/corpus, each with its expected outcome in tests/unit/test_files.py) and from
events/ (the same JSON `sam local invoke -e` takes).
"""

import io
import json
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from tests.conftest import EVENTS, load_event
from tests.integration.file_imports import (
    job_of,
    make_list,
    put_file,
    report_rows,
    stored_ladder,
)
from tradeprice.data import jobs, reference
from tradeprice.domain.models import BASE_GROUP, CustomerGroup
from tradeprice.logic import catalog, customers
from tradeprice.logic.imports import job_id_for

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


# Triggers ----------------------------------------------------------------------------------------------------------


def test_a_csv_dropped_in_the_bucket_is_imported_through_the_queue(bucket, queue):
    version = put_file(bucket, "imports/prices/trade/prices.csv", (EVENTS / "files" / "prices-long.csv").read_bytes())

    assert queue.drain() == 2  # S3's test event when the notification was configured, then the file's

    job = job_of(bucket, "imports/prices/trade/prices.csv", version)
    assert (job.status, job.started_by, job.version_id) == ("succeeded", "s3", version)
    assert (job.counts.rows_read, job.counts.rows_written, job.counts.rows_rejected) == (5, 5, 0)
    assert job.bytes_read == job.bytes_total == len((EVENTS / "files" / "prices-long.csv").read_bytes())
    assert job.started_at <= job.finished_at
    assert stored_ladder("BOLT-M8") == [(1, "0.48"), (100, "0.44")]
    assert stored_ladder("DRILL-18V") == [(1, "33.61")]
    assert stored_ladder("HAMMER-16OZ") == [(1, "12"), (10, "11.5")]  # 12.00: one canonical form


def test_the_sample_event_with_an_encoded_key_imports_the_right_object(bucket, run_import):
    key = "imports/prices/trade/Trade prices + VAT 2026.csv"
    version = put_file(bucket, key, b"sku,price\nBOLT-M8,0.47\n")
    event = load_event("file_import/sqs-s3-object-created")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"]["versionId"] = version
    event["Records"][0]["body"] = json.dumps(body)

    assert run_import(event) == {"batchItemFailures": []}

    job = jobs.get(job_id_for(bucket, key, version))
    assert (job.status, job.counts.rows_written) == ("succeeded", 1)
    assert stored_ladder("BOLT-M8") == [(1, "0.47")]


def test_a_two_record_batch_reports_only_the_failed_record(bucket, run_import):
    event = load_event("file_import/sqs-s3-two-records")
    bodies = [json.loads(record["body"]) for record in event["Records"]]
    version = put_file(bucket, "imports/prices/trade/a.csv", b"sku,price\nA-1,1.00\n")
    bodies[0]["Records"][0]["s3"]["bucket"]["name"] = bucket
    bodies[0]["Records"][0]["s3"]["object"]["versionId"] = version
    bodies[1]["Records"][0]["s3"]["bucket"]["name"] = "no-such-bucket"  # an AWS error: retried, not a job failure
    for record, body in zip(event["Records"], bodies, strict=True):
        record["body"] = json.dumps(body)

    result = run_import(event)

    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert job_of(bucket, "imports/prices/trade/a.csv", version).status == "succeeded"


def test_bad_rows_are_reported_under_the_files_own_headers_and_good_rows_imported(bucket, queue):
    body = "\r\n".join(
        [
            "SKU,Unit Price,Min Qty",
            "A-1,1.00,1",
            "B-2,abc,1",
            "C-3,-1,1",
            "=HYPERLINK(1),2.00,1",
            "D-4,2.00,5",
            "A-1,0.90,10",
            "A-1,0.80,10",
        ]
    ).encode()
    version = put_file(bucket, "imports/prices/trade/mixed.csv", body)

    queue.drain()

    job = job_of(bucket, "imports/prices/trade/mixed.csv", version)
    assert job.status == "partially_succeeded"
    assert (job.counts.rows_read, job.counts.rows_written, job.counts.rows_rejected) == (7, 3, 4)
    # partly imported is not a failure: the job says what it left out, in words that do not read like one
    assert (job.failure, job.summary) == (None, "4 of 7 rows were rejected; the error report lists them")
    assert job.error_report_key.startswith("reports/prices/trade/mixed.csv.")
    rows = report_rows(job)
    assert [(r["line"], r["column"], r["value"]) for r in rows] == [
        ("3", "Unit Price", "abc"),
        ("4", "Unit Price", "'-1"),  # Excel-safe: a cell starting with - would be a formula
        ("6", "Min Qty", "5"),  # D-4's only row is at 5: its ladder has no quantity-1 tier
        ("8", "Unit Price", "0.80"),
    ]
    assert "no price at quantity 1" in rows[2]["reason"]
    assert (
        rows[3]["reason"] == "A-1 at qty 10 is already priced 0.9 on line 7, which is kept; this row's 0.80 was ignored"
    )
    assert stored_ladder("A-1") == [(1, "1"), (10, "0.9")]
    assert stored_ladder("=HYPERLINK(1)") == [(1, "2")]  # a SKU is data; only the report guards against formulas
    assert stored_ladder("D-4") is None


def test_a_duplicate_delivery_of_one_object_version_imports_once(bucket, run_import, queue):
    version = put_file(bucket, "imports/prices/trade/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    queue.drain()
    first = job_of(bucket, "imports/prices/trade/p.csv", version)
    event = load_event("file_import/sqs-s3-object-created")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"] |= {"key": "imports/prices/trade/p.csv", "versionId": version}
    event["Records"][0]["body"] = json.dumps(body)

    assert run_import(event) == {"batchItemFailures": []}

    assert jobs.get(first.id) == first  # same finish time, same counts: the second delivery did not run


def test_a_delivery_while_another_invocation_holds_the_job_is_skipped(bucket, run_import, monkeypatch):
    from tradeprice.logic.import_run import ImportRun

    seen = []
    original = ImportRun.execute

    def deliver_again_meanwhile(self):
        seen.append(self.job.id)
        if len(seen) == 1:  # S3 sends the event twice; the second copy arrives while the first runs
            assert run_import(event) == {"batchItemFailures": []}
        return original(self)

    monkeypatch.setattr(ImportRun, "execute", deliver_again_meanwhile)
    version = put_file(bucket, "imports/prices/trade/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    event = load_event("file_import/sqs-s3-object-created")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"] |= {"key": "imports/prices/trade/p.csv", "versionId": version}
    event["Records"][0]["body"] = json.dumps(body)

    assert run_import(event) == {"batchItemFailures": []}

    assert len(seen) == 1
    job = job_of(bucket, "imports/prices/trade/p.csv", version)
    assert (job.status, job.counts.rows_written) == ("succeeded", 1)


def test_the_version_is_read_from_the_object_when_the_notification_omits_it(bucket, queue):
    # moto's notifications carry no versionId (the stack fixture does not complete them): the GET names it
    version = put_file(bucket, "imports/prices/trade/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    queue.drain()
    assert job_of(bucket, "imports/prices/trade/p.csv", version).version_id == version


def test_s3_test_event_is_ignored(run_import):
    assert run_import(load_event("file_import/sqs-s3-test-event")) == {"batchItemFailures": []}


def test_a_continuation_for_a_job_that_does_not_exist_is_dropped(stack, run_import):
    assert run_import(load_event("file_import/sqs-import-continuation")) == {"batchItemFailures": []}


def test_a_poison_message_is_retried_then_dead_lettered(stack, queue):
    queue.drain()  # S3's test event
    queue.send("this is not an S3 notification")

    assert queue.drain() == 3  # the template's maxReceiveCount; the next receive moves it to the dead-letter queue

    assert len(queue.failures) == 3
    (dead,) = queue.dead_letters()
    assert dead["Body"] == "this is not an S3 notification"


def test_the_poison_sample_event_fails_the_batch(run_import):
    # Every record of the batch failed: Powertools raises, and Lambda returns the whole batch to the queue
    with pytest.raises(BatchProcessingError, match="All records failed"):
        run_import(load_event("file_import/sqs-poison"))


# What a key and its options say -----------------------------------------------------------------------------------


def test_a_file_for_a_list_that_does_not_exist_fails_its_job_naming_the_list(bucket, queue):
    version = put_file(bucket, "imports/prices/ghost/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    queue.drain()
    job = job_of(bucket, "imports/prices/ghost/p.csv", version)
    assert job.status == "failed"
    assert "price list 'ghost' does not exist" in job.failure
    assert job.counts.rows_written == 0


def test_a_price_file_that_names_no_list_fails(bucket, queue):
    version = put_file(bucket, "imports/prices/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    queue.drain()
    job = job_of(bucket, "imports/prices/p.csv", version)
    assert (job.status, job.counts.rows_read) == ("failed", 0)
    assert "names no price list" in job.failure


def test_a_file_of_an_unknown_kind_fails_its_job(bucket, queue):
    version = put_file(bucket, "imports/invoices/i.csv", b"a,b\n1,2\n")
    queue.drain()
    job = job_of(bucket, "imports/invoices/i.csv", version)
    assert job.status == "failed"
    assert "unknown import kind 'invoices'" in job.failure


def test_a_manifest_is_not_imported_itself_and_sets_its_files_options(bucket, queue):
    make_list("retail")
    put_file(
        bucket, "imports/prices/p.xlsx.manifest.json", json.dumps({"price_list": "trade", "sheet": "Prices"}).encode()
    )
    version = put_file(bucket, "imports/prices/p.xlsx", (CORPUS / "prices.xlsx").read_bytes())

    queue.drain()

    job = job_of(bucket, "imports/prices/p.xlsx", version)
    assert (job.price_list, job.status, job.counts.rows_written) == ("trade", "partially_succeeded", 6)
    assert jobs.get(job_id_for(bucket, "imports/prices/p.xlsx.manifest.json", None)) is None
    assert stored_ladder("BOLT-M8") == [(1, "0.48"), (100, "0.44")]


def test_object_metadata_wins_over_the_manifest(bucket, queue):
    make_list("retail")
    put_file(
        bucket, "imports/prices/p.csv.manifest.json", json.dumps({"price_list": "trade", "mode": "replace"}).encode()
    )
    version = put_file(
        bucket, "imports/prices/p.csv", b"sku,price\nA-1,1.00\n", {"price-list": "retail", "mode": "upsert"}
    )

    queue.drain()

    job = job_of(bucket, "imports/prices/p.csv", version)
    assert (job.price_list, job.mode, job.status) == ("retail", "upsert", "succeeded")
    assert stored_ladder("A-1", "retail") == [(1, "1")]
    assert stored_ladder("A-1", "trade") is None


@pytest.mark.parametrize(
    ("key", "metadata", "manifest", "reason"),
    [
        ("imports/prices/trade/p.csv", {"price-list": "retail"}, None, "under imports/prices/trade/ but its options"),
        ("imports/prices/trade/p.csv", {"kind": "customers"}, None, "under imports/prices/ but its options say kind"),
        ("imports/prices/trade/p.csv", {"mode": "sync"}, None, "mode 'sync' is not one of"),
        ("imports/prices/trade/p.csv", {"force": "maybe"}, None, "force 'maybe' is not true or false"),
        ("imports/customers/c.csv", {"mode": "replace"}, None, "replace is a full sync of one price list"),
        ("imports/customers/c.csv", {}, {"price_list": "trade"}, "a price list applies to price files only"),
        ("imports/prices/trade/p.csv", {}, "[1, 2]", "must be a JSON object"),
    ],
)
def test_options_that_contradict_the_key_or_make_no_sense_fail_the_job(bucket, queue, key, metadata, manifest, reason):
    if manifest is not None:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        put_file(bucket, key + ".manifest.json", text.encode())
    version = put_file(bucket, key, b"sku,price\nA-1,1.00\n", metadata)

    queue.drain()

    job = job_of(bucket, key, version)
    assert job.status == "failed"
    assert reason in job.failure
    assert stored_ladder("A-1") is None


def test_an_xlsx_sheet_named_in_the_metadata_is_read(bucket, queue):
    make_list("trade-eu", "EUR")
    version = put_file(
        bucket, "imports/prices/trade-eu/p.xlsx", (CORPUS / "prices.xlsx").read_bytes(), {"sheet": "EUR"}
    )
    queue.drain()
    job = job_of(bucket, "imports/prices/trade-eu/p.xlsx", version)
    assert (job.status, job.counts.rows_rejected) == ("failed", 1)
    assert [(r["line"], r["column"]) for r in report_rows(job)] == [("2", "valid from")]


def test_the_same_prices_from_an_xlsx_and_then_a_csv_write_nothing_the_second_time(bucket, queue):
    # Given 12.5 and 0.4 imported from an XLSX (Excel stores doubles: the cells read 12.5 and 0.4)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in (["SKU", "Price", "Qty"], ["W-1", 12.5, 1], ["W-1", 0.4, 100]):
        sheet.append(row)
    data = io.BytesIO()
    workbook.save(data)
    first = put_file(bucket, "imports/prices/trade/prices.xlsx", data.getvalue())
    queue.drain()
    assert job_of(bucket, "imports/prices/trade/prices.xlsx", first).counts.rows_written == 2
    stamped = catalog.get_price("trade", "W-1").updated_at

    # When the same prices come as a CSV that writes them 12.50 and 0.400
    second = put_file(bucket, "imports/prices/trade/prices.csv", b"SKU,Price,Qty\r\nW-1,12.50,1\r\nW-1,0.400,100\r\n")
    queue.drain()

    # Then nothing is written, updated_at has not moved, and the price is stored in its one canonical form
    job = job_of(bucket, "imports/prices/trade/prices.csv", second)
    assert (job.status, job.counts.rows_written, job.counts.rows_unchanged) == ("succeeded", 0, 2)
    assert catalog.get_price("trade", "W-1").updated_at == stamped
    assert stored_ladder("W-1") == [(1, "12.5"), (100, "0.4")]


# The corpus, end to end ---------------------------------------------------------------------------------------------


def lists_and_groups() -> None:
    for slug, currency in (("trade", "GBP"), ("trade-eu", "EUR"), ("retail", "GBP")):
        make_list(slug, currency)
    customers.put_group(CustomerGroup(slug="trade", name="Trade", price_lists=["trade"]))
    customers.put_group(CustomerGroup(slug="contractors", name="Contractors", parent="trade"))


CORPUS_IMPORTS = [
    # file, key under imports/, status, (read, written, unchanged, rejected), report (line, column)
    ("excel-cp1252-pounds.csv", "prices/trade/", "partially_succeeded", (5, 4, 0, 1), [("6", "Unit Price")]),
    ("semicolon-decimal-comma.csv", "prices/trade-eu/", "partially_succeeded", (5, 4, 0, 1), [("6", "Price")]),
    ("bom-crlf.csv", "prices/trade/", "succeeded", (3, 3, 0, 0), []),
    ("quoted-newlines.csv", "prices/trade/", "succeeded", (3, 3, 0, 0), []),
    ("formula-cells.csv", "prices/trade/", "partially_succeeded", (5, 3, 0, 2), [("4", "price"), ("5", "price")]),
    ("duplicate-skus.csv", "prices/trade/", "partially_succeeded", (6, 5, 0, 1), [("6", "price")]),
    ("blank-lines.csv", "prices/trade/", "succeeded", (2, 2, 0, 0), []),
    ("extra-columns.csv", "prices/trade/", "succeeded", (2, 2, 0, 0), []),
    ("shifted-cells.csv", "prices/trade/", "partially_succeeded", (4, 2, 0, 2), [("2", "column D"), ("4", "column D")]),
    ("title-row.csv", "prices/trade/", "succeeded", (1, 1, 0, 0), []),
    (
        "tier-columns.csv",
        "prices/trade/",
        "partially_succeeded",
        (6, 2, 0, 4),
        [("4", "Price 3"), ("5", "Qty 2"), ("6", "SKU"), ("7", "Price")],
    ),
    ("tier-plus-headers.tsv", "prices/trade/", "partially_succeeded", (3, 2, 0, 1), [("4", "Price 1+")]),
    ("price-list-column.psv", "prices/trade/", "partially_succeeded", (5, 4, 0, 1), [("5", "Price List")]),
    ("excel-unicode-text.txt", "prices/trade/", "succeeded", (2, 2, 0, 0), []),
    (
        "prices.jsonl",
        "prices/trade/",
        "partially_succeeded",
        (8, 4, 0, 4),
        [("5", "price"), ("6", ""), ("7", ""), ("9", "sku")],
    ),
    ("prices.xlsx", "prices/trade/", "partially_succeeded", (8, 6, 0, 2), [("8", "Unit Price"), ("9", "Min Qty")]),
    ("missing-price-column.csv", "prices/trade/", "failed", (0, 0, 0, 0), []),
    # `trade` exists already with the same definition: unchanged
    ("price-lists.csv", "price-lists/", "partially_succeeded", (3, 1, 1, 1), [("4", "Prices include VAT")]),
    ("customer-groups.csv", "customer-groups/", "partially_succeeded", (3, 2, 0, 1), [("4", "Price Lists")]),
    ("customers.csv", "customers/", "partially_succeeded", (3, 2, 0, 1), [("4", "Email")]),
    ("customers.jsonl", "customers/", "succeeded", (2, 2, 0, 0), []),
    ("product-rules.csv", "product-rules/", "succeeded", (3, 3, 0, 0), []),
]


@pytest.mark.parametrize(("name", "folder", "status", "counts", "report"), CORPUS_IMPORTS)
def test_a_corpus_file_imports_to_its_expected_job(stack, queue, name, folder, status, counts, report):
    lists_and_groups()
    bucket = stack.physical_name("ImportsBucket")
    key = f"imports/{folder}{name}"
    version = put_file(bucket, key, (CORPUS / name).read_bytes())

    queue.drain()

    job = job_of(bucket, key, version)
    assert job.status == status, job.failure
    c = job.counts
    assert (c.rows_read, c.rows_written, c.rows_unchanged, c.rows_rejected) == counts
    assert [(r["line"], r["column"]) for r in report_rows(job)] == report if report else job.error_report_key is None


def test_customer_groups_import_through_the_groups_write_path(stack, queue):
    lists_and_groups()
    bucket = stack.physical_name("ImportsBucket")
    body = b"Group Code,Group Name,Parent Group,Price Lists\nvip,VIP,trade,retail\nghosts,Ghosts,nobody,\n"
    version = put_file(bucket, "imports/customer-groups/g.csv", body)

    queue.drain()

    job = job_of(bucket, "imports/customer-groups/g.csv", version)
    assert (job.status, job.counts.rows_written, job.counts.rows_rejected) == ("partially_succeeded", 1, 1)
    assert [(r["line"], r["column"], r["value"]) for r in report_rows(job)] == [("3", "Parent Group", "nobody")]
    assert customers.get_group("vip").price_lists == ["retail"]


def test_the_corpus_file_without_a_price_column_fails_naming_it(bucket, queue):
    version = put_file(bucket, "imports/prices/trade/m.csv", (CORPUS / "missing-price-column.csv").read_bytes())
    queue.drain()
    assert "missing required column 'price'" in job_of(bucket, "imports/prices/trade/m.csv", version).failure


def test_imported_records_of_every_kind_are_what_the_api_would_store(stack, queue):
    lists_and_groups()
    bucket = stack.physical_name("ImportsBucket")
    for name, folder in (
        ("customers.csv", "customers/"),
        ("product-rules.csv", "product-rules/"),
        ("semicolon-decimal-comma.csv", "prices/trade-eu/"),
    ):
        put_file(bucket, f"imports/{folder}{name}", (CORPUS / name).read_bytes())
    queue.drain()

    customer = reference.get_customer("C-1001")
    assert (customer.email, customer.group, str(customer.discount_percent)) == ("buyer@acme.example", "trade", "2.5")
    assert str(customer.payment_terms.credit_limit) == "5000"
    rules = {rule.sku: rule for rule in reference.get_many(reference.RULES, [("BOLT-M8", BASE_GROUP)])}
    assert (rules["BOLT-M8"].pack_size, rules["BOLT-M8"].sell) == (100, True)
    assert stored_ladder("DRILL-18V", "trade-eu") == [(1, "1234.56")]


def test_the_report_neutralises_formula_cells_for_excel(bucket, queue):
    version = put_file(bucket, "imports/prices/trade/f.csv", (CORPUS / "formula-cells.csv").read_bytes())
    queue.drain()
    rows = report_rows(job_of(bucket, "imports/prices/trade/f.csv", version))
    assert [r["value"] for r in rows] == ["'=1+2", "'-33.61"]
    raw = boto3.client("s3").get_object(
        Bucket=bucket, Key=job_of(bucket, "imports/prices/trade/f.csv", version).error_report_key
    )
    assert b"\r\n" in raw["Body"].read()


@pytest.mark.parametrize("order", ["packs-first", "minimums-first"])
def test_rule_files_from_separate_exports_merge_and_empty_cells_clear(stack, queue, order):
    # Given an export of pack sizes and another of minimums, each with only its own column, in either order
    bucket = stack.physical_name("ImportsBucket")
    files = [("packs.csv", b"SKU,Pack Size\nBOLT-M8,50\nNUT-M8,10\n"), ("minimums.csv", b"SKU,MOQ\nBOLT-M8,100\n")]
    for name, body in files if order == "packs-first" else files[::-1]:
        version = put_file(bucket, f"imports/product-rules/{name}", body)
        queue.drain()
        assert job_of(bucket, f"imports/product-rules/{name}", version).status == "succeeded"
    # Then neither erased the other
    rules = {rule.sku: rule for rule in reference.get_many(reference.RULES, [("BOLT-M8", "base"), ("NUT-M8", "base")])}
    assert (rules["BOLT-M8"].pack_size, rules["BOLT-M8"].min_qty) == (50, 100)
    assert (rules["NUT-M8"].pack_size, rules["NUT-M8"].min_qty) == (10, None)
    # And re-importing one is unchanged, while an empty cell in a column the file has clears the field
    again = put_file(bucket, "imports/product-rules/minimums.csv", b"SKU,MOQ\nBOLT-M8,100\n")
    queue.drain()
    assert job_of(bucket, "imports/product-rules/minimums.csv", again).counts.rows_unchanged == 1
    put_file(bucket, "imports/product-rules/packs.csv", b"SKU,Pack Size\nBOLT-M8,\n")
    queue.drain()
    cleared = reference.get_many(reference.RULES, [("BOLT-M8", "base")])[0]
    assert (cleared.pack_size, cleared.min_qty) == (None, 100)
