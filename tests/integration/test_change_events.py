"""Change events end to end in process: a write through each path, the table's stream read for the change-stream
function as Lambda would, and the events EventBridge (moto) routes to an SQS queue, read back by the test."""

import json
from typing import Any

import boto3

from functions.ingest_api import app as ingest_api
from functions.integrations_api import app as integrations_api
from tests.conftest import load_event
from tests.integration.change_stream import ChangeStream, change_stream_fixture, webhook_stack  # noqa: F401
from tests.integration.file_imports import job_of, put_file
from tradeprice.config import get_settings

KEY = {"principal": "key:k1", "scopes": "write read admin", "key_name": "erp"}


def api(name: str, context: Any, *, body: Any = ..., path: dict[str, str] | None = None) -> dict[str, Any]:
    event = load_event(name)
    event["requestContext"]["authorizer"] = KEY
    if body is not ...:
        event["body"] = json.dumps(body)
    if path is not None:
        event["pathParameters"] = path
    response = ingest_api.lambda_handler(event, context)
    assert response["statusCode"] < 300, response["body"]
    return event


def test_an_api_write_announces_each_change_with_before_after_and_the_key(changes: ChangeStream, lambda_context):
    # Given a list and a price written through the API by the key "erp"
    api("ingest_api/put-price-list", lambda_context)
    first = api("ingest_api/put-price", lambda_context, body={"tiers": [{"min_qty": 1, "price": "0.50"}]})
    sku = first["pathParameters"]["sku"]
    created = changes.details()

    # When the same key changes the price
    second = api("ingest_api/put-price", lambda_context, body={"tiers": [{"min_qty": 1, "price": "0.45"}]})
    updated = changes.details()

    # Then the list's creation and each price change were announced, naming the key, its name and the request
    assert sorted(event["type"] for event in created) == ["price_lists.changed", "prices.changed"]
    (price_created,) = [event for event in created if event["type"] == "prices.changed"]
    assert price_created["price_list"] == "trade"
    assert price_created["changed_by"] == {
        "kind": "api_key",
        "id": "k1",
        "name": "erp",
        "request": first["requestContext"]["requestId"],
    }
    assert [(c["key"], c["change"], c["before"]) for c in price_created["changes"]] == [
        ({"price_list": "trade", "sku": sku}, "created", None)
    ]
    (event,) = updated
    (change,) = event["changes"]
    assert change["change"] == "updated"
    assert change["before"]["tiers"] == [{"min_qty": 1, "price": "0.5"}]
    assert change["after"]["tiers"] == [{"min_qty": 1, "price": "0.45"}]
    assert event["changed_by"]["request"] == second["requestContext"]["requestId"]


def test_a_delete_is_announced_with_what_was_deleted_and_by_whom(changes: ChangeStream, lambda_context):
    api("ingest_api/put-price-list", lambda_context)
    api("ingest_api/put-price", lambda_context, body={"tiers": [{"min_qty": 1, "price": "0.50"}]})
    changes.details()
    # When an admin key deletes the price
    deleted = api("ingest_api/delete-price", lambda_context)
    # Then one event says what it was and who removed it; the author's stamp before the delete is no change
    (event,) = changes.details()
    (change,) = event["changes"]
    assert change["change"] == "deleted"
    assert change["after"] is None
    assert change["before"]["tiers"] == [{"min_qty": 1, "price": "0.5"}]
    assert event["changed_by"]["request"] == deleted["requestContext"]["requestId"]


def test_an_import_announces_its_changes_as_the_job(changes: ChangeStream, bucket, queue):
    # Given prices already on the list
    changes.details()
    # When a file import changes them
    version = put_file(bucket, "imports/prices/trade/prices.csv", b"sku,price\nBOLT-M8,0.47\nNUT-M8,0.10\n")
    queue.drain()
    job = job_of(bucket, "imports/prices/trade/prices.csv", version)

    # Then one prices.changed event names both SKUs, the job as the author, and links to the job
    (event,) = changes.details("prices.changed")
    assert event["changed_by"]["kind"] == "import"
    assert event["changed_by"]["id"] == job.id
    assert event["links"]["job"] == f"/v1/imports/{job.id}"
    assert sorted(change["key"]["sku"] for change in event["changes"]) == ["BOLT-M8", "NUT-M8"]
    assert {change["change"] for change in event["changes"]} == {"created"}


