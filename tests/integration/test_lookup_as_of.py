"""`as_of` lookups in process: prices and lists changed through the API, their stream records handled by the
change-stream function, then the lookup asked as of an instant before the changes: it answers exactly as a lookup
made at that instant did, and says it priced from the history."""

import json
from datetime import timedelta
from typing import Any

from functions.ingest_api import app as ingest_api
from functions.price_lookup import app as price_lookup
from tests.conftest import load_event
from tests.integration.change_stream import ChangeStream, change_stream_fixture, webhook_stack  # noqa: F401
from tradeprice.domain.types import utc_now

KEY = {"principal": "key:k1", "scopes": "write read admin", "key_name": "erp"}


def write(context: Any, name: str, body: Any, **fields: Any) -> None:
    event = load_event(name)
    event["requestContext"]["authorizer"] = KEY
    event["body"] = json.dumps(body)
    event.update(fields)
    response = ingest_api.lambda_handler(event, context)
    assert response["statusCode"] < 300, response["body"]


def lookup(context: Any, **extra: Any) -> dict[str, Any]:
    event = load_event("price_lookup/lookup-by-price-list")
    event["requestContext"]["authorizer"] = KEY
    body = {"price_list": "trade", "lines": [{"sku": "BOLT-M8", "qty": 150}, {"sku": "NUT-M8", "qty": 10}]}
    event["body"] = json.dumps(body | extra)
    response = price_lookup.lambda_handler(event, context)
    response["json"] = json.loads(response["body"])
    return response


def ladder(*prices: str) -> dict[str, Any]:
    return {"tiers": [{"min_qty": quantity, "price": price} for quantity, price in zip((1, 100), prices, strict=False)]}


def price(context: Any, sku: str, *prices: str) -> None:
    path = {"slug": "trade", "sku": sku}
    write(
        context,
        "ingest_api/put-price",
        ladder(*prices),
        pathParameters=path,
        path=f"/v1/price-lists/trade/prices/{sku}",
    )


def test_as_of_answers_as_the_lookup_did_then(changes: ChangeStream, lambda_context):
    # Given a list with BOLT-M8 priced, and a lookup made then
    write(lambda_context, "ingest_api/put-price-list", {"name": "Trade", "currency": "GBP"})
    price(lambda_context, "BOLT-M8", "0.50", "0.45")
    changes.deliver()
    then = lookup(lambda_context)["json"]
    instant = utc_now()

    # When the price changes, NUT-M8 is added, and the list's currency note changes afterwards
    price(lambda_context, "BOLT-M8", "0.40", "0.35")
    price(lambda_context, "NUT-M8", "0.10")
    changes.deliver()
    now = lookup(lambda_context)["json"]
    past = lookup(lambda_context, as_of=instant.isoformat(), at=then["at"])

    # Then the as_of answer is the answer given then, line for line, and says it came from the history
    assert past["statusCode"] == 200, past["body"]
    assert past["json"]["lines"] == then["lines"]
    assert past["json"]["as_of"] == instant.isoformat()
    assert past["json"]["source"] == "history"
    assert [line["unit_price"] for line in now["lines"]] == ["0.35", "0.10"]
    assert [line["found"] for line in past["json"]["lines"]] == [True, False]
    assert "as_of" not in now


def test_a_list_created_after_the_instant_did_not_exist_then(changes: ChangeStream, lambda_context):
    instant = utc_now()
    write(lambda_context, "ingest_api/put-price-list", {"name": "Trade", "currency": "GBP"})
    price(lambda_context, "BOLT-M8", "0.50")
    changes.deliver()
    answer = lookup(lambda_context, as_of=instant.isoformat())
    assert answer["statusCode"] == 404


def test_as_of_outside_the_retention_or_in_the_future_is_refused_naming_it(changes: ChangeStream, lambda_context):
    write(lambda_context, "ingest_api/put-price-list", {"name": "Trade", "currency": "GBP"})
    for instant in (utc_now() - timedelta(days=91), utc_now() + timedelta(hours=1)):
        answer = lookup(lambda_context, as_of=instant.isoformat())
        assert answer["statusCode"] == 422, answer["body"]
        assert answer["json"]["errors"][0]["field"] == "as_of"
