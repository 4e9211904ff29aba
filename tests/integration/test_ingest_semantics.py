"""Ordering, retries and throttling: what an ERP needs to sync safely."""

import threading
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from tradeprice.data import aws
from tradeprice.data import prices as price_store


@pytest.fixture
def trade(call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201


def price_on(sku):
    item = price_store.get_many([("trade", sku)]).get(("trade", sku))
    return price_store.from_item(item) if item else None


def version_body(version, price):
    return {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": price}], "source_version": version}]}


def test_an_older_source_version_is_skipped_as_stale(call_api, trade):
    assert call_api("ingest_api/put-prices", body=version_body(5, "0.55"))["json"]["results"][0]["status"] == "created"
    stale = call_api("ingest_api/put-prices", body=version_body(4, "0.40"))
    assert stale["json"]["results"][0]["status"] == "stale"
    assert price_on("BOLT-M8").tiers[0].price == Decimal("0.55")
    newer = call_api("ingest_api/put-prices", body=version_body("2026-11-26T10:00:00Z", "0.60"))
    assert newer["json"]["results"][0]["status"] == "updated"


def test_racing_writers_never_let_an_older_version_win(call_api, trade):
    """Many threads write versions 1..N of one SKU in shuffled order; the newest must be what stays."""
    for round_number in range(5):
        versions = list(range(1 + round_number * 20, 21 + round_number * 20))
        barrier = threading.Barrier(len(versions))

        def send(version, barrier=barrier):
            barrier.wait()
            call_api("ingest_api/put-prices", body=version_body(version, f"{version}.00"))

        threads = [threading.Thread(target=send, args=(v,)) for v in reversed(versions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert price_on("BOLT-M8").tiers[0].price == Decimal(f"{versions[-1]}.00")
        assert price_on("BOLT-M8").source_version == Decimal(versions[-1])


def test_idempotency_key_replays_the_first_response(call_api, trade):
    headers = {"Idempotency-Key": "sync-2026-11-26-0001"}
    first = call_api("ingest_api/put-prices", headers=headers)
    assert [r["status"] for r in first["json"]["results"]] == ["created"] * 3
    call_api("ingest_api/put-prices", body={"prices": [{"sku": "BOLT-M8", "tiers": []}]})
    replay = call_api("ingest_api/put-prices", headers=headers)
    assert replay["json"] == first["json"]
    assert replay["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]
    assert price_on("BOLT-M8") is None  # the replay did not write again
    reused = call_api("ingest_api/put-prices", headers=headers, body=version_body(1, "9.99"))
    assert reused["statusCode"] == 422
    assert reused["json"]["type"].endswith("idempotency-key-reused")


def test_unprocessed_items_and_throttling_are_retried_until_everything_is_stored(call_api, trade, monkeypatch):
    client = aws.dynamodb()
    real_batch_write = client.batch_write_item
    real_batch_get = client.batch_get_item
    calls = {"write": 0, "get": 0}

    def flaky_write(**kwargs):
        calls["write"] += 1
        if calls["write"] % 3 == 1:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "BatchWriteItem"
            )
        ((table, requests),) = kwargs["RequestItems"].items()
        keep, leave = requests[: len(requests) // 2 + 1], requests[len(requests) // 2 + 1 :]
        response = real_batch_write(RequestItems={table: keep})
        if leave:
            response["UnprocessedItems"] = {table: leave}
        return response

    def flaky_get(**kwargs):
        calls["get"] += 1
        ((table, request),) = kwargs["RequestItems"].items()
        keys = request["Keys"]
        response = real_batch_get(RequestItems={table: {**request, "Keys": keys[:1]}})
        if len(keys) > 1:
            response["UnprocessedKeys"] = {table: {**request, "Keys": keys[1:]}}
        return response

    monkeypatch.setattr(client, "batch_write_item", flaky_write)
    monkeypatch.setattr(client, "batch_get_item", flaky_get)
    prices = [{"sku": f"SKU-{n:04d}", "tiers": [{"min_qty": 1, "price": f"{n}.25"}]} for n in range(120)]
    response = call_api("ingest_api/put-prices", body={"prices": prices})
    assert response["statusCode"] == 200, response["json"]
    assert response["json"]["summary"] == {"created": 120}
    monkeypatch.undo()
    stored = price_store.get_many([("trade", f"SKU-{n:04d}") for n in range(120)])
    assert len(stored) == 120
    assert calls["write"] > 5
    assert calls["get"] > 2


def test_throttling_that_never_ends_is_a_503_not_a_500(call_api, trade, monkeypatch):
    client = aws.dynamodb()

    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "BatchGetItem")

    monkeypatch.setattr(client, "batch_get_item", throttled)
    response = call_api("ingest_api/put-prices")
    assert response["statusCode"] == 503
    assert response["multiValueHeaders"]["Retry-After"] == ["1"]


def test_batches_over_the_limit_are_refused_clearly(call_api, trade):
    prices = [{"sku": f"S{n}", "tiers": [{"min_qty": 1, "price": "1"}]} for n in range(1001)]
    response = call_api("ingest_api/put-prices", body={"prices": prices})
    assert response["statusCode"] == 422
    assert "1000" in response["json"]["detail"]
    assert price_on("S0") is None


def test_an_oversized_body_is_413_and_stores_nothing(call_api, trade):
    filler = "x" * 1000
    prices = [{"sku": f"S{n}", "tiers": [{"min_qty": 1, "price": "1"}], "unit_of_measure": filler} for n in range(5300)]
    response = call_api("ingest_api/put-prices", body={"prices": prices})
    assert response["statusCode"] == 413
    assert response["json"]["type"].endswith("payload-too-large")
    assert "5,242,880" in response["json"]["detail"]
    assert price_on("S0") is None
