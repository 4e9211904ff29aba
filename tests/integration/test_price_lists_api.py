"""Ingestion API: price lists and their prices, through the handler as API Gateway invokes it."""

from decimal import Decimal

import pytest

from tradeprice.data import prices as price_store
from tradeprice.data import reference

PROBLEM = "application/problem+json"


def content_type(response):
    return (
        response["multiValueHeaders"].get("Content-Type", [None])[0]
        if "multiValueHeaders" in response
        else (response["headers"].get("Content-Type"))
    )


@pytest.fixture
def trade_list(call_api):
    response = call_api("ingest_api/put-price-list")
    assert response["statusCode"] == 201
    return response["json"]


def test_put_price_list_creates_then_replaces(call_api, trade_list):
    assert trade_list["slug"] == "trade"
    assert trade_list["currency"] == "GBP"
    again = call_api("ingest_api/put-price-list", body={"name": "Trade (2027)", "currency": "GBP"})
    assert again["statusCode"] == 200
    assert call_api("ingest_api/get-price-list")["json"]["name"] == "Trade (2027)"


def test_an_invalid_slug_is_a_problem_naming_the_field_and_stores_nothing(call_api):
    response = call_api("ingest_api/put-price-list-invalid-slug")
    assert response["statusCode"] == 422
    assert content_type(response) == PROBLEM
    assert response["json"]["errors"][0]["field"] == "slug"
    assert response["json"]["status"] == 422
    assert reference.get_price_list("Trade List") is None


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "Trade", "currency": "XYZ"}, 422, "currency"),
        ({"name": "Trade"}, 422, "currency"),
        ({"name": "Trade", "currency": "GBP", "colour": "blue"}, 422, "colour"),
        ("{not json", 400, "body"),
        ([], 422, "body"),
    ],
)
def test_bad_price_list_bodies_get_a_problem(call_api, body, status, field):
    response = call_api("ingest_api/put-price-list", body=body)
    assert response["statusCode"] == status
    assert content_type(response) == PROBLEM
    problem = response["json"]
    assert problem["title"]
    assert problem["detail"]
    assert problem["type"].startswith("https://")
    named = [error["field"] for error in problem.get("errors", [])] or [problem.get("field")]
    assert field in named
    assert reference.get_price_list("trade") is None


def test_prices_round_trip_exactly(call_api, trade_list):
    response = call_api("ingest_api/put-prices")
    assert response["statusCode"] == 200
    assert [r["status"] for r in response["json"]["results"]] == ["created", "created", "created"]
    drill = call_api("ingest_api/get-price")["json"]
    assert drill["tiers"][0] == {"min_qty": 1, "price": "33.61"}
    gloves = call_api("ingest_api/get-price", path_parameters={"slug": "trade", "sku": "GLOVES-L"})["json"]
    assert gloves["tiers"][0]["price"] == "4.2"  # a JSON number never passes through a float


