"""File imports with `profile=<system>`: an ERP's documented export file, dropped in the imports bucket, goes
through that system's file adapter and then the importer's write path → stored prices → a lookup."""

import copy
import json
from pathlib import Path

import pytest
import requests

from devstack.testing import api_event
from functions.imports_api import app as imports_api
from functions.price_lookup import app as price_lookup
from tests.conftest import load_event
from tests.integration.file_imports import job_of, put_file, report_rows, stored_ladder
from tradeprice.data import jobs, reference
from tradeprice.domain.models import Customer
from tradeprice.logic import customers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "integrations"


def fixture(system: str, name: str) -> bytes:
    return (FIXTURES / system / name).read_bytes()


def drop(bucket, queue, body: bytes, metadata: dict[str, str], key: str = "imports/prices/erp.csv"):
    version = put_file(bucket, key, body, metadata)
    queue.drain()
    return job_of(bucket, key, version)


def give_lists(customer_id: str, *lists: str) -> None:
    record = Customer(id=customer_id, email=f"{customer_id.lower()}@example.com", price_lists=list(lists))
    (result,) = customers.put_customers([(0, record)])
    assert result.status in {"created", "updated"}


@pytest.fixture
def lookup(stack, lambda_context):
    """lookup("ACME", ("BOLT-M8", 100)) → {sku: line}, through the lookup function as a read key calls it."""

    def invoke(customer_id, *lines, **context):
        body = {"customer_id": customer_id, "lines": [{"sku": sku, "qty": qty} for sku, qty in lines], **context}
        event = api_event(stack, "POST", "/v1/pricing/lookup", body=json.dumps(body))
        event["requestContext"]["authorizer"] = {"principal": "key:t", "scopes": "read"}
        response = price_lookup.lambda_handler(event, lambda_context)
        assert response["statusCode"] == 200, response["body"]
        return {line["sku"]: line for line in json.loads(response["body"])["lines"]}

    return invoke


# Unleashed ---------------------------------------------------------------------------------------------------------


def test_unleashed_product_pricing_csv_writes_break_ladders_and_reports_the_discount_row(bucket, queue, lookup):
    job = drop(
        bucket, queue, fixture("unleashed", "import-product-pricing.csv"), {"profile": "unleashed", "currency": "GBP"}
    )

    assert job.status == "partially_succeeded", job.failure
    c = job.counts
    assert (c.rows_read, c.rows_written, c.rows_rejected) == (4, 2, 2)
    assert stored_ladder("BOLT-M8", "unleashed-breaks") == [(1, "0.45"), (500, "0.35")]
    assert stored_ladder("NUT-M8", "unleashed-breaks") is None  # its only break starts at 100
    rows = report_rows(job)
    assert {(row["line"], row["column"]) for row in rows} == {("4", "Min. Quantity"), ("5", "Price Type")}
    assert "Discount %" in next(row["reason"] for row in rows if row["line"] == "5")

    give_lists("ACME", "unleashed-breaks")
    line = lookup("ACME", ("BOLT-M8", 600))["BOLT-M8"]
    assert (line["unit_price"], line["price_list"]) == ("0.35", "unleashed-breaks")


def test_unleashed_products_csv_fills_the_default_and_tier_lists_named_by_the_manifest(bucket, queue, lookup):
    key = "imports/prices/products.csv"
    manifest = {"profile": "unleashed", "currency": "GBP", "tier_names": {"Sell Price Tier 1": "Trade"}}
    put_file(bucket, key + ".manifest.json", json.dumps(manifest).encode())
    queue.drain()
    job = drop(bucket, queue, fixture("unleashed", "import-products.csv"), {}, key=key)

    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_read, job.counts.rows_written) == (2, 5)
    assert stored_ladder("BOLT-M8", "unleashed-default") == [(1, "0.5")]
    assert stored_ladder("NUT-M8", "unleashed-tier-trade") == [(1, "0.1")]
    assert stored_ladder("BOLT-M8", "unleashed-tier-sell-price-tier-2") == [(1, "0.38")]
    rules = reference.get_product_rules([("base", "BOLT-M8"), ("base", "NUT-M8")])
    assert {sku: rule.min_qty for (_, sku), rule in rules.items()} == {"BOLT-M8": 50}  # Minimum Sale Quantity

    give_lists("TRADECO", "unleashed-tier-trade", "unleashed-default")
    found = lookup("TRADECO", ("BOLT-M8", 1), ("NUT-M8", 1))
    assert (found["BOLT-M8"]["unit_price"], found["NUT-M8"]["unit_price"]) == ("0.42", "0.10")