def test_an_integration_write_names_the_integration_and_the_key(changes: ChangeStream, lambda_context):
    # When Unleashed's products are posted with the key "erp"
    event = load_event("integrations_api/post-unleashed-products")
    event["requestContext"]["authorizer"] = {**KEY, "scopes": "write"}
    response = integrations_api.lambda_handler(event, lambda_context)
    assert response["statusCode"] in (200, 207), response["body"]

    # Then every event names the integration as the author, with the key's name
    details = changes.details()
    assert details
    assert {detail["changed_by"]["kind"] for detail in details} == {"integration"}
    assert {detail["changed_by"]["id"] for detail in details} == {"unleashed"}
    assert {detail["changed_by"]["name"] for detail in details} == {"erp"}
    assert "prices.changed" in {detail["type"] for detail in details}


def test_a_redelivered_stream_batch_adds_no_history(changes: ChangeStream, lambda_context):
    # Given a batch of price changes handled once
    api("ingest_api/put-price-list", lambda_context)
    api("ingest_api/put-prices", lambda_context)
    changes.deliver()
    before = _history_items()

    # When Lambda delivers the same batches again (a retry after a timeout)
    for delivered in list(changes.delivered):
        changes._invoke("ChangeStreamFunction", delivered)

    # Then the history holds the same entries, once each
    assert _history_items() == before
    assert len([item for item in before if item["pk"]["S"].startswith("price#")]) >= 2


def _history_items() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=get_settings().history_table)["Items"]
    return sorted((item for item in items if not item["pk"]["S"].startswith("budget#")), key=lambda i: i["sk"]["S"])


def test_a_batch_that_keeps_failing_is_retried_as_the_template_says_then_described_on_the_dlq(stack, lambda_context):
    # Given the change-stream function failing on every delivery of the prices stream
    from devstack.stream_source import StreamReader
    from tests.integration.change_stream import streams_client

    subscription = next(s for s in stack.stream_subscriptions if s.table == get_settings().prices_table)
    invocations: list[dict[str, Any]] = []

    def failing(function: str, event: dict[str, Any]) -> Any:
        invocations.append(event)
        raise RuntimeError("poison")

    sqs = boto3.client("sqs")
    reader = StreamReader(
        subscription,
        failing,
        region=stack.context.region,
        dynamodb=boto3.client("dynamodb"),
        streams=streams_client(),
        sqs=sqs,
    )
    api("ingest_api/put-price-list", lambda_context)
    api("ingest_api/put-prices", lambda_context)

    # When Lambda would poll the stream until it gives up
    while reader.poll():
        pass

    # Then the batch was tried once and retried MaximumRetryAttempts times (5 in the template), no more
    assert subscription.maximum_retry_attempts == 5
    assert len(invocations) == 6
    # and the on-failure queue says where the records are, as Lambda's invocation record does
    messages = sqs.receive_message(QueueUrl=stack.queue_urls["ChangeStreamDeadLetterQueue"], MaxNumberOfMessages=10)
    (message,) = messages["Messages"]
    record = json.loads(message["Body"])
    batch = record["DDBStreamBatchInfo"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert batch["batchSize"] == len(invocations[0]["Records"])
    assert batch["startSequenceNumber"] == invocations[0]["Records"][0]["dynamodb"]["SequenceNumber"]
    assert batch["streamArn"] == invocations[0]["Records"][0]["eventSourceARN"]
    # and the shard moved on: nothing is delivered again
    assert reader.poll() == 0
