"""Price lookup through the handler: stored tiers in, the customer's price out."""

import pytest


@pytest.fixture
def trade_prices(call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    assert call_api("ingest_api/put-prices")["statusCode"] == 200


def test_lookup_by_price_list_uses_the_tiers(call_api, trade_prices):
    response = call_api("price_lookup/lookup-by-price-list")
    assert response["statusCode"] == 200
    bolt, drill, unknown, bad = response["json"]["lines"]
    assert (bolt["unit_price"], bolt["line_total"], bolt["tier_min_qty"]) == ("0.45", "67.50", 100)
    assert bolt["next_tier"] == {"min_qty": 1000, "unit_price": "0.40", "add_qty": 850}
    assert bolt["tiers"] == [
        {"min_qty": 1, "unit_price": "0.50"},
        {"min_qty": 100, "unit_price": "0.45"},
        {"min_qty": 1000, "unit_price": "0.40"},
    ]
    assert (drill["unit_price"], drill["currency"], drill["price_list"]) == ("33.61", "GBP", "trade")
    assert unknown["found"] is False
    assert bad["found"] is False
    assert bad["errors"][0]["field"] == "qty"


def test_lookup_for_a_customer_walks_the_group_and_sums_tier_groups(call_api, trade_prices):
    call_api(
        "ingest_api/put-prices",
        body={
            "prices": [
                {"sku": "BOLT-M10", "tiers": [{"min_qty": 1, "price": "0.65"}, {"min_qty": 100, "price": "0.60"}]}
            ]
        },
    )
    call_api("ingest_api/put-customer-group", body={"name": "Trade", "price_lists": ["trade"]})
    call_api("ingest_api/put-customer", body={"email": "buyer@example.com", "group": "trade", "discount_percent": "10"})
    call_api("ingest_api/post-product-rules-batch", body={"rules": [{"sku": "BOLT-M10", "pack_size": 25}]})
    response = call_api("price_lookup/lookup-by-customer")
    assert response["statusCode"] == 200
    m8, m10 = response["json"]["lines"]
    # 96 + 24 = 120 in the "bolts" tier group → the 100+ tier; then 10 % off, rounded half-up
    assert (m8["unit_price"], m8["line_total"]) == ("0.41", "39.36")  # 0.45 × 0.9 = 0.405 → 0.41
    assert (m10["unit_price"], m10["line_total"]) == ("0.54", "12.96")  # 0.60 × 0.9
    assert m10["orderable"] is False
    assert m10["suggested_qty"] == 25
    assert m8["explain"][0]["outcome"] == "won"


def test_single_sku_lookup(call_api, trade_prices):
    response = call_api("price_lookup/get-sku-price", query={"price_list": "trade", "qty": "1000"})
    assert response["statusCode"] == 200
    assert response["json"]["unit_price"] == "0.40"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"price_list": "ghost", "lines": [{"sku": "A", "qty": 1}]}, 404),
        ({"customer_id": "nobody", "lines": [{"sku": "A", "qty": 1}]}, 404),
        ({"lines": [{"sku": "A", "qty": 1}]}, 422),
        ({"price_list": "trade", "lines": []}, 422),
        ({"price_list": "trade", "lines": [{"sku": "A", "qty": 1}] * 251}, 422),
    ],
)
def test_bad_lookups_get_a_problem(call_api, trade_prices, body, status):
    response = call_api("price_lookup/lookup-by-price-list", body=body)
    assert response["statusCode"] == status
    assert response["json"]["status"] == status


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("https://shop.example.com", True), ("https://evil.example", False), (None, False)],
)
def test_cors_names_only_configured_origins_even_on_errors(call_api, trade_prices, monkeypatch, origin, allowed):
    from tradeprice.config import get_settings

    monkeypatch.setenv("ALLOWED_ORIGINS", "https://shop.example.com, https://b2b.example.com")
    get_settings.cache_clear()
    headers = {"Origin": origin} if origin else {}
    for body in (None, {"price_list": "ghost", "lines": [{"sku": "A", "qty": 1}]}):
        kwargs = {"headers": headers} if body is None else {"headers": headers, "body": body}
        response = call_api("price_lookup/lookup-by-price-list", **kwargs)
        granted = response.get("multiValueHeaders", {}).get("Access-Control-Allow-Origin")
        assert granted == ([origin] if allowed else None), response["statusCode"]
    get_settings.cache_clear()
