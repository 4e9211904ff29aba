"""The imports API in-process: POST /v1/imports hands out a presigned upload bound to the job's options, the file
uploaded through it is imported as that job, and GET /v1/imports[/{id}] follow it."""

import copy
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from functions.imports_api import app as imports_api
from tests.conftest import load_event
from tests.integration.file_imports import make_list, report_rows, stored_ladder
from tradeprice.data import jobs


@pytest.fixture
def call(stack, lambda_context):
    """call("post-import", body=..., query=..., scopes=...) → the response, `json` decoded."""

    def invoke(name, *, body=..., query=None, job_id=None, scopes=None, principal="key:merchant-staff"):
        event = copy.deepcopy(load_event(f"imports_api/{name}"))
        if body is not ...:
            event["body"] = json.dumps(body)
        if query is not None:
            event["queryStringParameters"] = query
        if job_id is not None:
            event["pathParameters"] = {"id": job_id}
            event["path"] = f"/v1/imports/{job_id}"
        authorizer = event["requestContext"]["authorizer"]
        if scopes is not None:
            authorizer["scopes"] = scopes
        authorizer["principal"] = principal
        response = imports_api.lambda_handler(event, lambda_context)
        response["json"] = json.loads(response["body"]) if response.get("body") else None
        return response

    return invoke


def upload(created, body: bytes, headers=None) -> requests.Response:
    """PUT the file where the API said, with the headers it said (the signed ones)."""
    instructions = created["json"]["upload"]
    sent = instructions["headers"] if headers is None else headers
    return requests.put(instructions["url"], data=body, headers=sent, timeout=10)


def test_post_imports_makes_a_queued_job_and_an_upload_url_with_its_options_signed_in(call):
    created = call("post-import")

    assert created["statusCode"] == 201
    document = created["json"]
    job = document["job"]
    assert (job["id"], job["status"], job["kind"], job["mode"], job["price_list"]) == (
        document["job_id"],
        "queued",
        "prices",
        "upsert",
        "trade",
    )
    assert job["started_by"] == "key:merchant-staff"
    assert job["key"] == f"imports/prices/trade/{job['id']}-Trade-prices-March-2026.csv"
    assert document["upload"]["method"] == "PUT"
    assert document["upload"]["headers"] == {
        "x-amz-meta-job-id": job["id"],
        "x-amz-meta-kind": "prices",
        "x-amz-meta-mode": "upsert",
        "x-amz-meta-price-list": "trade",
    }
    signed = parse_qs(urlsplit(document["upload"]["url"]).query)["X-Amz-SignedHeaders"][0].split(";")
    assert {"x-amz-meta-job-id", "x-amz-meta-kind", "x-amz-meta-mode", "x-amz-meta-price-list"} <= set(signed)
    assert document["expires_at"] > job["created_at"]


def test_a_file_uploaded_through_the_url_is_imported_as_that_job(call, queue):
    make_list("trade")
    created = call("post-import")
    job_id = created["json"]["job_id"]

    assert upload(created, b"sku,price\r\nBOLT-M8,0.48\r\nBAD,abc\r\n").status_code == 200
    queue.drain()

    shown = call("get-import", job_id=job_id)
    assert shown["statusCode"] == 200
    job = shown["json"]
    assert (job["status"], job["started_by"], job["runs"]) == ("partially_succeeded", "key:merchant-staff", 1)
    assert job["counts"] == {
        "rows_read": 2,
        "rows_written": 1,
        "rows_unchanged": 0,
        "rows_rejected": 1,
        "rows_removed": 0,
    }
    assert (job["progress"]["phase"], job["progress"]["percent"]) == ("done", 100)
    assert (job["failure"], job["summary"]) == (None, "1 of 2 rows was rejected; the error report lists them")
    assert job["version_id"]
    assert job["finished_at"]
    assert stored_ladder("BOLT-M8") == [(1, "0.48")]
    report = requests.get(job["report"]["url"], timeout=10)
    assert report.status_code == 200
    assert "abc" in report.content.decode("utf-8-sig")
    assert report_rows(jobs.get(job_id))[0]["line"] == "3"


