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
import time
from collections.abc import Callable
from typing import Any

from benchmarks.metering import CallMeter, moto_stack, on_path

RECORDS = 1000
LIST_RECORDS = 50
"""Lists and groups are written one request each: this many, reported per 1,000."""


def main(argv: list[str]) -> None:
    on_path()
    for workers in (8, 1):
        with moto_stack(workers=workers):
            _run(workers)
    with moto_stack(workers=8):
        _write_costs()


def _meter() -> CallMeter:
    from tradeprice.data.aws import dynamodb

    return CallMeter({"DynamoDB": dynamodb()})


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


def _run(workers: int) -> None:
    from functions.ingest_api import app
    from tests.conftest import LambdaContext

    def send(method: str, path: str, body: Any) -> tuple[dict[str, Any], CallMeter, float]:
        meter = _meter()
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
            calls = ", ".join(f"{kind} {count}" for kind, count in sorted(meter.operations("DynamoDB").items()))
            line = f"  {name:16} {label:12} HTTP {response['statusCode']}  {summary}"
            if workers == 1:
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
            meter = _meter()
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
