"""The API's edges under hostile input: every answer a 4xx problem at constant cost, never a 500.

Bodies nested 1,000 deep, numbers DynamoDB cannot store, cursors the API never issued, an empty email filter,
bodies measured in bytes, strings that are not Unicode; plus what every PUT answers (its `outcome`, and the
stored record when the write was stale), and absolute `links.next` that keep the stage.
"""

import base64
import json
from typing import Any

import pytest

from tradeprice.data.batch import call_with_retries

NESTED = "[" * 1000 + "]" * 1000


def problem(response: dict[str, Any], status: int) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert response["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
    return response["json"]


@pytest.fixture
def trade(call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] in {200, 201}
    assert call_api("ingest_api/put-prices")["statusCode"] == 200


# -- bodies ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_name",
    [
        "ingest_api/put-price-list",
        "ingest_api/put-prices",
        "ingest_api/post-customers-batch",
        "price_lookup/lookup-by-price-list",
    ],
)
def test_a_body_nested_1000_deep_is_a_400_problem(call_api, event_name):
    body = problem(call_api(event_name, body='{"a": ' + NESTED + "}"), 400)

    assert "deep" in body["detail"]


def test_the_body_limit_counts_bytes_not_characters(call_api):
    two_byte_characters = json.dumps({"name": "é" * 2_700_000, "currency": "GBP"}, ensure_ascii=False)
    assert len(two_byte_characters) < 5 * 1024 * 1024 < len(two_byte_characters.encode())

    body = problem(call_api("ingest_api/put-price-list", body=two_byte_characters), 413)

    assert f"{len(two_byte_characters.encode()):,} bytes" in body["detail"]


def test_a_lone_surrogate_is_refused_and_never_echoed_raw(call_api):
    response = call_api("ingest_api/put-price-list", body='{"name": "\\ud800", "currency": "GBP"}')

    body = problem(response, 400)
    assert "not valid Unicode" in body["detail"]
    assert not any(0xD800 <= ord(character) <= 0xDFFF for character in response["body"])
    response["body"].encode("utf-8")  # strictly encodable: no surrogate left in it


@pytest.mark.parametrize("version", ["1e127", "1e-131", "1" * 40, "-1", '"-5"', '"-0.5"'])
def test_a_source_version_dynamodb_cannot_store_is_a_422_naming_it(call_api, version):
    text = '{"name": "Trade", "currency": "GBP", "source_version": ' + version + "}"
    body = problem(call_api("ingest_api/put-price-list", body=text), 422)

    assert any(error["field"].startswith("source_version") for error in body["errors"])


# -- cursors ---------------------------------------------------------------------------------------------------------


def forged(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def count_queries(monkeypatch) -> list[str]:
    calls: list[str] = []

    def counting(operation: str, **request: Any) -> Any:
        calls.append(operation)
        return call_with_retries(operation, **request)

    monkeypatch.setattr("tradeprice.data.prices.call_with_retries", counting)
    monkeypatch.setattr("tradeprice.data.reference.call_with_retries", counting)
    return calls


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(forged({"shard": -300}), id="the old unsigned shape, shard -300"),
        pytest.param(forged({"shard": 0, "key": {"pk": {"S": "other#00"}, "sk": {"S": "A"}}}), id="foreign partition"),
        pytest.param(forged({"shard": "x"}) + "." + "A" * 43, id="wrong type, forged signature"),
        pytest.param("%%%not-base64%%%", id="garbled"),
        pytest.param("A" * 5000, id="huge"),
    ],
)
def test_a_cursor_the_api_never_issued_is_a_422_before_any_read(call_api, trade, monkeypatch, cursor):
    queries = count_queries(monkeypatch)

    body = problem(call_api("ingest_api/list-prices", query={"limit": "1", "cursor": cursor}), 422)

    assert body["errors"][0]["field"] == "cursor"
    assert not {"query", "scan"} & set(queries)


