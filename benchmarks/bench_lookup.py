"""The lookup against its targets: round trips, CPU per line, and cold start next to a naive Powertools handler.

python -m benchmarks lookup
python -m benchmarks.bench_lookup

1. DynamoDB calls and sequential rounds for a 100-line cart of a customer priced from a 3-list chain (a contract
   list, a list derived from trade at −5 %, and trade itself; group chain gold → trade → base), through the real
   handler on in-process moto with the template's tables. Calls are counted with botocore event hooks on the
   shared client; each call is held for a simulated network round trip (ROUND_TRIP_MS) so calls issued in
   parallel overlap as they do against AWS, and a round is a maximal set of calls overlapping in time.
2. Handler CPU per line with I/O excluded: the customer's context and the cart's prices and rules are read once,
   then resolution + response mapping (and, separately, request parsing and JSON) run many times under
   time.process_time.
3. Cold start: the median time to import functions/price_lookup/app.py in a fresh interpreter, next to
   benchmarks/naive_handler.py (Logger + Tracer + Metrics + APIGatewayRestResolver + a boto3 client), runs
   interleaved. Also shown: what the lookup's first request imports and builds on top (it defers those).

Figures are printed, never asserted: these machines are shared and noisy.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "tradeprice"
TEMPLATE = ROOT / "template.yaml"

LINES = 100
ROUND_TRIP_MS = 10.0
"""Simulated network latency per DynamoDB call (same-region Lambda → DynamoDB is typically 3–10 ms)."""
CPU_ITERATIONS = 200
COLD_START_RUNS = 9
TARGET_ROUNDS_WARM = 2
TARGET_CPU_US_PER_LINE = 100
TARGET_COLD_RATIO = 0.6

CUSTOMER = "C-BENCH"


def main(argv: list[str]) -> None:
    for path in (str(LAYER), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    print(f"100-line cart, 3-list chain incl. a derived list; {ROUND_TRIP_MS:.0f} ms simulated per DynamoDB call")
    with _stack():
        _round_trips()
        _cpu_per_line()
    _cold_start()


# The stack and its data ---------------------------------------------------------------------------------------------


@contextmanager
def _stack() -> Iterator[None]:
    from moto import mock_aws

    from devstack.infra import deploy
    from tradeprice.config import get_settings

    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-2",
            "AWS_REGION": "eu-west-2",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    try:
        with mock_aws():
            deployment = deploy(TEMPLATE)
            os.environ.update(deployment.merged_environment())
            os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
            get_settings.cache_clear()
            _clear_caches()
            _seed()
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()
        _clear_caches()


def _clear_caches() -> None:
    from tradeprice.data import aws, reference_cache

    aws.dynamodb.cache_clear()
    reference_cache.clear()


def _sku(number: int) -> str:
    return f"SKU-{number:04d}"


def _seed() -> None:
    """Through the ingestion handler, as an ERP would: lists, 100 SKUs' ladders, groups, the customer, rules."""

    def price(n: int, share: str) -> str:
        return str((Decimal(share) * (1 + n * Decimal("0.37"))).quantize(Decimal("0.01")))

    trade = [
        {
            "sku": _sku(n),
            "tiers": [
                {"min_qty": 1, "price": price(n, "1")},
                {"min_qty": 10, "price": price(n, "0.95")},
                {"min_qty": 100, "price": price(n, "0.9")},
            ],
        }
        for n in range(LINES)
    ]
    contract = [{"sku": _sku(n), "tiers": [{"min_qty": 1, "price": price(n, "0.8")}]} for n in range(0, LINES, 5)]
    rules = [{"group": "base", "sku": _sku(n), "pack_size": 1 + n % 4} for n in range(LINES)]
    rules += [{"group": "gold", "sku": _sku(n), "min_qty": 2} for n in range(0, LINES, 3)]
    writes = [
        ("put-price-list", {"slug": "trade"}, {"name": "Trade", "currency": "GBP"}),
        ("put-price-list", {"slug": "contract"}, {"name": "Contract", "currency": "GBP"}),
        (
            "put-price-list",
            {"slug": "trade-promo"},
            {"name": "Trade promo", "currency": "GBP", "rules": {"source": "trade", "adjustment_percent": "-5"}},
        ),
        ("put-prices", {"slug": "trade"}, {"prices": trade}),
        ("put-prices", {"slug": "contract"}, {"prices": contract}),
        ("put-customer-group", {"slug": "trade"}, {"name": "Trade", "price_lists": ["trade"]}),
        (
            "put-customer-group",
            {"slug": "gold"},
            {"name": "Gold", "parent": "trade", "price_lists": ["contract", "trade-promo", "trade"]},
        ),
        (
            "put-customer",
            {"customer_id": CUSTOMER},
            {"email": "bench@example.com", "group": "gold", "discount_percent": "2.5"},
        ),
        ("post-product-rules-batch", None, {"rules": rules}),
    ]
    for event_name, path_parameters, body in writes:
        response = _invoke("ingest_api", event_name, body, path_parameters)
        if response["statusCode"] >= 300:
            raise RuntimeError(f"seeding {event_name} failed: {response['statusCode']} {response['body'][:300]}")


