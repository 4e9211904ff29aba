"""The public API routes the console relies on, over HTTP on the local stack: CSV export pages, staff sessions."""

from urllib.parse import urlsplit

import pytest

from devstack.seed import DEMO_STAFF, DemoKeys
from tests.e2e.client import Api

pytestmark = pytest.mark.e2e

ADMIN, STAFF = DEMO_STAFF


def next_path(link: str | None) -> str | None:
    """The API path (from /v1/) of a `Link: <…>; rel="next"` header, absolute or not."""
    if not link:
        return None
    target = urlsplit(link[link.index("<") + 1 : link.index(">")])
    return target.path[target.path.index("/v1/") :] + (f"?{target.query}" if target.query else "")


def test_a_list_exports_as_csv_pages_each_with_its_header_and_the_next_in_the_link_header(
    api: Api, keys: DemoKeys, price_list
):
    prices = [{"sku": f"SKU-{n}", "tiers": [{"min_qty": 1, "price": f"1.0{n}"}]} for n in range(5)]
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": prices}).status_code == 200

    rows: list[str] = []
    path: str | None = f"/v1/price-lists/{price_list}/prices?limit=2"
    pages = 0
    while path is not None:
        answer = api.get(path, key=keys.read, headers={"Accept": "text/csv"})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        lines = answer.content.decode("utf-8-sig").split("\r\n")
        assert lines[0] == "sku,qty,price,unit_of_measure,valid_from,valid_until,source_version"
        rows += [line for line in lines[1:] if line]
        pages += 1
        path = next_path(answer.headers.get("Link"))

    assert pages == 3
    # stored prices are exported in their canonical form: 1.00 is 1
    assert sorted(rows) == ["SKU-0,1,1,,,,", *(f"SKU-{n},1,1.0{n},,,," for n in range(1, 5))]


def test_json_stays_the_default_for_the_price_listing(api: Api, keys: DemoKeys, price_list):
    answer = api.get(f"/v1/price-lists/{price_list}/prices", key=keys.read)
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["items"] == []
