"""Ingestion against its targets: a 1,000-record batch in one request, with bounded, parallel DynamoDB calls, and
what every kind of record costs in DynamoDB calls and capacity units next to the least DynamoDB allows.

python -m benchmarks ingest

For each kind — prices (PUT /v1/price-lists/{slug}/prices, 1,000 a batch), customers (POST /v1/customers:batch),
product rules (POST /v1/product-rules:batch), price lists and customer groups (one PUT each, as the API and
imports write them; LIST_RECORDS of them, scaled to 1,000) — through the real handler on in-process moto with the
template's tables, first into empty tables, then the same records again (unchanged: no writes), then with every
record changed:
- DynamoDB calls by kind (botocore event hooks on the shared client), and the peak number in flight at once;
- capacity units, computed from each call's items as DynamoDB bills them (reads: 4 KB units, half for eventually
  consistent reads, at least one unit per key asked; writes: 1 KB units; transactions: twice), beside the
  minimum: new or changed records written blind with BatchWriteItem (25 a call), unchanged ones only read back
  (BatchGetItem, 100 a call, eventually consistent). The gap is what our guarantees cost: reading first to tell
  created / updated / unchanged apart (strongly consistent), conditional writes for source_version, the email
  claims of customers, the generation stamps of lists and groups, the checks of references;
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
LIST_RECORDS = 50
"""Lists and groups are written one request each: this many, reported per 1,000."""


def main(argv: list[str]) -> None:
    for path in (str(ROOT / "layers" / "tradeprice"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    for workers in ("8", "1"):
        with _stack(workers):
            _run(workers)
    with _stack("8"):
        _write_costs()


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
        self.read_units = self.write_units = 0.0
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
            response: Any = None
            try:
                response = original(operation, params)
                return response
            finally:
                reads, writes = _units(operation, params, response or {})
                with self._lock:
                    self.in_flight -= 1
                    self.cpu_inside += time.process_time() - started
                    self.read_units += reads
                    self.write_units += writes

        client._make_api_call = metered
        try:
            yield
        finally:
            client._make_api_call = original


def _size(value: Any) -> int:
    """An attribute value's size as DynamoDB counts it (strings and binary by length, numbers ~ digits / 2)."""
    kind, inner = next(iter(value.items()))
    if kind in {"S", "B"}:
        return len(inner.encode() if isinstance(inner, str) else inner)
    if kind == "N":
        return len(inner) // 2 + 1
    if kind == "M":
        return 3 + sum(len(name) + _size(item) for name, item in inner.items())
    if kind == "L":
        return 3 + sum(_size(item) for item in inner)
    if kind in {"SS", "NS", "BS"}:
        return sum(len(str(item)) for item in inner)
    return 1


def _item_size(item: dict[str, Any]) -> int:
    return sum(len(name) + _size(value) for name, value in item.items())