def test_a_cursor_works_only_on_the_listing_that_issued_it(call_api, trade):
    first = call_api("ingest_api/list-prices", query={"limit": "1"})
    cursor = first["json"]["links"]["next"].split("cursor=")[1]
    call_api("ingest_api/put-price-list", path_parameters={"slug": "other"}, body={"name": "O", "currency": "GBP"})

    second = call_api("ingest_api/list-prices", query={"limit": "1", "cursor": cursor})
    elsewhere = call_api("ingest_api/list-prices", path_parameters={"slug": "other"}, query={"cursor": cursor})
    on_lists = call_api("ingest_api/list-price-lists", query={"cursor": cursor})
    tampered = call_api("ingest_api/list-prices", query={"limit": "1", "cursor": "B" + cursor[1:]})

    assert second["statusCode"] == 200
    assert second["json"]["items"] != first["json"]["items"]
    for refused in (elsewhere, on_lists, tampered):
        assert problem(refused, 422)["errors"][0]["field"] == "cursor"


def test_links_next_is_an_absolute_url_that_keeps_the_stage(call_api, trade):
    page = call_api("ingest_api/list-prices", query={"limit": "1"})

    next_url = page["json"]["links"]["next"]
    assert next_url.startswith("https://abc123.execute-api.eu-west-2.amazonaws.com/dev/v1/price-lists/trade/prices?")
    assert page["multiValueHeaders"]["Link"] == [f'<{next_url}>; rel="next"']


# -- queries ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [" ", "", "x" * 3000, "not-an-email"])
def test_an_email_filter_that_is_no_email_is_a_422(call_api, email):
    body = problem(call_api("ingest_api/find-customer-by-email", query={"email": email}), 422)

    assert body["errors"][0]["field"] == "email"


# -- what a PUT answers ----------------------------------------------------------------------------------------------


def test_every_put_says_its_outcome_in_the_same_field(call_api, trade):
    price_list = call_api("ingest_api/put-price-list")
    group = call_api("ingest_api/put-customer-group")
    customer = call_api("ingest_api/put-customer", body={"email": "buyer@example.com", "group": "trade"})
    price = call_api("ingest_api/put-price")
    removed = call_api("ingest_api/put-price", body={"tiers": []})

    assert [r["json"]["outcome"] for r in (price_list, group, customer, price, removed)] == [
        "unchanged" if price_list["statusCode"] == 200 else "created",
        "created",
        "created",
        price["json"]["outcome"],
        "deleted",
    ]
    assert customer["json"]["status"] == "active"  # the customer's own status is left alone
    assert "status" not in {**price_list["json"], **group["json"]}
    assert set(removed["json"]) == {"price_list", "sku", "outcome"}


def test_a_stale_write_answers_the_stored_record_not_the_refused_values(call_api):
    newer = {"name": "Trade (v2)", "currency": "GBP", "source_version": 2}
    older = {"name": "Trade (v1)", "currency": "EUR", "source_version": 1}
    call_api("ingest_api/put-price-list", body=newer)

    stale = call_api("ingest_api/put-price-list", body=older)

    assert stale["statusCode"] == 200
    assert stale["json"]["outcome"] == "stale"
    assert (stale["json"]["name"], stale["json"]["currency"], stale["json"]["source_version"]) == (
        "Trade (v2)",
        "GBP",
        "2",
    )


# -- one rule for qty ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("qty", ["0", "-1", "1.5", "1000000001"])
def test_qty_outside_1_to_a_billion_is_refused_by_the_same_rule_in_a_get_and_in_a_cart(call_api, trade, qty):
    single = call_api("price_lookup/get-sku-price", query={"price_list": "trade", "qty": qty})
    cart = call_api(
        "price_lookup/lookup-by-price-list",
        body={
            "price_list": "trade",
            "lines": [{"sku": "BOLT-M8", "qty": json.loads(qty)}, {"sku": "BOLT-M8", "qty": 1}],
        },
    )

    # the GET's only line is the request: a 422 naming qty
    assert problem(single, 422)["errors"][0]["field"] == "qty"
    # in a cart, that line alone answers with errors naming qty; the others are priced
    refused, priced = cart["json"]["lines"]
    assert [error["field"] for error in refused["errors"]] == ["qty"]
    assert priced["found"] is True
