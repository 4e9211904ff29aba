"""The sync log in-process: an API batch with rejected records is written down (who, what, why), a clean one is
not, and GET /v1/sync-log reads them back newest first."""

import copy
import json

from functions.ingest_api import app as ingest_api
from tests.conftest import load_event


def call(lambda_context, method, path, body=None, query=None, key_name="erp-nightly"):
    event = copy.deepcopy(load_event("ingest_api/list-prices"))
    event.update(
        {
            "httpMethod": method,
            "path": path,
            "resource": path,
            "body": None if body is None else json.dumps(body),
            "queryStringParameters": query,
            "pathParameters": None,
        }
    )
    event["requestContext"]["authorizer"] = {
        "principal": "key:0123456789ab",
        "scopes": "write read",
        "key_name": key_name,
    }
    event["requestContext"]["requestId"] = f"req-{path}-{json.dumps(body)[:20] if body else ''}"
    response = ingest_api.lambda_handler(event, lambda_context)
    response["json"] = json.loads(response["body"]) if response.get("body") else None
    return response


def test_a_batch_with_a_rejected_record_is_logged_and_a_clean_one_is_not(stack, lambda_context):
    assert (
        call(lambda_context, "PUT", "/v1/price-lists/trade", {"name": "Trade", "currency": "GBP"})["statusCode"] == 201
    )
    clean = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]}]}
    mixed = {
        "prices": [
            {"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]},
            {"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "twelve"}]},
        ]
    }
    assert call(lambda_context, "PUT", "/v1/price-lists/trade/prices", clean)["statusCode"] == 200
    assert call(lambda_context, "PUT", "/v1/price-lists/trade/prices", mixed)["statusCode"] == 207

    log = call(lambda_context, "GET", "/v1/sync-log")

    assert log["statusCode"] == 200
    (entry,) = log["json"]["items"]
    assert (entry["principal"], entry["method"], entry["route"]) == (
        "erp-nightly",
        "PUT",
        "/v1/price-lists/trade/prices",
    )
    assert (entry["records"], entry["rejected_count"]) == (2, 1)
    (record,) = entry["rejected"]
    assert (record["index"], record["key"]) == (1, "NUT-M8")
    assert record["errors"][0]["field"].startswith("tiers.0.price")


def test_the_log_is_newest_first_and_pages(stack, lambda_context):
    for n in range(3):
        bad = {"customers": [{"id": f"C-{n}", "email": "not-an-email", "group": "base"}]}
        assert call(lambda_context, "POST", "/v1/customers:batch", bad)["statusCode"] == 422

    first = call(lambda_context, "GET", "/v1/sync-log", query={"limit": "2"})["json"]
    cursor = first["links"]["next"].split("cursor=")[1]
    second = call(lambda_context, "GET", "/v1/sync-log", query={"limit": "2", "cursor": cursor})["json"]

    keys = [entry["rejected"][0]["key"] for entry in first["items"] + second["items"]]
    assert keys == ["C-2", "C-1", "C-0"]