def _read_units(items: list[dict[str, Any]], consistent: bool, asked: int = 0) -> float:
    units = sum(-(-_item_size(item) // 4096) for item in items) + max(0, asked - len(items))
    return units * (1 if consistent else 0.5)


def _units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> tuple[float, float]:
    """(read units, write units) of one call, as DynamoDB bills them."""
    if operation == "GetItem":
        return _read_units([response["Item"]] if "Item" in response else [], bool(params.get("ConsistentRead")), 1), 0
    if operation == "BatchGetItem":
        reads = 0.0
        for table, asked in params["RequestItems"].items():
            found = response.get("Responses", {}).get(table, [])
            reads += _read_units(found, bool(asked.get("ConsistentRead")), len(asked["Keys"]))
        return reads, 0
    if operation in {"Scan", "Query"}:
        size = sum(_item_size(item) for item in response.get("Items", []))
        return max(1, -(-size // 4096)) * (1 if params.get("ConsistentRead") else 0.5), 0
    if operation == "PutItem":
        return 0, -(-_item_size(params["Item"]) // 1024)
    if operation in {"DeleteItem", "UpdateItem"}:
        return 0, 1
    if operation == "BatchWriteItem":
        writes = 0
        for requests in params["RequestItems"].values():
            for request in requests:
                put = request.get("PutRequest")
                writes += -(-_item_size(put["Item"]) // 1024) if put else 1
        return 0, writes
    if operation == "TransactWriteItems":
        writes = 0
        for action in params["TransactItems"]:
            put = action.get("Put")
            writes += 2 * (-(-_item_size(put["Item"]) // 1024) if put else 1)
        return 0, writes
    return 0, 0


def _event(method: str, path: str, body: Any, slug: str = "trade") -> dict[str, Any]:
    return {
        "resource": path,
        "path": path.replace("{slug}", slug),
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"slug": slug} if "{slug}" in path else None,
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


def _rules(version: int) -> dict[str, Any]:
    return {"rules": [{"group": "base", "sku": f"SKU-{n:05d}", "pack_size": version + n % 5} for n in range(RECORDS)]}


def _write_costs() -> None:
    from functions.ingest_api import app
    from tests.conftest import LambdaContext

    def request(method: str, path: str, body: Any, slug: str = "trade") -> dict[str, Any]:
        response: dict[str, Any] = app.lambda_handler(_event(method, path, body, slug), LambdaContext())
        if response["statusCode"] >= 300:
            raise RuntimeError(f"{method} {path} {response['statusCode']}: {response['body'][:300]}")
        return response

    def batch(path: str, make: Callable[[int], dict[str, Any]]) -> Callable[[int], tuple[int, list[int]]]:
        def send(version: int) -> tuple[int, list[int]]:
            body = make(version)
            request("POST" if path.endswith(":batch") else "PUT", path, body)
            records = next(iter(body.values()))
            return len(records), [_body_size(record) for record in records]

        return send

    def one_by_one(path: str, document: Callable[[int, int], dict[str, Any]]) -> Callable[[int], tuple[int, list[int]]]:
        def send(version: int) -> tuple[int, list[int]]:
            sizes = []
            for n in range(LIST_RECORDS):
                body = document(n, version)
                request("PUT", path, body, slug=f"k-{n:04d}")
                sizes.append(_body_size(body))
            return LIST_RECORDS, sizes

        return send

    request("PUT", "/v1/price-lists/{slug}", {"name": "Trade", "currency": "GBP"})
    kinds: list[tuple[str, Callable[[int], tuple[int, list[int]]]]] = [
        ("prices", batch("/v1/price-lists/{slug}/prices", _prices)),
        (
            "price lists",
            one_by_one("/v1/price-lists/{slug}", lambda n, v: {"name": f"List {n} v{v}", "currency": "GBP"}),
        ),
        ("customer groups", one_by_one("/v1/customer-groups/{slug}", lambda n, v: {"name": f"Group {n} v{v}"})),
        ("customers", batch("/v1/customers:batch", _customers)),
        ("product rules", batch("/v1/product-rules:batch", _rules)),
    ]
    print("\nWrite cost per 1,000 records: DynamoDB calls and capacity units (RCU read, WCU write), ours | minimum")
    print(f"  {'kind':16} {'case':12} {'calls':>7} {'RCU':>8} {'WCU':>8}   | {'calls':>6} {'RCU':>6} {'WCU':>6}")
    for kind, send in kinds:
        for label, version in (("new", 1), ("unchanged", 1), ("all changed", 2)):
            meter = _Meter()
            with meter.attached():
                count, sizes = send(version)
            scale = 1000 / count
            minimum_writes = sum(-(-size // 1024) for size in sizes) * scale
            if label == "unchanged":
                least = (-(-count // 100) * scale, 0.5 * count * scale, 0.0)
            else:
                least = (-(-count // 25) * scale, 0.0, minimum_writes)
            print(
                f"  {kind:16} {label:12} {sum(meter.calls.values()) * scale:7.0f} {meter.read_units * scale:8.0f} "
                f"{meter.write_units * scale:8.0f}   | {least[0]:6.0f} {least[1]:6.0f} {least[2]:6.0f}"
            )
    print(
        "  minimum: new/changed = blind BatchWriteItem of 25 (no read, no status, no version check); unchanged = "
        "BatchGetItem of 100, eventually consistent (the least that can tell unchanged apart)"
    )


def _body_size(record: dict[str, Any]) -> int:
    """A stored item's approximate size: its JSON plus the key and bookkeeping attributes (~80 bytes)."""
    return len(json.dumps(record)) + 80
