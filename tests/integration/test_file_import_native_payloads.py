"""File imports of a system's native JSON payload (`profile=<system>`, `resource=<resource>`): the file goes through
the integrations API's adapter and write orchestration → stored records → a lookup returning the price the
integrations API tests expect for the same fixtures (tests/integration/test_integrations_api.py)."""

import json
from pathlib import Path

import pytest

from devstack.testing import api_event
from functions.price_lookup import app as price_lookup
from tests.integration.file_imports import job_of, put_file, report_rows
from tradeprice.domain.models import Customer
from tradeprice.logic import customers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "integrations"
ACME_CIN7 = "a1f0c9d2-0000-4000-8000-00000000acme"


def drop(bucket, queue, system: str, resource: str, name: str, *, body: bytes | None = None, **options: str):
    """Put a native fixture under imports/prices/ with profile and resource metadata; the finished job."""
    folder = system.replace("-", "_")
    key = f"imports/prices/{folder}-{name}"
    metadata = {"profile": system, "resource": resource, **options}
    version = put_file(bucket, key, body if body is not None else (FIXTURES / folder / name).read_bytes(), metadata)
    queue.drain()
    job = job_of(bucket, key, version)
    return job


def ok(job) -> None:
    """Every record written or unchanged, or skipped by the adapter (a cost-only list, an obsolete product) and
    then a report row saying why, counted as rejected: it was not imported."""
    c = job.counts
    assert c.rows_read == c.rows_written + c.rows_unchanged + c.rows_rejected, c
    if c.rows_rejected:
        assert job.status == "partially_succeeded", (job.failure, c)
        rows = report_rows(job)
        assert all(row["reason"].startswith("skipped: ") for row in rows), rows
    else:
        assert job.status == "succeeded", (job.failure, c)


def give_lists(customer_id: str, *lists: str) -> None:
    record = Customer(id=customer_id, email=f"{customer_id.lower()}@example.com", price_lists=list(lists))
    (result,) = customers.put_customers([(0, record)])
    assert result.status in {"created", "updated"}


@pytest.fixture
def lookup(stack, lambda_context):
    def invoke(customer_id, *lines, **context):
        body = {"customer_id": customer_id, "lines": [{"sku": sku, "qty": qty} for sku, qty in lines], **context}
        event = api_event(stack, "POST", "/v1/pricing/lookup", body=json.dumps(body))
        event["requestContext"]["authorizer"] = {"principal": "key:t", "scopes": "read"}
        response = price_lookup.lambda_handler(event, lambda_context)
        assert response["statusCode"] == 200, response["body"]
        return {line["sku"]: line for line in json.loads(response["body"])["lines"]}

    return invoke


def test_unleashed_payloads(bucket, queue, lookup):
    for resource, name in (
        ("products", "products.json"),
        ("product-prices", "product-prices.json"),
        ("customers", "customers.json"),
    ):
        ok(drop(bucket, queue, "unleashed", resource, name, currency="GBP"))

    acme = lookup("ACME", ("BOLT-M8", 100), ("NUT-M8", 10), at="2026-06-01T00:00:00Z")
    assert (acme["BOLT-M8"]["unit_price"], acme["NUT-M8"]["unit_price"]) == ("0.31", "0.10")
    assert lookup("BUILDCO", ("BOLT-M8", 600))["BOLT-M8"]["unit_price"] == "0.35"


def test_cin7_payloads(bucket, queue, lookup):
    ok(drop(bucket, queue, "cin7", "products", "products.json", currency="GBP"))
    ok(drop(bucket, queue, "cin7", "customers", "customers.json", currency="GBP"))

    acme = lookup(ACME_CIN7, ("BOLT-M8", 10), ("NUT-M8", 10), ("WASHER-M8", 100))
    assert [acme[sku]["unit_price"] for sku in ("BOLT-M8", "NUT-M8", "WASHER-M8")] == ["0.33", "0.10", "0.02"]


def test_katana_payloads(bucket, queue, lookup):
    ok(drop(bucket, queue, "katana", "price-lists", "price-lists.json", currency="GBP"))
    ok(drop(bucket, queue, "katana", "variants", "variants.json", currency="GBP"))
    ok(drop(bucket, queue, "katana", "price-list-rows", "price-list-rows.json"))
    ok(drop(bucket, queue, "katana", "customers", "customers.json"))

    assert lookup("501", ("BOLT-M8", 10))["BOLT-M8"]["unit_price"] == "0.39"
    assert lookup("502", ("BOLT-M8", 10))["BOLT-M8"]["unit_price"] == "0.50"