def test_one_bad_record_blocks_nothing_and_is_named(call_api, trade_list):
    response = call_api("ingest_api/put-prices-mixed")
    assert response["statusCode"] == 207
    results = response["json"]["results"]
    assert [r["status"] for r in results] == ["created", "error", "error", "error", "created"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert results[1]["key"] == "NUT-M8"
    assert results[1]["errors"][0]["field"] == "tiers"
    assert "min_qty 1" in results[1]["errors"][0]["reason"]
    assert results[2]["errors"][0]["field"] == "tiers.0.price"
    assert results[3]["errors"][0] == {
        "field": "tiers.0.price",
        "reason": "Input should be a valid decimal",
        "value": "abc",
    }
    stored = price_store.get_many(
        [("trade", sku) for sku in ("BOLT-M8", "NUT-M8", "WASHER-M8", "SCREW-4X40", "BOLT-M10")]
    )
    assert sorted(sku for _, sku in stored) == ["BOLT-M10", "BOLT-M8"]


def test_all_records_bad_is_422(call_api, trade_list):
    response = call_api(
        "ingest_api/put-prices", body={"prices": [{"sku": "X", "tiers": [{"min_qty": 2, "price": "1"}]}]}
    )
    assert response["statusCode"] == 422
    assert content_type(response) == PROBLEM
    assert response["json"]["type"].endswith("batch-rejected")
    assert response["json"]["results"][0]["status"] == "error"


def test_prices_for_an_unknown_list_are_refused_whole(call_api):
    response = call_api("ingest_api/put-prices-unknown-list")
    assert response["statusCode"] == 404
    assert content_type(response) == PROBLEM
    assert "nope" in response["json"]["detail"]
    assert price_store.get_many([("nope", "BOLT-M8")]) == {}


def test_rewriting_the_same_prices_changes_nothing_and_empty_tiers_remove(call_api, trade_list):
    call_api("ingest_api/put-prices")
    again = call_api("ingest_api/put-prices")
    assert [r["status"] for r in again["json"]["results"]] == ["unchanged"] * 3
    removed = call_api("ingest_api/put-prices", body={"prices": [{"sku": "BOLT-M8", "tiers": []}]})
    assert removed["json"]["results"][0]["status"] == "deleted"
    assert call_api("ingest_api/get-price", path_parameters={"slug": "trade", "sku": "BOLT-M8"})["statusCode"] == 404


def test_a_repeated_sku_in_one_batch_is_an_error_for_the_repeat(call_api, trade_list):
    body = {
        "prices": [
            {"sku": "A", "tiers": [{"min_qty": 1, "price": "1"}]},
            {"sku": "A", "tiers": [{"min_qty": 1, "price": "2"}]},
        ]
    }
    results = call_api("ingest_api/put-prices", body=body)["json"]["results"]
    assert [r["status"] for r in results] == ["created", "error"]
    assert price_store.from_item(price_store.get_many([("trade", "A")])[("trade", "A")]).tiers[0].price == Decimal("1")


def test_derived_list_needs_an_existing_source_and_no_cycle(call_api, trade_list):
    missing = call_api(
        "ingest_api/put-price-list-derived", body={"name": "X", "currency": "EUR", "rules": {"source": "ghost"}}
    )
    assert missing["statusCode"] == 422
    assert missing["json"]["errors"][0]["field"] == "rules.source"
    assert call_api("ingest_api/put-price-list-derived")["statusCode"] == 201
    cycle = call_api(
        "ingest_api/put-price-list", body={"name": "Trade", "currency": "GBP", "rules": {"source": "trade-eur"}}
    )
    assert cycle["statusCode"] == 409
    assert reference.get_price_list("trade").rules is None


def test_list_price_lists_pages_with_a_cursor(call_api):
    for slug in ("a", "b", "c"):
        call_api("ingest_api/put-price-list", path_parameters={"slug": slug})
    first = call_api("ingest_api/list-price-lists")
    assert len(first["json"]["items"]) == 2
    next_link = first["json"]["links"]["next"]
    assert first["multiValueHeaders"]["Link"] == [f'<{next_link}>; rel="next"']
    cursor = next_link.split("cursor=")[1]
    second = call_api("ingest_api/list-price-lists", query={"limit": "2", "cursor": cursor})
    assert len(second["json"]["items"]) == 1
    assert second["json"]["links"]["next"] is None
    slugs = {item["slug"] for item in first["json"]["items"] + second["json"]["items"]}
    assert slugs == {"a", "b", "c"}


def test_health(call_api):
    assert call_api("ingest_api/health")["json"] == {"status": "ok"}


def test_path_parameters_arrive_percent_encoded_and_are_decoded(call_api, trade_list):
    body = {"prices": [{"sku": "BOLT M8/10", "tiers": [{"min_qty": 1, "price": "0.52"}]}]}
    assert call_api("ingest_api/put-prices", body=body)["statusCode"] == 200
    event_path = {"slug": "trade", "sku": "BOLT%20M8%2F10"}  # as API Gateway passes it
    response = call_api("ingest_api/get-price", path_parameters=event_path)
    assert response["statusCode"] == 200
    assert response["json"]["sku"] == "BOLT M8/10"


def test_equal_values_are_one_price_and_notation_is_canonical(call_api, trade_list):
    # Given a price written as 12.50
    first = {"prices": [{"sku": "W-1", "tiers": [{"min_qty": 1, "price": "12.50"}]}]}
    assert call_api("ingest_api/put-prices", body=first)["json"]["results"][0]["status"] == "created"
    answered = call_api("ingest_api/get-price", path_parameters={"slug": "trade", "sku": "W-1"})["json"]
    assert answered["tiers"] == [{"min_qty": 1, "price": "12.5"}]  # the one canonical form: shortest exact decimal
    stamped = answered["updated_at"]
    # When the same value comes back as 12.5 (an XLSX cell) or as a JSON number
    for price in ("12.5", 12.5, "1.25E+1"):
        body = {"prices": [{"sku": "W-1", "tiers": [{"min_qty": 1, "price": price}]}]}
        assert call_api("ingest_api/put-prices", body=body)["json"]["results"][0]["status"] == "unchanged"
    # Then nothing moved for a delta pull
    after = call_api("ingest_api/get-price", path_parameters={"slug": "trade", "sku": "W-1"})["json"]
    assert after["updated_at"] == stamped
    # And exponent notation and negative zero are stored and answered canonically; true is no quantity
    body = {
        "prices": [
            {"sku": "E-1", "tiers": [{"min_qty": 1, "price": "1E+2"}]},
            {"sku": "Z-1", "tiers": [{"min_qty": 1, "price": "-0"}]},
            {"sku": "B-1", "tiers": [{"min_qty": True, "price": "1"}]},
        ]
    }
    results = call_api("ingest_api/put-prices", body=body)["json"]["results"]
    assert [r["status"] for r in results] == ["created", "created", "error"]
    assert results[2]["errors"][0]["field"] == "tiers.0.min_qty"
    prices = {
        sku: call_api("ingest_api/get-price", path_parameters={"slug": "trade", "sku": sku})["json"]["tiers"][0][
            "price"
        ]
        for sku in ("E-1", "Z-1")
    }
    assert prices == {"E-1": "100", "Z-1": "0"}


def test_a_derived_list_in_another_currency_needs_an_fx_rate(call_api, trade_list):
    refused = call_api(
        "ingest_api/put-price-list-derived", body={"name": "EU", "currency": "EUR", "rules": {"source": "trade"}}
    )
    assert refused["statusCode"] == 422
    assert refused["json"]["errors"][0]["field"] == "rules.fx_rate"
    same_currency = call_api(
        "ingest_api/put-price-list-derived", body={"name": "GBP", "currency": "GBP", "rules": {"source": "trade"}}
    )
    assert same_currency["statusCode"] == 201


def test_a_list_a_customer_names_in_its_own_price_lists_cannot_be_deleted(call_api, trade_list):
    body = {"customers": [{"id": "C-1", "price_lists": ["trade"]}, {"id": "C-2"}]}
    assert call_api("ingest_api/post-customers-batch", body=body)["statusCode"] == 200
    trade = {"slug": "trade"}
    refused = call_api("ingest_api/delete-price-list", path_parameters=trade, scopes="admin")
    assert refused["statusCode"] == 409
    assert "C-1" in refused["json"]["detail"]
    assert (
        call_api("ingest_api/put-customer", path_parameters={"customer_id": "C-1"}, body={"price_lists": None})[
            "statusCode"
        ]
        == 200
    )
    assert call_api("ingest_api/delete-price-list", path_parameters=trade, scopes="admin")["statusCode"] == 200
