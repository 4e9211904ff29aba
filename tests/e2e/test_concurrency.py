"""Concurrent requests to different functions each get their own answer, as on Lambda.

Every function runs in sandboxes of its own (worker processes), so module-level state — Powertools' current
event, logger keys, caches — is never shared by two requests in flight. Many threads send a mix of lookups,
catalogue reads and writes and import requests at once; every answer is checked against its own request.
"""

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.e2e.client import Api
from tradeprice.data import jobs
from tradeprice.logic.imports import job_id_for

pytestmark = pytest.mark.e2e

SKUS = 12
REQUESTS = 300
THREADS = 16


@dataclass(frozen=True)
class Call:
    """One request and what its own answer must say."""

    method: str
    path: str
    key: str
    body: Any
    status: int
    check: Callable[[dict[str, Any]], bool]


def price_of(index: int) -> str:
    return str(Decimal("1.00") + Decimal(index) / 100)


def stored_form(price: str) -> str:
    """A stored price is answered in its canonical form: trailing zeros dropped (1.10 is 1.1)."""
    return format(Decimal(price).normalize(), "f")


def test_concurrent_mixed_requests_each_get_their_own_answer(local_stack, api, keys, price_list, unique):
    skus = [f"CC-{unique}-{index}" for index in range(SKUS)]
    prices = {
        "prices": [{"sku": sku, "tiers": [{"min_qty": 1, "price": price_of(index)}]} for index, sku in enumerate(skus)]
    }
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=prices).status_code == 200
    queued = [
        api.post("/v1/imports", key=keys.write, json={"price_list": price_list, "filename": f"queued-{n}.csv"})
        for n in range(2)  # two jobs at least: a page of one has a next link
    ]
    assert [response.status_code for response in queued] == [201, 201]
    queued_id = queued[0].json()["job_id"]

    def call(number: int) -> Call:
        index = number % SKUS
        sku, price = skus[index], price_of(index)
        kind = number % 8
        if kind == 0:  # PriceLookupFunction
            return Call(
                "POST",
                "/v1/pricing/lookup",
                keys.read,
                {"price_list": price_list, "lines": [{"sku": sku, "qty": 1 + number}]},
                200,
                lambda body: (
                    [(line["sku"], line["qty"], line["unit_price"]) for line in body["lines"]]
                    == [(sku, 1 + number, price)]
                ),
            )
        if kind == 1:  # PriceLookupFunction, the one-SKU route
            return Call(
                "GET",
                f"/v1/pricing/{sku}?price_list={price_list}&qty={1 + number}",
                keys.read,
                None,
                200,
                lambda body: (body["sku"], body["qty"], body["unit_price"]) == (sku, 1 + number, price),
            )
        if kind == 2:  # IngestApiFunction, a read
            return Call(
                "GET",
                f"/v1/price-lists/{price_list}/prices/{sku}",
                keys.write,
                None,
                200,
                lambda body: (body["sku"], body["tiers"][0]["price"]) == (sku, stored_form(price)),
            )
        if kind == 3:  # IngestApiFunction, a write of a SKU of this request's own
            own = f"CW-{unique}-{number}"
            return Call(
                "PUT",
                f"/v1/price-lists/{price_list}/prices/{own}",
                keys.write,
                {"tiers": [{"min_qty": 1, "price": f"{number}.25"}]},
                201,
                lambda body: (
                    (body["sku"], body["tiers"][0]["price"], body["outcome"]) == (own, f"{number}.25", "created")
                ),
            )
        if kind == 4:  # ImportsApiFunction, a new job with a file name of its own
            filename = f"concurrent-{number}.csv"
            return Call(
                "POST",
                "/v1/imports",
                keys.write,
                {"price_list": price_list, "filename": filename},
                201,
                lambda body: (
                    body["job"]["id"] == body["job_id"]
                    and body["job"]["key"].endswith(f"/{body['job_id']}-{filename}")
                    and body["job"]["price_list"] == price_list
                ),
            )
        if kind == 5:  # IngestApiFunction, a page whose next link is built from the request after the reads
            limit = 1 + number % 5
            return Call(
                "GET",
                f"/v1/price-lists/{price_list}/prices?limit={limit}",
                keys.write,
                None,
                200,
                lambda body: (
                    len(body["items"]) == limit
                    and all(item["price_list"] == price_list for item in body["items"])
                    and f"/v1/price-lists/{price_list}/prices?" in body["links"]["next"]
                    and f"limit={limit}" in body["links"]["next"]
                ),
            )
        if kind == 6:  # ImportsApiFunction, a page
            return Call(
                "GET",
                "/v1/imports?limit=1",
                keys.write,
                None,
                200,
                lambda body: (
                    len(body["items"]) == 1
                    and "/v1/imports?" in body["links"]["next"]
                    and "limit=1" in body["links"]["next"]
                ),
            )
        return Call(  # ImportsApiFunction, a read
            "GET",
            f"/v1/imports/{queued_id}",
            keys.write,
            None,
            200,
            lambda body: (body["id"], body["status"]) == (queued_id, "queued"),
        )

    sessions = threading.local()

    def send(number: int) -> tuple[int, Call, int, str]:
        if not hasattr(sessions, "api"):
            sessions.api = Api(api.base_url, requests.Session())
        expected = call(number)
        response = sessions.api.request(expected.method, expected.path, key=expected.key, json=expected.body)
        return number, expected, response.status_code, response.text

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        answers = list(pool.map(send, range(REQUESTS)))

    wrong = []
    for number, expected, status, text in answers:
        body = json.loads(text) if text else {}
        if status != expected.status or not expected.check(body):
            wrong.append(f"#{number} {expected.method} {expected.path} -> {status} {text[:300]}")
    assert wrong == [], f"{len(wrong)} of {REQUESTS} answered wrongly:\n" + "\n".join(wrong[:10])


def test_a_presigned_upload_is_imported_under_the_job_the_api_made(local_stack, api, keys, price_list, unique):
    """The import function reads the object the moment S3 notifies: its metadata (the job id) must be there by
    then, or the file is imported under a new job while the API's job stays queued."""
    made = api.post("/v1/imports", key=keys.write, json={"price_list": price_list, "filename": "presigned.csv"})
    assert made.status_code == 201, made.text
    upload = made.json()["upload"]
    body = f"sku,price,qty\nPS-{unique},2.50,1\n".encode()

    stored = requests.put(upload["url"], data=body, headers=upload["headers"], timeout=30)
    assert stored.status_code == 200, stored.text
    local_stack.wait_until_idle(timeout=60)

    job = api.get(f"/v1/imports/{made.json()['job_id']}", key=keys.write).json()
    assert (job["status"], job["counts"]["rows_written"]) == ("succeeded", 1)
    assert job["version_id"] == stored.headers["x-amz-version-id"]
    bucket, key = job["bucket"], job["key"]
    assert jobs.get(job_id_for(bucket, key, job["version_id"])) is None  # no second job for the same file
