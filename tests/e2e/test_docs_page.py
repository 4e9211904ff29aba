"""The interactive docs page (GET /v1/docs) in a real browser: Swagger UI served by the stack itself (no CDN), the
document's server keeping the stage, so "Try it out" reaches the API: authorize with a key, run a lookup, a 200."""

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.seed import DemoKeys
from devstack.stack import DevStack
from tests.e2e.browser import launch_browser, screenshot, watch
from tests.e2e.client import Api

pytestmark = pytest.mark.e2e

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    expect = None
else:
    expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def test_try_it_out_authorizes_with_a_key_and_runs_a_lookup(
    browser, local_stack: DevStack, api: Api, keys: DemoKeys, unique
):
    # Given a price to look up
    slug = f"docs-{unique}"
    assert (
        api.put(f"/v1/price-lists/{slug}", key=keys.write, json={"name": "Docs", "currency": "GBP"}).status_code == 201
    )
    body = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]}]}
    assert api.put(f"/v1/price-lists/{slug}/prices", key=keys.write, json=body).status_code == 200
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = watch(page)
    # When the docs page is opened
    page.goto(f"{local_stack.api_url}/v1/docs")
    # Then Swagger UI loaded from the stack itself, and the document's server keeps the stage
    expect(page.locator(".information-container .title")).to_contain_text("tradeprice")
    api_origin = local_stack.api_url.split("/", 3)[:3]
    assert seen.origins == {"/".join(api_origin)}
    stage = "/" + local_stack.api_url.split("/", 3)[3]
    assert api.get("/v1/openapi.json").json()["servers"] == [{"url": stage}]
    # When a key is entered under Authorize
    page.locator("button.authorize").first.click()
    page.locator(".auth-container input").first.fill(keys.read)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()
    # and a lookup is tried out
    operation = page.locator("#operations-lookup-get_v1_pricing_sku")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator('tr[data-param-name="sku"] input').fill("BOLT-M8")
    operation.locator('tr[data-param-name="price_list"] input').fill(slug)
    operation.locator("button.execute").click()
    # Then the API answered 200 with the price
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("200")
    expect(operation.locator(".live-responses-table .microlight").first).to_contain_text('"unit_price": "0.50"')
    screenshot(page, "docs-try-it-out")
    assert seen.errors == []
    context.close()
