"""The merchant console in a real browser (Debian's Chromium via Playwright) against the local stack.

Staff sign in with their own accounts (the stack's Cognito user pool in moto), and the page uses the public API
with their short-lived token. Each test saves a screenshot under tests/screenshots/.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.seed import DEMO_STAFF, DemoKeys, DemoStaff, create_demo_staff
from devstack.stack import DevStack
from tests.e2e.browser import launch_browser, screenshot, watch
from tests.e2e.client import Api
from tests.e2e.conftest import StackEnvironment, fresh_execution_environment

pytestmark = pytest.mark.e2e

expect: Any
try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - requirements-dev.txt installs it
    expect = None
else:
    # The stack shares two cores with other work: give the page time, without ever sleeping.
    expect.set_options(timeout=30_000)

ADMIN, STAFF = DEMO_STAFF


@pytest.fixture(scope="session")
def staff(stack_environment: StackEnvironment) -> tuple[DemoStaff, ...]:
    """The demo staff (an admin and a staff member) in the stack's user pool, as `make run` makes them."""
    with stack_environment.applied():
        fresh_execution_environment()
        made = create_demo_staff()
        fresh_execution_environment()
    return made


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture
def page(browser: Any, local_stack: DevStack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def sign_in(page: Any, stack: DevStack, member: DemoStaff) -> None:
    page.goto(f"{stack.api_url}/console")
    page.get_by_label("Email", exact=True).fill(member.email)
    page.get_by_label("Password", exact=True).fill(member.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who-email")).to_contain_text(member.email)


def token_of(api: Api, member: DemoStaff) -> str:
    answer = api.post("/v1/sessions", json={"email": member.email, "password": member.password})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["access_token"])


def test_staff_sign_in_and_the_page_loads_only_from_its_own_origins_under_a_strict_csp(page, local_stack, staff):
    # Given the console, watched for every request and console error
    seen = watch(page)
    # When a staff member opens it and signs in
    response = page.goto(f"{local_stack.api_url}/console")
    policy = response.headers["content-security-policy"]
    sign_in(page, local_stack, STAFF)
    # Then the page is served under a CSP with no inline script and no third-party origin
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "default-src 'none'" in policy
    # and everything it loaded came from the stack itself, with no CSP violation or script error
    api_origin = re.match(r"https?://[^/]+", local_stack.api_url).group(0)
    assert seen.origins <= {api_origin, local_stack.endpoint_url}
    assert seen.errors == []
    # and the session lives in memory only: nothing in storage or cookies, nothing in the URL
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert page.context.cookies() == []
    assert "eyJ" not in page.url
    expect(page.get_by_role("heading", name="Import a file")).to_be_visible()
    screenshot(page, "console-signed-in")


def test_a_wrong_password_is_refused_in_plain_words(page, local_stack, staff):
    page.goto(f"{local_stack.api_url}/console")
    page.get_by_label("Email", exact=True).fill(STAFF.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("email or password is not right")
    expect(page.locator("#nav")).to_be_hidden()
    screenshot(page, "console-sign-in-refused")


def test_an_import_with_a_bad_row_shows_progress_to_the_end_and_the_rejected_row(
    page, local_stack, staff, price_list, tmp_path: Path
):
    # Given a price file with one bad row
    file = tmp_path / "spring-prices.csv"
    file.write_text("sku,price,qty\nBOLT-M8,0.48,1\nBOLT-M8,0.43,100\nNUT-M8,twelve pence,1\nWASHER-M8,0.05,1\n")
    sign_in(page, local_stack, STAFF)
    # When staff import it into a list, adding and updating
    page.get_by_label("Price list", exact=True).select_option(price_list)
    page.locator("#import-file").set_input_files(str(file))
    page.get_by_role("button", name="Import", exact=True).click()
    # Then the progress reaches the end, the counts say what happened and the bad row is in the table
    expect(page.locator("#import-status")).to_contain_text("Done, with rejected rows", timeout=60_000)
    expect(page.locator("#import-status")).to_contain_text("1 of 4 rows was rejected; the error report lists them")
    assert page.locator("#import-progress").get_attribute("value") == "100"
    counts = page.locator("table.counts tbody tr td")
    expect(counts.nth(0)).to_have_text("4")  # rows read
    expect(counts.nth(1)).to_have_text("3")  # written
    expect(counts.nth(3)).to_have_text("1")  # rejected
    rejected = page.locator("table.rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.first).to_contain_text("4")  # the line Excel shows
    expect(rejected.first).to_contain_text("price")
    expect(rejected.first).to_contain_text("twelve pence")
    expect(page.get_by_role("link", name="Download the error report (CSV)")).to_be_visible()
    screenshot(page, "console-import-rejected-row")
    # And the job is first in the imports list, which shows who ran it
    page.get_by_role("link", name="Imports", exact=True).click()
    first = page.locator("#jobs-table tbody tr").first
    expect(first).to_contain_text("spring-prices.csv")
    expect(first).to_contain_text(STAFF.email)
    screenshot(page, "console-jobs")


def test_a_replace_dry_runs_first_shows_the_plan_and_applies_only_on_confirmation(
    page, local_stack, staff, api: Api, keys: DemoKeys, price_list, tmp_path: Path
):
    # Given a list with three SKUs
    stored = [
        {"sku": sku, "tiers": [{"min_qty": 1, "price": price}]}
        for sku, price in (("BOLT-M8", "0.50"), ("NUT-M8", "0.12"), ("WASHER-M8", "0.05"))
    ]
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": stored}).status_code == 200
    # and a file that changes one price and no longer names WASHER-M8
    file = tmp_path / "full-list.csv"
    file.write_text("sku,price,qty\nBOLT-M8,0.52,1\nNUT-M8,0.12,1\n")
    sign_in(page, local_stack, STAFF)
    # When staff choose replace
    page.get_by_label("Price list", exact=True).select_option(price_list)
    page.locator("#import-file").set_input_files(str(file))
    page.get_by_label("Replace the whole list").check()
    page.get_by_role("button", name="Import", exact=True).click()
    # Then a dry run shows the plan: old → new, and the removal highlighted; nothing is written yet
    plan = page.locator(".plan")
    expect(plan).to_contain_text("1 removed", timeout=60_000)
    removal = page.locator("tr.remove")
    expect(removal).to_have_count(1)
    expect(removal).to_contain_text("WASHER-M8")
    expect(plan.locator("tbody tr", has_text="BOLT-M8")).to_contain_text("0.52")
    screenshot(page, "console-replace-plan")
    assert api.get(f"/v1/price-lists/{price_list}/prices/WASHER-M8", key=keys.read).status_code == 200
    # When they confirm
    page.get_by_role("button", name="Apply the replace").click()
    # Then the replace runs to the end and the list matches the file
    expect(page.locator("#import-status")).to_have_text(re.compile(r"^Done\.$"), timeout=60_000)
    screenshot(page, "console-replace-applied")
    assert api.get(f"/v1/price-lists/{price_list}/prices/WASHER-M8", key=keys.read).status_code == 404
    bolt = api.get(f"/v1/price-lists/{price_list}/prices/BOLT-M8", key=keys.read).json()
    assert bolt["tiers"] == [{"min_qty": 1, "price": "0.52"}]


def test_a_replace_past_a_guardrail_needs_a_second_explicit_confirmation(
    page, local_stack, staff, api: Api, keys: DemoKeys, price_list, tmp_path: Path
):
    # Given a list, and a file with a ×100 slip
    stored = [{"sku": "DRILL-18V", "tiers": [{"min_qty": 1, "price": "33.61"}]}]
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": stored}).status_code == 200
    file = tmp_path / "slip.csv"
    file.write_text("sku,price,qty\nDRILL-18V,3361,1\n")
    sign_in(page, local_stack, STAFF)
    page.get_by_label("Price list", exact=True).select_option(price_list)
    page.locator("#import-file").set_input_files(str(file))
    page.get_by_label("Replace the whole list").check()
    page.get_by_role("button", name="Import", exact=True).click()
    # Then the plan says a guardrail stopped it, and the first confirmation only asks for a second one
    expect(page.locator(".plan")).to_contain_text("Guardrail", timeout=60_000)
    page.get_by_role("button", name="Replace anyway…").click()
    force = page.get_by_role("button", name="Force the replace")
    expect(force).to_be_disabled()
    screenshot(page, "console-replace-guardrail")
    assert (
        api.get(f"/v1/price-lists/{price_list}/prices/DRILL-18V", key=keys.read).json()["tiers"][0]["price"] == "33.61"
    )
    # When they tick that they checked the flagged change and force it
    page.get_by_label("I have checked the flagged changes and want them applied.").check()
    force.click()
    expect(page.locator("#import-status")).to_have_text(re.compile(r"^Done\.$"), timeout=60_000)
    assert (
        api.get(f"/v1/price-lists/{price_list}/prices/DRILL-18V", key=keys.read).json()["tiers"][0]["price"] == "3361"
    )


def test_a_cart_preview_shows_the_explain_trail_step_by_step_and_the_ladder_chart(
    page, local_stack, staff, api: Api, keys: DemoKeys, unique: str
):
    # Given a list with a three-tier ladder and a customer with 2.5 % off on it
    slug = f"preview-{unique}"
    assert (
        api.put(f"/v1/price-lists/{slug}", key=keys.write, json={"name": "Preview", "currency": "GBP"}).status_code
        == 201
    )
    ladder = [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}, {"min_qty": 1000, "price": "0.40"}]
    body = {"prices": [{"sku": "BOLT-M8", "tiers": ladder}]}
    assert api.put(f"/v1/price-lists/{slug}/prices", key=keys.write, json=body).status_code == 200
    group = {"name": "Preview group", "price_lists": [slug]}
    assert api.put(f"/v1/customer-groups/{slug}", key=keys.write, json=group).status_code == 201
    customer = {
        "id": f"P-{unique}",
        "email": f"buyer-{unique}@example.com",
        "company": "Preview Ltd",
        "group": slug,
        "discount_percent": "2.5",
    }
    assert api.post("/v1/customers:batch", key=keys.write, json={"customers": [customer]}).status_code == 200
    sign_in(page, local_stack, STAFF)
    # When staff preview a cart of 150 bolts for that customer
    page.get_by_role("link", name="Preview prices").click()
    page.get_by_label("Customer id", exact=True).fill(customer["id"])
    page.get_by_label("Cart: one line each, SKU and quantity").fill("BOLT-M8 150")
    page.get_by_role("button", name="Preview", exact=True).click()
    # Then the answer is the lookup's, and the trail says which list, tier, discount and rounding made it
    card = page.locator(".line-card").first
    expect(card.get_by_role("heading", level=2)).to_contain_text("0.44 GBP each, 66.00 in total")
    trail = card.locator("ol.trail li")
    expect(trail.filter(has_text=f"{slug}: chosen")).to_have_count(1)
    expect(trail.filter(has_text="reaches the 100+ tier, listed at 0.45")).to_have_count(1)
    expect(trail.filter(has_text="2.5 % off gives 0.43875")).to_have_count(1)
    expect(trail.filter(has_text="0.43875 rounds to 0.44 GBP")).to_have_count(1)
    expect(trail.filter(has_text="850 more (1000+) pay 0.39 each")).to_have_count(1)
    # and the step chart draws the ladder with the chosen quantity and the next tier marked
    chart = card.locator("svg.ladder")
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("path.step")).to_have_count(1)
    expect(chart.locator(".chosen text")).to_have_text("qty 150: 0.44")
    expect(chart.locator(".next text")).to_have_text("next tier: 1000")
    screenshot(page, "console-preview")


def test_an_admin_creates_a_key_shown_once_and_revokes_it(page, local_stack, staff, api: Api):
    sign_in(page, local_stack, ADMIN)
    page.get_by_role("link", name="API keys").click()
    # When an admin creates a key for a storefront server
    page.get_by_label("Who will hold it").fill("storefront-test")
    page.get_by_label("Read (storefront server)").check()
    page.get_by_role("button", name="Create key").click()
    # Then the key is shown once, and it works
    secret = page.locator("#new-key")
    expect(secret).to_have_text(re.compile(r"^tp_[a-z0-9]{12}_"))
    key = secret.text_content()
    assert api.get("/v1/price-lists", key=key).status_code == 200
    row = page.locator("#keys-table tbody tr", has_text="storefront-test")
    expect(row).to_contain_text("read")
    expect(row).to_contain_text("Active")
    assert key not in page.locator("#keys-table").inner_text()
    screenshot(page, "console-key-created")
    # When they revoke it (confirming the dialog)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=re.compile("^Revoke key storefront-test")).click()
    expect(row).to_contain_text("Revoked")
    screenshot(page, "console-key-revoked")
    # Then the key no longer opens the API
    assert api.get("/v1/price-lists", key=key).status_code == 401


def test_a_staff_member_without_admin_rights_cannot_manage_keys(page, local_stack, staff, api: Api):
    sign_in(page, local_stack, STAFF)
    # The page offers no key management to a staff member...
    expect(page.get_by_role("link", name="API keys")).to_be_hidden()
    page.goto(f"{local_stack.api_url}/console#keys")
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # a reload forgets the session
    sign_in(page, local_stack, STAFF)
    page.evaluate("location.hash = '#keys'")
    expect(page.locator("#notice")).to_contain_text("API keys are managed by admins only")
    expect(page.locator("#view-keys")).to_be_hidden()
    screenshot(page, "console-staff-no-keys")
    # ...and the API refuses it whatever the page does
    token = token_of(api, STAFF)
    assert api.get("/v1/keys", key=token).status_code == 403
    created = api.post("/v1/keys", key=token, json={"name": "sneaky", "scopes": ["admin"]})
    assert created.status_code == 403
    assert created.headers["content-type"].startswith("application/problem+json")


def test_a_list_exported_as_csv_imports_back_unchanged(
    page, local_stack, staff, api: Api, keys: DemoKeys, price_list, tmp_path: Path
):
    # Given a list of three SKUs: a ladder, a unit of measure, a SKU with a space and a slash, a fourth decimal
    stored = [
        {"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}]},
        {"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "0.12"}], "unit_of_measure": "box"},
        {"sku": "WASHER M8/10", "tiers": [{"min_qty": 1, "price": "0.0525"}]},
    ]
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": stored}).status_code == 200
    before = api.get(f"/v1/price-lists/{price_list}/prices", key=keys.read).json()["items"]
    sign_in(page, local_stack, STAFF)
    # When staff export it from the list's page
    page.get_by_role("link", name="Price lists").click()
    page.get_by_role("button", name=f"Prices of {price_list}").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()
    assert download.value.suggested_filename == f"{price_list}-prices.csv"
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    exported = saved.read_text(encoding="utf-8-sig")
    # Then the file is in the import format, one row per tier
    lines = exported.splitlines()
    assert lines[0] == "sku,qty,price,unit_of_measure,valid_from,valid_until,source_version"
    assert sorted(lines[1:]) == [
        "BOLT-M8,1,0.5,,,,",  # sent as 0.50: stored in its one canonical form
        "BOLT-M8,100,0.45,,,,",
        "NUT-M8,1,0.12,box,,,",
        "WASHER M8/10,1,0.0525,,,,",
    ]
    # When they import it back unedited
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("Price list", exact=True).select_option(price_list)
    page.locator("#import-file").set_input_files(str(saved))
    page.get_by_role("button", name="Import", exact=True).click()
    # Then nothing changes: every row is unchanged, nothing written
    expect(page.locator("#import-status")).to_have_text(re.compile(r"^Done\.$"), timeout=60_000)
    counts = page.locator("table.counts tbody tr td")
    expect(counts.nth(0)).to_have_text("4")  # rows read
    expect(counts.nth(1)).to_have_text("0")  # written
    expect(counts.nth(2)).to_have_text("4")  # unchanged
    screenshot(page, "console-export-reimported")
    assert api.get(f"/v1/price-lists/{price_list}/prices", key=keys.read).json()["items"] == before


def test_the_sync_log_shows_what_an_erp_sent_wrong(page, local_stack, staff, api: Api, keys: DemoKeys, price_list):
    # Given an ERP's batch with one bad record among good ones
    prices = [
        {"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "0.50"}]},
        {"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "twelve"}]},
    ]
    answer = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json={"prices": prices})
    assert answer.status_code == 207
    # When staff open the sync log
    sign_in(page, local_stack, STAFF)
    page.get_by_role("link", name="Sync log").click()
    # Then the rejected record is there: who sent it, the request, the record and what was wrong
    row = page.locator("#sync-table tbody tr", has_text="NUT-M8").first
    expect(row).to_contain_text("demo-write")
    expect(row).to_contain_text(f"PUT /v1/price-lists/{price_list}/prices")
    expect(row).to_contain_text("2")  # the second record of the batch
    expect(row).to_contain_text("price")
    screenshot(page, "console-sync-log")
