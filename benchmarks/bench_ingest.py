"""Ingestion against its targets: a 1,000-record batch in one request, with bounded, parallel DynamoDB calls.

python -m benchmarks ingest

For a 1,000-record price batch (PUT /v1/price-lists/{slug}/prices) and a 1,000-customer batch
(POST /v1/customers:batch), through the real handler on in-process moto with the template's tables, first into
empty tables, then the same batch again (unchanged: no writes), then with every record changed:
- DynamoDB calls by kind (botocore event hooks on the shared client), and the peak number in flight at once;
- handler CPU time with DynamoDB excluded: process CPU of the request minus the CPU spent inside DynamoDB calls
  (moto answers in-process, so its work would otherwise count as ours). Measured with one worker so the two
  can be told apart; the call counts come from the default parallel run.
Figures are printed, never asserted.
"""

import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
RECORDS = 1000


def main(argv: list[str]) -> None:
    for path in (str(ROOT / "layers" / "tradeprice"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    for workers in ("8", "1"):
        with _stack(workers):
            _run(workers)


@contextmanager
def _stack(workers: str) -> Iterator[None]:
    from moto import mock_aws

    from devstack.infra import deploy
    from devstack.moto_server import make_dynamodb_writes_atomic
    from tradeprice.config import get_settings
    from tradeprice.data import aws, reference_cache

    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-2",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "DYNAMODB_MAX_WORKERS": workers,
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    make_dynamodb_writes_atomic()
    try:
        with mock_aws():
            os.environ.update(deploy(TEMPLATE, stack_name="tradeprice-bench").merged_environment())
            os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
            os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would bury the figures
            for clear in (
                get_settings.cache_clear,
                aws.dynamodb.cache_clear,
                aws.client_config.cache_clear,
                reference_cache.clear,
            ):
                clear()
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class _Meter:
    """Counts DynamoDB calls by kind, the most in flight at once, and the process CPU spent inside them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.in_flight = self.peak = 0
        self.cpu_inside = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def attached(self) -> Iterator[None]:
        from tradeprice.data.aws import dynamodb

        client: Any = dynamodb()
        original = client._make_api_call

        def metered(operation: str, params: dict[str, Any]) -> Any:
            with self._lock:
                self.calls[operation] += 1
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            started = time.process_time()
            try:
                return original(operation, params)
            finally:
                with self._lock:
                    self.in_flight -= 1
                    self.cpu_inside += time.process_time() - started

        client._make_api_call = metered
        try:
            yield
        finally:
            client._make_api_call = original


def _event(method: str, path: str, body: Any) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path.replace("{slug}", "trade"),
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"slug": "trade"} if "{slug}" in path else None,
        "stageVariables": None,
        "requestContext": {
            "requestId": "bench",
            "stage": "dev",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"principal": "key:bench", "scopes": "write"},
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def _prices(version: int) -> dict[str, Any]:
    return {
        "prices": [
            {
                "sku": f"SKU-{n:05d}",
                "tiers": [
                    {"min_qty": 1, "price": f"{n % 97 + version}.25"},
                    {"min_qty": 10, "price": f"{n % 97 + version}.05"},
                ],
            }
            for n in range(RECORDS)
        ]
    }


def _customers(version: int) -> dict[str, Any]:
    return {
        "customers": [
            {
                "id": f"C-{n:05d}",
                "email": f"buyer{n}@example.com",
                "group": "base",
                "company": f"Company {n} v{version}",
                "discount_percent": str(n % 10),
                "tags": ["trade"],
                "payment_terms": {"net_days": 30},
            }
            for n in range(RECORDS)
        ]
    }


def _run(workers: str) -> None:
    from functions.ingest_api import app
    from tests.conftest import LambdaContext

    def send(method: str, path: str, body: Any) -> tuple[dict[str, Any], _Meter, float]:
        meter = _Meter()
        with meter.attached():
            started = time.process_time()
            response = app.lambda_handler(_event(method, path, body), LambdaContext())
            total = time.process_time() - started
        return response, meter, total

    send("PUT", "/v1/price-lists/{slug}", {"name": "Trade", "currency": "GBP"})
    cases: list[tuple[str, str, str, Callable[[int], dict[str, Any]]]] = [
        ("1,000 prices", "PUT", "/v1/price-lists/{slug}/prices", _prices),
        ("1,000 customers", "POST", "/v1/customers:batch", _customers),
    ]
    print(f"\n{RECORDS:,}-record batches through the handler; DynamoDB workers per request: {workers}")
    for name, method, path, body in cases:
        for label, version in (("new", 1), ("unchanged", 1), ("all changed", 2)):
            response, meter, total = send(method, path, body(version))
            summary = json.loads(response["body"])["summary"]
            handler_ms = (total - meter.cpu_inside) * 1000
            calls = ", ".join(f"{kind} {count}" for kind, count in sorted(meter.calls.items()))
            line = f"  {name:16} {label:12} HTTP {response['statusCode']}  {summary}"
            if workers == "1":
                per_record = handler_ms * 1000 / RECORDS
                print(
                    f"{line}\n      handler CPU (DynamoDB excluded) {handler_ms:7.1f} ms = {per_record:6.1f} µs/record"
                )
            else:
                print(f"{line}\n      calls: {calls}   peak in flight: {meter.peak}")
