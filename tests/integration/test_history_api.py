"""History routes in process: writes through the API, their stream records handled by the change-stream function,
then each record's history paged through the ingest API as a client would."""

import json
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from functions.ingest_api import app as ingest_api
from tests.conftest import load_event
from tests.integration.change_stream import ChangeStream, change_stream_fixture, webhook_stack  # noqa: F401

WRITER = {"principal": "key:k1", "scopes": "write read admin", "key_name": "erp"}
READER = {"principal": "key:k2", "scopes": "read", "key_name": "storefront"}


def call(context: Any, name: str, *, who: dict[str, str] = WRITER, body: Any = ..., **options: Any) -> dict[str, Any]:
    event = load_event(name)
    event["requestContext"]["authorizer"] = who
    if body is not ...:
        event["body"] = json.dumps(body)
    for field in ("resource", "path", "httpMethod", "pathParameters", "queryStringParameters"):
        if field in options:
            event[field] = options[field]
    response = ingest_api.lambda_handler(event, context)
    response["json"] = json.loads(response["body"]) if response.get("body") else None
    return response


def history(context: Any, path: str, resource: str, parameters: dict[str, str], **options: Any) -> dict[str, Any]:
    return call(
        context,
        "ingest_api/get-price",
        resource=resource,
        path=path,
        httpMethod="GET",
        pathParameters=parameters,
        queryStringParameters=options.pop("query", None),
        **options,
    )


def price_history(context: Any, **options: Any) -> dict[str, Any]:
    return history(
        context,
        "/v1/price-lists/trade/prices/BOLT-M8/history",
        "/v1/price-lists/{slug}/prices/{sku}/history",
        {"slug": "trade", "sku": "BOLT-M8"},
        **options,
    )


def set_price(context: Any, price: str) -> None:
    response = call(context, "ingest_api/put-price", body={"tiers": [{"min_qty": 1, "price": price}]})
    assert response["statusCode"] < 300, response["body"]


def test_a_skus_ladder_over_time_newest_first_with_who_and_before(changes: ChangeStream, lambda_context):
    # Given a price set three times by the key "erp"
    assert call(lambda_context, "ingest_api/put-price-list")["statusCode"] < 300
    for price in ("0.50", "0.45", "0.40"):
        set_price(lambda_context, price)
    changes.deliver()

    # When a read key asks for the SKU's history
    response = price_history(lambda_context, who=READER)

    # Then it has every change, newest first, each with before, after and who
    assert response["statusCode"] == 200, response["body"]
    items = response["json"]["items"]
    assert [item["change"] for item in items] == ["updated", "updated", "created"]
    assert [item["after"]["tiers"][0]["price"] for item in items] == ["0.4", "0.45", "0.5"]
    assert items[0]["before"]["tiers"][0]["price"] == "0.45"
    assert items[-1]["before"] is None
    assert {item["changed_by"]["name"] for item in items} == {"erp"}
    assert items[0]["at"] > items[1]["at"] > items[2]["at"]


def test_history_pages_with_the_cursor_and_filters_by_since_and_until(changes: ChangeStream, lambda_context):
    call(lambda_context, "ingest_api/put-price-list")
    for price in ("0.50", "0.45", "0.40", "0.35"):
        set_price(lambda_context, price)
    changes.deliver()
    everything = price_history(lambda_context)["json"]["items"]

    # Pages of one follow links.next to the end, in the same order
    seen: list[str] = []
    query: dict[str, str] | None = {"limit": "1"}
    while query is not None:
        page = price_history(lambda_context, query=query)["json"]
        seen.extend(item["at"] for item in page["items"])
        following = page["links"]["next"]
        query = dict(parse_qsl(urlsplit(following).query)) if following else None
    assert seen == [item["at"] for item in everything]

    # since/until (inclusive) keep the middle two changes
    middle = price_history(lambda_context, query={"since": everything[2]["at"], "until": everything[1]["at"]})
    assert [item["at"] for item in middle["json"]["items"]] == [everything[1]["at"], everything[2]["at"]]

    # since after until is the client's mistake, named
    wrong = price_history(lambda_context, query={"since": everything[0]["at"], "until": everything[3]["at"]})
    assert wrong["statusCode"] == 422
    assert wrong["json"]["errors"][0]["field"] == "since"


def test_a_customers_history_needs_the_scope_its_live_record_needs(changes: ChangeStream, lambda_context):
    # Given a customer with personal data
    customer = {"email": "buyer@example.com", "company": "Acme Trade Ltd"}
    written = call(
        lambda_context,
        "ingest_api/put-customer",
        body=customer,
        pathParameters={"customer_id": "C-1"},
        path="/v1/customers/C-1",
    )
    assert written["statusCode"] < 300, written["body"]
    changes.deliver()
    where = ("/v1/customers/C-1/history", "/v1/customers/{customer_id}/history", {"customer_id": "C-1"})

    # A read key may not read it (nor the live record), a write key may
    refused = history(lambda_context, *where, who=READER)
    allowed = history(lambda_context, *where, who=WRITER)
    assert refused["statusCode"] == 403
    assert "buyer@example.com" not in refused["body"]
    assert allowed["statusCode"] == 200
    assert allowed["json"]["items"][0]["after"]["email"] == "buyer@example.com"


def test_a_deleted_list_keeps_its_history(changes: ChangeStream, lambda_context):
    call(lambda_context, "ingest_api/put-price-list")
    deleted = call(
        lambda_context, "ingest_api/delete-price-list", path="/v1/price-lists/trade", pathParameters={"slug": "trade"}
    )
    assert deleted["statusCode"] == 200, deleted["body"]
    changes.deliver()
    where = ("/v1/price-lists/trade/history", "/v1/price-lists/{slug}/history", {"slug": "trade"})
    items = history(lambda_context, *where, who=READER)["json"]["items"]
    assert [item["change"] for item in items] == ["deleted", "created"]
    assert items[0]["after"] is None
    assert items[0]["changed_by"]["id"] == "k1"
