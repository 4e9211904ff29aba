"""File imports: an object in the bucket, its S3 notification through SQS, the import handler."""

import csv
import io
import json
from typing import Any

import boto3
import pytest

from tests.conftest import EVENTS, load_event
from tradeprice.data import jobs
from tradeprice.data import prices as price_store
from tradeprice.logic.imports import job_id_for


@pytest.fixture
def bucket(stack, call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    return stack.physical_name("ImportsBucket")


def put_file(bucket, key, body: bytes) -> str:
    return boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]


def notification_event(stack) -> dict[str, Any]:
    """The message S3 really sent to the import queue, as Lambda's SQS event source would hand it over."""
    sqs = boto3.client("sqs")
    queue_url = stack.queue_urls["ImportQueue"]
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    records = []
    for message in received:
        if "s3:TestEvent" in message["Body"]:
            continue
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-2:123456789012:ImportQueue",
                "awsRegion": "eu-west-2",
            }
        )
    return {"Records": records}


def stored_price(sku):
    item = price_store.get_many([("trade", sku)]).get(("trade", sku))
    return price_store.from_item(item) if item else None


def test_a_csv_dropped_in_the_bucket_is_imported_through_the_queue(stack, bucket, run_import):
    put_file(bucket, "imports/prices/trade/prices.csv", (EVENTS / "files" / "prices-long.csv").read_bytes())
    event = notification_event(stack)
    assert len(event["Records"]) == 1
    assert run_import(event) == {"batchItemFailures": []}
    assert [(t.min_qty, str(t.price)) for t in stored_price("BOLT-M8").tiers] == [(1, "0.48"), (100, "0.44")]
    assert str(stored_price("DRILL-18V").tiers[0].price) == "33.61"
    assert [str(t.price) for t in stored_price("HAMMER-16OZ").tiers] == ["12.00", "11.5"]


def test_the_sample_event_with_an_encoded_key_imports_the_right_object(stack, bucket, run_import):
    key = "imports/prices/trade/Trade prices + VAT 2026.csv"
    version = put_file(bucket, key, b"sku,price\nBOLT-M8,0.47\n")
    event = load_event("file_import/sqs-s3-object-created")
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["bucket"]["name"] = bucket
    body["Records"][0]["s3"]["object"]["versionId"] = version
    event["Records"][0]["body"] = json.dumps(body)
    assert run_import(event) == {"batchItemFailures": []}
    job = jobs.get(job_id_for(bucket, key, version))
    assert job.status == "succeeded"
    assert job.counts.rows_written == 1
    assert str(stored_price("BOLT-M8").tiers[0].price) == "0.47"


def test_bad_rows_are_reported_and_good_rows_imported(stack, bucket, run_import):
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
    run_import(notification_event(stack))
    job = jobs.get(job_id_for(bucket, "imports/prices/trade/mixed.csv", version))
    assert job.status == "partially_succeeded"
    assert (job.counts.rows_read, job.counts.rows_written, job.counts.rows_rejected) == (7, 3, 4)
    report = boto3.client("s3").get_object(Bucket=bucket, Key=job.error_report_key)["Body"].read().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [(r["line"], r["column"]) for r in rows] == [("3", "price"), ("4", "price"), ("6", "tiers"), ("8", "qty")]
    assert [t.min_qty for t in stored_price("A-1").tiers] == [1, 10]
    assert stored_price("=HYPERLINK(1)") is not None  # a SKU is data; only the report guards against formulas
    assert stored_price("D-4") is None


def test_a_duplicate_delivery_imports_once(stack, bucket, run_import):
    version = put_file(bucket, "imports/prices/trade/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    event = notification_event(stack)
    run_import(event)
    first = jobs.get(job_id_for(bucket, "imports/prices/trade/p.csv", version))
    assert first.status == "succeeded"
    run_import(event)
    assert jobs.get(first.id) == first  # same finish time, same counts: the second delivery did not run


def test_s3_test_event_is_ignored(run_import):
    assert run_import(load_event("file_import/sqs-s3-test-event")) == {"batchItemFailures": []}


def test_a_file_for_an_unknown_list_fails_its_job_with_a_report(stack, bucket, run_import):
    version = put_file(bucket, "imports/prices/ghost/p.csv", b"sku,price\nBOLT-M8,0.47\n")
    assert run_import(notification_event(stack)) == {"batchItemFailures": []}
    job = jobs.get(job_id_for(bucket, "imports/prices/ghost/p.csv", version))
    assert job.status == "failed"
    assert job.counts.rows_rejected == 1
