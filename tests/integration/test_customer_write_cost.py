"""What writing customers costs in DynamoDB calls, and that grouping them into transactions answers each record
exactly as one transaction per customer did."""

from collections import Counter

import pytest

from tradeprice.data.aws import dynamodb


@pytest.fixture
def dynamodb_calls(stack):
    """Every DynamoDB call the data layer makes, by operation (botocore's events on the cached client)."""
    calls: Counter[str] = Counter()

    def count(model, **_):
        calls[model.name] += 1

    events = dynamodb().meta.events
    events.register("before-call.dynamodb", count)
    yield calls
    events.unregister("before-call.dynamodb", count)


@pytest.fixture
def trade(call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    assert call_api("ingest_api/put-customer-group")["statusCode"] == 201


def test_a_thousand_new_customers_cost_at_most_forty_calls(call_api, trade, dynamodb_calls, monkeypatch):
    # Given 1,000 new customers, each with an email to claim
    customers = [{"id": f"C-{n:04d}", "email": f"buyer{n}@example.com", "group": "trade"} for n in range(1000)]
    transactions = []
    original = dynamodb().transact_write_items

    def watched(**kwargs):
        transactions.append(len(kwargs["TransactItems"]))
        return original(**kwargs)

    monkeypatch.setattr(dynamodb(), "transact_write_items", watched)
    dynamodb_calls.clear()
    # When they are sent in one batch
    response = call_api("ingest_api/post-customers-batch", body={"customers": customers})
    # Then every one is created, in at most 40 calls, none carrying more than DynamoDB's 100 items
    assert [r["status"] for r in response["json"]["results"]] == ["created"] * 1000
    assert sum(dynamodb_calls.values()) <= 40, dict(dynamodb_calls)
    assert max(transactions) <= 100
    assert len(transactions) == 20
    found = call_api("ingest_api/find-customer-by-email", query={"email": "Buyer999@Example.com"})
    assert [c["id"] for c in found["json"]["items"]] == ["C-0999"]


def test_a_cancelled_transaction_rejects_only_its_conflicting_records(call_api, trade, dynamodb_calls):
    # Given a stored customer with an email, and one with a newer source version
    stored = {
        "customers": [
            {"id": "C-1", "email": "taken@example.com"},
            {"id": "C-2", "email": "old@example.com", "source_version": 5},
        ]
    }
    assert call_api("ingest_api/post-customers-batch", body=stored)["statusCode"] == 200
    # When a batch packs sound records with one that claims a taken email and one whose version is older
    batch = [{"id": f"N-{n}", "email": f"n{n}@example.com"} for n in range(60)]
    batch[10] = {"id": "N-10", "email": "TAKEN@example.com"}
    batch[40] = {"id": "C-2", "email": "new@example.com", "source_version": 4}
    dynamodb_calls.clear()
    results = call_api("ingest_api/post-customers-batch", body={"customers": batch})["json"]["results"]
    # Then only those two are answered otherwise; every other record is created as if written alone
    statuses = [r["status"] for r in results]
    assert statuses[10] == "error"
    assert "C-1" in results[10]["errors"][0]["reason"]
    assert statuses[40] == "stale"
    assert statuses[:10] + statuses[11:40] + statuses[41:] == ["created"] * 58
    # And the sound records were sent again once, not one by one
    assert dynamodb_calls["TransactWriteItems"] <= 4
    assert call_api("ingest_api/get-customer", path_parameters={"customer_id": "N-59"})["statusCode"] == 200
    assert call_api("ingest_api/get-customer", path_parameters={"customer_id": "N-10"})["statusCode"] == 404
    still = call_api("ingest_api/find-customer-by-email", query={"email": "old@example.com"})
    assert [c["id"] for c in still["json"]["items"]] == ["C-2"]


def test_an_email_moving_between_customers_in_one_batch_lands_in_order(call_api, trade):
    first = {"customers": [{"id": "A", "email": "x@example.com"}, {"id": "B", "email": "z@example.com"}]}
    assert call_api("ingest_api/post-customers-batch", body=first)["statusCode"] == 200
    # A gives x up for y, and B takes x, in one batch
    moved = {"customers": [{"id": "A", "email": "y@example.com"}, {"id": "B", "email": "x@example.com"}]}
    results = call_api("ingest_api/post-customers-batch", body=moved)["json"]["results"]
    assert [r["status"] for r in results] == ["updated", "updated"]
    owner = call_api("ingest_api/find-customer-by-email", query={"email": "x@example.com"})
    assert [c["id"] for c in owner["json"]["items"]] == ["B"]
    assert call_api("ingest_api/find-customer-by-email", query={"email": "z@example.com"})["json"]["items"] == []