def test_brightpearl_payloads(bucket, queue, lookup):
    ok(drop(bucket, queue, "brightpearl", "price-lists", "price-lists.json"))
    ok(drop(bucket, queue, "brightpearl", "product-prices", "product-prices.json"))
    ok(drop(bucket, queue, "brightpearl", "customers", "customers.json"))

    acme = lookup("204", ("BOLT-M8", 150), ("NUT-M8", 500))
    assert (acme["BOLT-M8"]["unit_price"], acme["NUT-M8"]["unit_price"]) == ("0.44", "0.09")


def test_linnworks_payloads(bucket, queue, lookup):
    items = drop(bucket, queue, "linnworks", "stock-items", "stock-items.json", currency="GBP")
    # NUT-M8 carries no price of its own: skipped, and said so in the report, not counted as unchanged
    c = items.counts
    assert (items.status, c.rows_read, c.rows_written, c.rows_unchanged, c.rows_rejected) == (
        "partially_succeeded",
        2,
        1,
        0,
        1,
    )
    (row,) = report_rows(items)
    assert (row["line"], row["reason"].startswith("skipped: ")) == ("2", True), row
    ok(drop(bucket, queue, "linnworks", "channel-prices", "channel-prices.json", currency="GBP"))

    give_lists("TRADE-1", "linnworks-trade")
    line = lookup("TRADE-1", ("BOLT-M8", 120), ("NUT-M8", 600))
    assert (line["BOLT-M8"]["unit_price"], line["NUT-M8"]["unit_price"]) == ("0.42", "0.09")


def test_netsuite_payloads(bucket, queue, lookup):
    ok(drop(bucket, queue, "netsuite", "price-levels", "price-levels.json", currencies="GBP"))
    ok(drop(bucket, queue, "netsuite", "item-pricing", "item-pricing.json", **{"currency-map": '{"Euro": "EUR"}'}))
    ok(drop(bucket, queue, "netsuite", "customers", "customers.json"))

    acme = lookup("3107", ("BOLT-M8", 150), ("NUT-M8", 10))
    assert (acme["BOLT-M8"]["unit_price"], acme["NUT-M8"]["unit_price"]) == ("0.41", "0.09")
    assert lookup("3108", ("BOLT-M8", 1000))["BOLT-M8"]["unit_price"] == "0.42"


def test_business_central_payloads_lines_as_json_lines(bucket, queue, lookup):
    records = json.loads((FIXTURES / "business_central" / "price-list-lines.json").read_text())["value"]
    body = "\n".join(json.dumps(record) for record in records).encode()  # one native record per line
    lines = drop(bucket, queue, "business-central", "price-list-lines", "lines.jsonl", body=body, currency="GBP")
    ok(lines)
    assert lines.counts.rows_read == len(records)
    ok(drop(bucket, queue, "business-central", "customers", "customers.json", currency="GBP"))

    acme = lookup("C10000", ("BOLT-M8", 150), ("NUT-M8", 10), at="2026-06-01T00:00:00Z")
    assert (acme["BOLT-M8"]["unit_price"], acme["NUT-M8"]["unit_price"]) == ("0.40", "0.09")
    assert lookup("C20000", ("BOLT-M8", 150))["BOLT-M8"]["unit_price"] == "0.50"


def test_a_malformed_payload_reports_rows_naming_the_native_field(bucket, queue):
    job = drop(bucket, queue, "cin7", "products", "malformed-products.json", currency="GBP")

    assert job.status == "failed", job.failure
    assert (job.counts.rows_read, job.counts.rows_rejected) == (3, 3)
    rows = report_rows(job)
    assert {"line": "1", "column": "PriceTiers.Trade", "value": "cheap", "reason": "not a number"} in rows
    assert ("2", "CustomPrices[0].CustomerID") in {(row["line"], row["column"]) for row in rows}
    assert ("3", "SKU") in {(row["line"], row["column"]) for row in rows}


def test_a_native_payload_without_its_resource_fails_the_job(bucket, queue):
    key = "imports/prices/cin7-products.json"
    version = put_file(bucket, key, (FIXTURES / "cin7" / "products.json").read_bytes(), {"profile": "cin7"})
    queue.drain()
    job = job_of(bucket, key, version)

    assert job.status == "failed"
    assert "needs its resource" in job.failure


def test_an_unknown_resource_or_a_dry_run_fails_the_job(bucket, queue):
    unknown = drop(bucket, queue, "cin7", "widgets", "products.json", currency="GBP")
    assert unknown.status == "failed"
    assert "cin7 has no resource 'widgets'" in unknown.failure
    dry = drop(bucket, queue, "cin7", "products", "customers.json", currency="GBP", mode="dry_run")
    assert dry.status == "failed"
    assert "dry_run is not available" in dry.failure
