"""Failure drills: DynamoDB throttles and leaves batch work unprocessed on every path; nothing is lost and no
request fails where a retry would do. When DynamoDB stays down, callers get a clean 503 problem."""

import json
import threading
from collections import Counter

import pytest
from botocore.exceptions import ClientError

from tradeprice.data import aws
from tradeprice.data import prices as price_store

THROTTLED = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeds"}}


@pytest.fixture
def flaky_dynamodb(stack, monkeypatch):
    """Every distinct request is throttled the first time it is sent; batch calls then process only part of
    what they are given. Deterministic: the same request succeeds when it is retried."""
    client = aws.dynamodb()
    real = client._make_api_call
    seen: Counter[str] = Counter()
    throttled_once: set[str] = set()
    lock = threading.Lock()

    def flaky(operation, params):
        fingerprint = operation + json.dumps(params, sort_keys=True, default=str)
        with lock:
            seen[operation] += 1
            first_time = fingerprint not in throttled_once
            throttled_once.add(fingerprint)
        if first_time:
            raise ClientError(THROTTLED, operation)
        if operation == "BatchGetItem":
            # Two keys of the first table are read; the rest (other tables' keys too) is left unprocessed.
            (table, request), *other_tables = params["RequestItems"].items()
            keys = request["Keys"]
            response = real(operation, {"RequestItems": {table: {**request, "Keys": keys[:2]}}})
            unprocessed = dict(other_tables)
            if len(keys) > 2:
                unprocessed[table] = {**request, "Keys": keys[2:]}
            if unprocessed:
                response["UnprocessedKeys"] = unprocessed
            return response
        if operation == "BatchWriteItem":
            ((table, requests),) = params["RequestItems"].items()
            response = real(operation, {"RequestItems": {table: requests[:3]}})
            if len(requests) > 3:
                response["UnprocessedItems"] = {table: requests[3:]}
            return response
        return real(operation, params)

    monkeypatch.setattr(client, "_make_api_call", flaky)
    return seen


def test_every_write_and_read_path_survives_throttling_and_partial_batches(call_api, flaky_dynamodb):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    assert call_api("ingest_api/put-price-list-derived")["statusCode"] == 201
    prices = [
        {"sku": f"SKU-{n:03d}", "tiers": [{"min_qty": 1, "price": f"{n}.50"}, {"min_qty": 10, "price": f"{n}.25"}]}
        for n in range(60)
    ]
    assert call_api("ingest_api/put-prices", body={"prices": prices})["json"]["summary"] == {"created": 60}
    assert call_api("ingest_api/put-customer-group")["statusCode"] == 201
    assert call_api("ingest_api/post-customers-batch")["json"]["summary"] == {"created": 3}
    assert call_api("ingest_api/post-product-rules-batch")["json"]["summary"] == {"created": 4}
    listed = call_api("ingest_api/list-prices", query={"limit": "1000"})
    assert len(listed["json"]["items"]) == 60

    lines = [{"sku": f"SKU-{n:03d}", "qty": 10} for n in range(60)]
    lookup = call_api("price_lookup/lookup-by-customer", body={"customer_id": "C-1001", "lines": lines})
    assert lookup["statusCode"] == 200
    answers = lookup["json"]["lines"]
    assert all(line["found"] for line in answers)
    # 7.25 × (1 − 2.5 %) = 7.06875 → 7.07
    assert answers[7]["unit_price"] == "7.07"
    assert set(flaky_dynamodb) >= {"BatchGetItem", "BatchWriteItem", "TransactWriteItems", "Scan", "GetItem"}


def test_nothing_is_lost_when_batches_come_back_partial(call_api, flaky_dynamodb):
    call_api("ingest_api/put-price-list")
    prices = [{"sku": f"P-{n:04d}", "tiers": [{"min_qty": 1, "price": "1.00"}]} for n in range(250)]
    assert call_api("ingest_api/put-prices", body={"prices": prices})["statusCode"] == 200
    stored = price_store.get_many([("trade", f"P-{n:04d}") for n in range(250)])
    assert len(stored) == 250


@pytest.mark.parametrize(
    "event", ["price_lookup/lookup-by-price-list", "ingest_api/put-prices", "ingest_api/get-price-list"]
)
def test_when_dynamodb_stays_down_the_answer_is_a_503_problem_not_a_stack_trace(call_api, stack, monkeypatch, event):
    call_api("ingest_api/put-price-list")
    client = aws.dynamodb()

    def down(operation, params):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, operation)

    monkeypatch.setattr(client, "_make_api_call", down)
    response = call_api(event)
    assert response["statusCode"] == 503
    problem = json.loads(response["body"])
    assert problem["type"].endswith("store-unavailable")
    assert "Traceback" not in response["body"]
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]