def test_a_dry_run_upload_links_its_plan(call, queue):
    make_list("trade")
    created = call(
        "post-import", body={"kind": "prices", "price_list": "trade", "mode": "dry-run", "filename": "p.csv"}
    )
    assert created["json"]["job"]["mode"] == "dry_run"

    upload(created, b"sku,price\nBOLT-M8,0.48\n")
    queue.drain()

    job = call("get-import", job_id=created["json"]["job_id"])["json"]
    assert (job["status"], job["counts"]["rows_written"], job["report"]) == ("succeeded", 1, None)
    assert job["plan"]["key"].endswith(".plan.csv")
    assert "create" in requests.get(job["plan"]["url"], timeout=10).content.decode("utf-8-sig")
    assert stored_ladder("BOLT-M8") is None


def test_a_second_upload_through_the_same_url_is_its_own_job_with_the_same_options(call, queue):
    make_list("trade")
    created = call("post-import", body={"kind": "prices", "price_list": "trade", "mode": "replace", "force": True})
    upload(created, b"sku,price\nA,1.00\n")
    queue.drain()
    upload(created, b"sku,price\nB,2.00\n")
    queue.drain()

    first = call("get-import", job_id=created["json"]["job_id"])["json"]
    (second,) = [j for j in call("list-imports", query={"limit": "100"})["json"]["items"] if j["id"] != first["id"]]
    assert (first["status"], second["status"]) == ("succeeded", "succeeded")
    assert (second["mode"], second["force"], second["started_by"], second["key"]) == (
        "replace",
        True,
        "key:merchant-staff",
        first["key"],
    )
    assert stored_ladder("A") is None
    assert stored_ladder("B") == [(1, "2")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "customers", "mode": "replace", "price_list": "trade"}, "price_list applies to price files only"),
        ({"kind": "prices", "mode": "replace"}, "replace is a full sync of one price list"),
        ({"kind": "invoices"}, "kind"),
        ({"kind": "prices", "mode": "sync"}, "mode"),
        ({"kind": "prices", "price_list": "Not A Slug"}, "price_list"),
        ({"kind": "prices", "surprise": 1}, "surprise"),
    ],
)
def test_an_import_request_that_makes_no_sense_is_refused_naming_the_field(call, body, field):
    refused = call("post-import-invalid", body=body)
    assert refused["statusCode"] == 422
    assert field in json.dumps(refused["json"])
    assert jobs.page(100, None, None)[0] == []


def test_the_invalid_sample_request_is_refused(call):
    assert call("post-import-invalid")["statusCode"] == 422


@pytest.mark.parametrize(("name", "scopes", "status"), [("post-import", "read", 403), ("list-imports", "", 403)])
def test_imports_need_their_scope(call, name, scopes, status):
    assert call(name, scopes=scopes)["statusCode"] == status


def test_a_read_key_may_follow_jobs(call):
    created = call("post-import")
    assert call("get-import", job_id=created["json"]["job_id"], scopes="read")["statusCode"] == 200
    assert call("list-imports", scopes="read")["statusCode"] == 200


