"""Bad input over HTTP: an RFC 7807 problem naming what is wrong, and nothing stored."""

import pytest

from tests.e2e.client import assert_problem

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "slug", ["Trade%20List", "TRADE", "-trade", "trade.list", "x" * 65], ids=["space", "upper", "dash", "dot", "long"]
)
def test_an_invalid_slug_is_a_problem_and_stores_nothing(api, keys, slug):
    response = api.put(f"/v1/price-lists/{slug}", key=keys.write, json={"name": "Trade", "currency": "GBP"})

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "slug"
    listed = api.get("/v1/price-lists", key=keys.read, params={"limit": "1000"}).json()["items"]
    assert slug not in {item["slug"] for item in listed}


BAD_LADDERS = {
    "no-qty-1-tier": ([{"min_qty": 10, "price": "0.10"}], "tiers"),
    "negative-price": ([{"min_qty": 1, "price": "-0.05"}], "tiers.0.price"),
    "non-numeric-price": ([{"min_qty": 1, "price": "abc"}], "tiers.0.price"),
    "duplicate-break": ([{"min_qty": 1, "price": "1"}, {"min_qty": 1, "price": "2"}], "tiers"),
}


@pytest.mark.parametrize(("tiers", "field"), BAD_LADDERS.values(), ids=BAD_LADDERS.keys())
def test_a_bad_ladder_for_one_sku_is_a_problem_and_stores_nothing(api, keys, price_list, tiers, field):
    response = api.put(f"/v1/price-lists/{price_list}/prices/BOLT-M8", key=keys.write, json={"tiers": tiers})

    problem = assert_problem(response, 422)
    assert problem["errors"][0]["field"] == field
    assert_problem(api.get(f"/v1/price-lists/{price_list}/prices/BOLT-M8", key=keys.read), 404)


def test_bad_records_in_a_batch_are_answered_one_by_one_and_only_the_good_ones_stored(api, keys, price_list):
    good = {"sku": "BOLT-M10", "tiers": [{"min_qty": 1, "price": "0.65"}]}
    bad = [{"sku": f"BAD-{name}", "tiers": tiers} for name, (tiers, _) in BAD_LADDERS.items()]

    response = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": [*bad, good]})

    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["error", "error", "error", "error", "created"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert [r["errors"][0]["field"] for r in results[:4]] == [field for _, field in BAD_LADDERS.values()]
    stored = api.get(f"/v1/price-lists/{price_list}/prices", key=keys.read).json()["items"]
    assert [item["sku"] for item in stored] == ["BOLT-M10"]


def test_prices_for_an_unknown_list_are_a_404_problem_and_store_nothing(api, keys, unique):
    ghost = f"ghost-{unique}"
    prices = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]}]}

    problem = assert_problem(api.put(f"/v1/price-lists/{ghost}/prices", key=keys.write, json=prices), 404)

    assert ghost in problem["detail"]
    assert_problem(api.get(f"/v1/price-lists/{ghost}/prices/BOLT-M8", key=keys.read), 404)
    everywhere = api.get("/v1/skus/BOLT-M8/prices", key=keys.read).json()["items"]
    assert ghost not in {item["price_list"] for item in everywhere}


def test_a_lookup_on_an_unknown_list_is_a_404_problem(api, keys, unique):
    body = {"price_list": f"ghost-{unique}", "lines": [{"sku": "BOLT-M8", "qty": 1}]}

    problem = assert_problem(api.post("/v1/pricing/lookup", key=keys.read, json=body), 404)

    assert "lines" not in problem


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b'{"name": "Trade"}', 422), (b'{"name": "Trade", "currency": "XXY"}', 422)],
    ids=["not-json", "missing-currency", "unknown-currency"],
)
def test_an_unreadable_or_incomplete_price_list_is_a_problem_and_stores_nothing(api, keys, unique, body, status):
    slug = f"e2e-{unique}"

    response = api.session.put(
        f"{api.base_url}/v1/price-lists/{slug}",
        data=body,
        headers={"Authorization": f"Bearer {keys.write}", "Content-Type": "application/json"},
        timeout=30,
    )

    assert_problem(response, status)
    assert_problem(api.get(f"/v1/price-lists/{slug}", key=keys.read), 404)