def test_a_malformed_unleashed_row_is_reported_under_the_files_own_column(bucket, queue):
    body = b"Product Code,Default Sell Price,Sell Price Tier 1\r\nBOLT-M8,0.50,abc\r\nNUT-M8,0.12,0.10\r\n"
    job = drop(bucket, queue, body, {"profile": "unleashed", "currency": "GBP"})

    assert job.status == "partially_succeeded", job.failure
    assert (job.counts.rows_written, job.counts.rows_rejected) == (2, 1)
    (row,) = report_rows(job)
    assert (row["line"], row["column"], row["value"]) == ("2", "Sell Price Tier 1", "abc")
    assert stored_ladder("BOLT-M8", "unleashed-default") is None


# NetSuite ----------------------------------------------------------------------------------------------------------


def test_netsuite_item_pricing_groups_quantity_cells_into_ladders_per_level(bucket, queue, lookup):
    job = drop(
        bucket,
        queue,
        fixture("netsuite", "item-pricing.csv"),
        {"profile": "netsuite", "currency-map": json.dumps({"British pound": "GBP"})},
    )

    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_read, job.counts.rows_written) == (5, 5)
    assert stored_ladder("BOLT-M8", "netsuite-trade-gbp") == [(1, "0.45"), (100, "0.41")]
    assert stored_ladder("NUT-M8", "netsuite-base-price-gbp") == [(1, "0.12")]

    give_lists("ACME", "netsuite-trade-gbp", "netsuite-base-price-gbp")
    found = lookup("ACME", ("BOLT-M8", 150), ("NUT-M8", 10))
    assert (found["BOLT-M8"]["unit_price"], found["NUT-M8"]["unit_price"]) == ("0.41", "0.12")


# Linnworks ---------------------------------------------------------------------------------------------------------


def test_linnworks_channel_prices_go_to_the_tag_or_channel_list(bucket, queue, lookup):
    job = drop(bucket, queue, fixture("linnworks", "channel-prices.csv"), {"profile": "linnworks", "currency": "GBP"})

    assert job.status == "succeeded", job.failure
    assert (job.counts.rows_read, job.counts.rows_written) == (3, 3)
    assert stored_ladder("BOLT-M8", "linnworks-trade") == [(1, "0.45")]
    assert stored_ladder("BOLT-M8", "linnworks-ebay-ebay-uk") == [(1, "0.58")]

    give_lists("SHOP", "linnworks-trade")
    assert lookup("SHOP", ("NUT-M8", 5))["NUT-M8"]["unit_price"] == "0.11"


def test_a_list_of_unknown_currency_is_reported_not_guessed(bucket, queue):
    job = drop(bucket, queue, fixture("linnworks", "channel-prices.csv"), {"profile": "linnworks"})

    assert job.status == "failed"
    assert {row["column"] for row in report_rows(job)} == {"Price"}
    assert "currency is unknown" in report_rows(job)[0]["reason"]


# Refusals ----------------------------------------------------------------------------------------------------------


def test_an_unknown_profile_fails_the_job_with_the_profiles_there_are(bucket, queue):
    job = drop(bucket, queue, fixture("linnworks", "channel-prices.csv"), {"profile": "sage"})

    assert job.status == "failed"
    assert "no file profile 'sage'" in job.failure
    assert "linnworks, netsuite, unleashed" in job.failure


def test_headers_that_are_none_of_the_systems_files_fail_the_job(bucket, queue):
    job = drop(bucket, queue, b"sku,price\r\nA,1.00\r\n", {"profile": "netsuite", "currency": "GBP"})

    assert job.status == "failed"
    assert "none of netsuite's files" in job.failure


def test_a_dry_run_with_a_profile_plans_without_creating_lists(bucket, queue):
    job = drop(
        bucket,
        queue,
        fixture("linnworks", "channel-prices.csv"),
        {"profile": "linnworks", "currency": "GBP", "mode": "dry_run"},
    )

    assert job.status == "succeeded", job.failure
    assert job.counts.rows_written == 3
    assert stored_ladder("BOLT-M8", "linnworks-trade") is None


# POST /v1/imports --------------------------------------------------------------------------------------------------


def test_an_upload_through_post_imports_with_a_profile_runs_the_adapter(stack, lambda_context, queue):
    event = copy.deepcopy(load_event("imports_api/post-import"))
    event["body"] = json.dumps({"profile": "linnworks", "currency": "GBP", "filename": "channel-prices.csv"})
    created = json.loads(imports_api.lambda_handler(event, lambda_context)["body"])
    instructions = created["upload"]
    assert instructions["headers"]["x-amz-meta-profile"] == "linnworks"
    assert created["job"]["profile"] == "linnworks"

    sent = requests.put(
        instructions["url"],
        data=fixture("linnworks", "channel-prices.csv"),
        headers=instructions["headers"],
        timeout=10,
    )
    assert sent.status_code == 200
    queue.drain()

    job = jobs.get(created["job_id"])
    assert job is not None
    assert (job.status, job.counts.rows_written) == ("succeeded", 3)
    assert stored_ladder("NUT-M8", "linnworks-trade") == [(1, "0.11")]