def test_an_unknown_job_is_a_404_problem(call):
    missing = call("get-import")
    assert missing["statusCode"] == 404
    assert missing["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
    assert missing["json"]["detail"] == "import job '0f6c2b8e1d4a4f0e9c3b7a5d2e1f0c9b' does not exist"


def test_the_job_list_pages_with_a_cursor_and_a_link_header(call):
    made = {call("post-import")["json"]["job_id"] for _ in range(5)}

    seen = []
    query = {"limit": "2"}
    pages = 0
    while True:
        page = call("list-imports", query=query)
        pages += 1
        assert page["statusCode"] == 200
        seen += [job["id"] for job in page["json"]["items"]]
        next_link = page["json"]["links"]["next"]
        if next_link is None:
            break
        assert page["multiValueHeaders"]["Link"][0] == f'<{next_link}>; rel="next"'
        query = {k: v[0] for k, v in parse_qs(urlsplit(next_link).query).items()}
    assert sorted(seen) == sorted(made)
    assert pages >= 3


def test_the_job_list_is_newest_first_across_pages(call):
    # Given five jobs made one after the other
    made = [call("post-import")["json"]["job_id"] for _ in range(5)]

    # When the list is read two at a time
    seen, query = [], {"limit": "2"}
    while query is not None:
        page = call("list-imports", query=query)["json"]
        seen += [job["id"] for job in page["items"]]
        query = (
            {k: v[0] for k, v in parse_qs(urlsplit(page["links"]["next"]).query).items()}
            if page["links"]["next"]
            else None
        )

    # Then the newest comes first, the oldest last
    assert seen == list(reversed(made))


def test_a_cursor_of_another_listing_is_a_problem_naming_the_cursor(call):
    from tradeprice.data.paging import encode_cursor

    foreign = encode_cursor("scan:tradeprice-test-ImportJobsTable", {"id": {"S": "x"}})
    answer = call("list-imports", query={"cursor": foreign})

    assert answer["statusCode"] == 422
    assert answer["json"]["errors"][0]["field"] == "cursor"


def test_the_job_list_filters_by_updated_since(call):
    call("post-import")
    assert call("list-imports", query={"updated_since": "2999-01-01T00:00:00Z"})["json"]["items"] == []
    assert len(call("list-imports", query={"updated_since": "2000-01-01T00:00:00Z"})["json"]["items"]) == 1
    assert call("list-imports", query={"updated_since": "yesterday"})["statusCode"] == 422


def test_a_queued_job_whose_upload_link_expired_says_so(call, monkeypatch):
    from tradeprice.config import get_settings

    monkeypatch.setenv("IMPORT_UPLOAD_URL_SECONDS", "60")
    get_settings.cache_clear()
    created = call("post-import")
    stored = jobs.load(created["json"]["job_id"])
    from dataclasses import replace
    from datetime import timedelta

    expired = stored.state.model_copy(update={"upload_expires_at": stored.job.created_at - timedelta(minutes=1)})
    jobs.save(replace(stored, state=expired))

    job = call("get-import", job_id=created["json"]["job_id"])["json"]
    assert job["status"] == "queued"
    assert job["note"].startswith("no file arrived before the upload link expired")


@pytest.mark.parametrize(
    ("scopes", "linked"), [("read", False), ("write", True), ("admin", True)], ids=["read", "write", "admin"]
)
def test_only_write_and_admin_keys_get_a_customers_jobs_plan_and_report(call, queue, scopes, linked):
    # Given a customers dry run whose plan and error report quote customers' fields
    created = call("post-import", body={"kind": "customers", "mode": "dry-run", "filename": "c.csv"})
    upload(created, b"id,email\nC-1,buyer@example.com\nC-2,not-an-email\n")
    queue.drain()
    job_id = created["json"]["job_id"]

    # When a key of each scope reads the job, alone and in the listing
    shown = call("get-import", job_id=job_id, scopes=scopes)["json"]
    (listed,) = call("list-imports", query={"limit": "100"}, scopes=scopes)["json"]["items"]

    # Then only write and admin keys get the links; a read key still sees status and counts
    for job in (shown, listed):
        assert job["counts"]["rows_read"] == 2
        assert (job["plan"] is not None, job["report"] is not None) == (linked, linked)
        assert (job["note"] is None) == linked


def test_a_read_key_keeps_the_links_of_jobs_without_personal_data(call, queue):
    make_list("trade")
    created = call("post-import", body={"kind": "prices", "price_list": "trade", "mode": "upsert", "filename": "p.csv"})
    upload(created, b"sku,price\nBOLT-M8,0.48\nBAD,abc\n")
    queue.drain()

    job = call("get-import", job_id=created["json"]["job_id"], scopes="read")["json"]

    assert job["report"]["url"]