@dataclass
class _Context:
    function_name: str = "bench"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:bench"
    aws_request_id: str = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _invoke(function: str, event_name: str, body: Any, path_parameters: dict[str, str] | None = None) -> dict[str, Any]:
    import importlib

    event = json.loads((ROOT / "events" / function / f"{event_name}.json").read_text())
    event["body"] = json.dumps(body)
    if path_parameters is not None:
        event["pathParameters"] = path_parameters
        path = event["resource"]
        for name, value in path_parameters.items():
            path = path.replace("{" + name + "}", value)
        event["path"] = path
    handler = importlib.import_module(f"functions.{function}.app").lambda_handler
    response: dict[str, Any] = handler(event, _Context())
    return response


def _cart() -> dict[str, Any]:
    return {
        "customer_id": CUSTOMER,
        "lines": [
            {"sku": _sku(n), "qty": 1 + (n * 7) % 150, **({"tier_group": "kits"} if n % 10 == 0 else {})}
            for n in range(LINES)
        ],
    }


# 1. Round trips -----------------------------------------------------------------------------------------------------


@dataclass
class _CallLog:
    """Every DynamoDB call of the shared client: its kind, key count and when it was in flight."""

    calls: list[tuple[str, int, float, float]] = field(default_factory=list)
    _keys: dict[int, int] = field(default_factory=dict)
    _open: dict[int, tuple[str, int, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def parameters(self, params: dict[str, Any], **_: Any) -> None:
        # The API parameters, before serialization: how many keys a BatchGetItem asks for.
        keys = sum(len(request.get("Keys", [])) for request in params.get("RequestItems", {}).values())
        with self._lock:
            self._keys[threading.get_ident()] = keys

    def before(self, model: Any, **_: Any) -> None:
        thread = threading.get_ident()
        with self._lock:
            self._open[thread] = (model.name, self._keys.pop(thread, 0), time.perf_counter())
        time.sleep(ROUND_TRIP_MS / 1000)  # the request's trip to DynamoDB and back

    def after(self, **_: Any) -> None:
        ended = time.perf_counter()
        with self._lock:
            name, keys, started = self._open.pop(threading.get_ident())
            self.calls.append((name, keys, started, ended))

    def take(self) -> list[tuple[str, int, float, float]]:
        with self._lock:
            calls, self.calls = self.calls, []
        return calls


def _rounds(calls: list[tuple[str, int, float, float]]) -> int:
    """Maximal groups of calls overlapping in time: each group had to wait for the one before."""
    rounds, busy_until = 0, float("-inf")
    for _, _, started, ended in sorted(calls, key=lambda call: call[2]):
        if started >= busy_until:
            rounds += 1
        busy_until = max(busy_until, ended)
    return rounds


def _round_trips() -> None:
    from tradeprice.data import aws, reference_cache

    log = _CallLog()
    client = aws.dynamodb()
    client.meta.events.register("before-parameter-build.dynamodb.*", log.parameters)
    client.meta.events.register("before-call.dynamodb.*", log.before)
    client.meta.events.register("after-call.dynamodb.*", log.after)
    try:
        print("\n1. DynamoDB round trips for one lookup (through the handler)")
        reference_cache.clear()
        for label in ("cold (empty reference cache)", "warm", "warm, again"):
            started = time.perf_counter()
            response = _invoke("price_lookup", "lookup-by-customer", _cart())
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response["statusCode"] != 200:
                raise RuntimeError(f"lookup failed: {response['statusCode']} {response['body'][:300]}")
            calls = log.take()
            kinds = Counter(name for name, _, _, _ in calls)
            batch_sizes = sorted((keys for name, keys, _, _ in calls if name == "BatchGetItem"), reverse=True)
            target = f"  (target ≤ {TARGET_ROUNDS_WARM})" if label.startswith("warm") else ""
            print(f"   {label:30s} rounds: {_rounds(calls)}{target}   wall on in-process moto: {elapsed_ms:.0f} ms")
            print(f"   {'':30s} calls: {dict(sorted(kinds.items()))}   BatchGetItem keys/call: {batch_sizes}")
        found = sum(line.get("found", False) for line in json.loads(response["body"])["lines"])
        print(f"   lines priced: {found}/{LINES}  (moto answers in-process under the GIL: wall time is not AWS's)")
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", log.parameters)
        client.meta.events.unregister("before-call.dynamodb.*", log.before)
        client.meta.events.unregister("after-call.dynamodb.*", log.after)


# 2. CPU per line ----------------------------------------------------------------------------------------------------


def _cpu_per_line() -> None:
    from tradeprice.api import views
    from tradeprice.api.json import dump_json, parse_json
    from tradeprice.api.lookup_schemas import LookupIn, LookupLineIn
    from tradeprice.config import get_settings
    from tradeprice.domain.types import utc_now
    from tradeprice.logic import lookup as lookup_logic
    from tradeprice.logic import pricing

    body = json.dumps(_cart())
    request = LookupIn.model_validate(parse_json(body))
    lines = [pricing.LineRequest(line["sku"], line["qty"], line.get("tier_group")) for line in request.lines]
    at = utc_now()
    customer, groups, lists = lookup_logic._customer_reference(CUSTOMER)
    ctx = pricing.customer_context(customer, groups, lists, at=at, strategy=get_settings().price_strategy)
    stored, rules = lookup_logic._read_prices_and_rules(ctx, [line.sku for line in lines])

    def resolve_and_map() -> dict[str, Any]:
        answers = pricing.price_cart(lines, ctx, stored, rules)
        return views.lookup_view(lookup_logic.LookupAnswer(ctx.currency, at, CUSTOMER, answers))

    def parse_resolve_map_dump() -> str:
        parsed = LookupIn.model_validate(parse_json(body))
        requested = []
        for raw in parsed.lines:
            line = LookupLineIn.model_validate(raw)
            requested.append(pricing.LineRequest(line.sku, line.qty, line.tier_group))
        answers = pricing.price_cart(requested, ctx, stored, rules)
        return dump_json(views.lookup_view(lookup_logic.LookupAnswer(ctx.currency, at, CUSTOMER, answers)))

    print("\n2. Handler CPU per line, I/O excluded (process time)")
    for label, work in (
        ("resolution + response mapping", resolve_and_map),
        ("+ request parsing and JSON", parse_resolve_map_dump),
    ):
        work()
        started = time.process_time()
        for _ in range(CPU_ITERATIONS):
            work()
        per_line_us = (time.process_time() - started) / CPU_ITERATIONS / LINES * 1e6
        print(f"   {label:32s} {per_line_us:6.1f} µs/line  (target ≤ {TARGET_CPU_US_PER_LINE})")


# 3. Cold start ------------------------------------------------------------------------------------------------------

_LOOKUP_IMPORT = "import functions.price_lookup.app"
_LOOKUP_FIRST_REQUEST = (
    "import functions.price_lookup.app\n"
    "import tradeprice.api.lookup_schemas, tradeprice.api.views, tradeprice.logic.lookup, tradeprice.logic.records\n"
    "from tradeprice.data.aws import dynamodb\n"
    "dynamodb()"
)
_NAIVE_IMPORT = "import benchmarks.naive_handler"


def _import_ms(code: str) -> float:
    program = f"import time\nstarted = time.perf_counter()\n{code}\nprint((time.perf_counter() - started) * 1000)"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(LAYER)]),
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "PYTHONDONTWRITEBYTECODE": "",
    }
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def _cold_start() -> None:
    print(f"\n3. Cold start: module import in a fresh interpreter, median of {COLD_START_RUNS} interleaved runs")
    programs = {"naive": _NAIVE_IMPORT, "lookup": _LOOKUP_IMPORT, "lookup + first request": _LOOKUP_FIRST_REQUEST}
    for code in programs.values():
        _import_ms(code)  # compile the bytecode once, outside the measurement
    samples: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(COLD_START_RUNS):
        for name, code in programs.items():
            samples[name].append(_import_ms(code))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    naive = medians["naive"]
    print(f"   naive Powertools handler (Logger+Tracer+Metrics+resolver+boto3 client)  {naive:6.1f} ms")
    print(
        f"   functions/price_lookup/app.py                                          {medians['lookup']:6.1f} ms"
        f"   ratio {medians['lookup'] / naive:.2f}  (target ≤ {TARGET_COLD_RATIO})"
    )
    print(
        f"   lookup import + what its first request imports and builds              "
        f"{medians['lookup + first request']:6.1f} ms   ratio {medians['lookup + first request'] / naive:.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
