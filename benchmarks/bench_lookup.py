"""The lookup's targets: round trips, growth with the cart, CPU per line, and the cold path next to the floor.

python -m benchmarks lookup
python -m benchmarks.bench_lookup

1. Round trips, and growth: DynamoDB calls and sequential rounds for carts of 1, 10, 100 and 250 lines of a
   customer priced from a 3-list chain (a contract list, a list derived from trade at −5 %, and trade itself;
   group chain gold → trade → base), through the real handler on in-process moto with the template's tables.
   Calls are counted with botocore event hooks on the shared client; each call is held for a simulated network
   round trip (ROUND_TRIP_MS) so calls issued in parallel overlap as they do against AWS, and a round is a
   maximal set of calls overlapping in time.
2. Handler CPU per line with I/O excluded, per cart size: the customer's context and the cart's prices and rules
   are read once, then request parsing, resolution, response mapping and JSON run many times under
   time.process_time. Flat from 1 to 250 lines is the target.
3. Cold start, interleaved fresh interpreters, medians: (a) the floor, an interpreter that only builds a botocore
   DynamoDB client; (b) a naive Powertools REST handler (benchmarks/naive_handler.py) answering one request;
   (c) the lookup's full cold path: its module import, what its first request imports, its client, up to the
   answer of a first lookup; (d) the authorizer's, up to its answer for an API key. DynamoDB is a stub HTTP
   server on loopback in this process (outside the measured interpreters) serving the seeded tables. Our code
   runs from bytecode compiled the way `make build` ships it, and nothing is compiled or written at run time
   (see _shipped_copy and _child_environment); each interpreter stops at its answer, without the teardown Lambda
   never runs within an invocation (_EXIT). Then `-X importtime`, summed per top-level package, says what the
   cold path pays for beyond the floor.

Figures are printed, never asserted: these machines are shared and noisy. CPU time (user + system of the child)
is the primary figure: on a loaded machine wall time mostly measures the other tenants.
"""

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
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
CART_SIZES = (1, 10, 100, 250)
ROUND_TRIP_MS = 10.0
"""Simulated network latency per DynamoDB call (same-region Lambda → DynamoDB is typically 3–10 ms)."""
CPU_LINES_PER_SIZE = 20_000
"""Lines priced per cart size in the CPU measurement (iterations = this / cart size)."""
COLD_START_RUNS = 11
TARGET_ROUNDS_WARM = 2
TARGET_CPU_US_PER_LINE = 100
TARGET_COLD_RATIO = 1.3

CUSTOMER = "C-BENCH"


def main(argv: list[str]) -> None:
    for path in (str(LAYER), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)
    print(f"3-list chain incl. a derived list; {ROUND_TRIP_MS:.0f} ms simulated per DynamoDB call")
    with _stack() as environment:
        _round_trips()
        _cpu_per_line()
        tables, api_key = _dump_tables()
    _cold_start(environment, tables, api_key)


# The stack and its data ---------------------------------------------------------------------------------------------


@contextmanager
def _stack() -> Iterator[dict[str, str]]:
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
            os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # the figures, not one EMF document per call
            get_settings.cache_clear()
            _clear_caches()
            _seed()
            yield deployment.merged_environment()
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
        for n in range(max(CART_SIZES))
    ]
    skus = range(max(CART_SIZES))
    contract = [{"sku": _sku(n), "tiers": [{"min_qty": 1, "price": price(n, "0.8")}]} for n in skus[::5]]
    rules = [{"group": "base", "sku": _sku(n), "pack_size": 1 + n % 4} for n in skus]
    rules += [{"group": "gold", "sku": _sku(n), "min_qty": 2} for n in skus[::3]]
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
        ("post-product-rules-batch", None, {"rules": rules[:1000]}),
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


def _cart(lines: int = LINES) -> dict[str, Any]:
    return {
        "customer_id": CUSTOMER,
        "lines": [
            {"sku": _sku(n), "qty": 1 + (n * 7) % 150, **({"tier_group": "kits"} if n % 10 == 0 else {})}
            for n in range(lines)
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
        print("\n1. DynamoDB round trips for one lookup (through the handler), and how they grow with the cart")
        reference_cache.clear()
        runs = [("cold (fresh function)", LINES), ("warm", LINES), *((f"warm, {n} lines", n) for n in CART_SIZES)]
        for label, lines in runs:
            started = time.perf_counter()
            response = _invoke("price_lookup", "lookup-by-customer", _cart(lines))
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response["statusCode"] != 200:
                raise RuntimeError(f"lookup failed: {response['statusCode']} {response['body'][:300]}")
            calls = log.take()
            kinds = Counter(name for name, _, _, _ in calls)
            batch_sizes = sorted((keys for name, keys, _, _ in calls if name == "BatchGetItem"), reverse=True)
            target = f"(target ≤ {TARGET_ROUNDS_WARM}, constant)" if label.startswith("warm") else ""
            print(f"   {label:22s} rounds: {_rounds(calls)} {target:24s} wall on in-process moto: {elapsed_ms:4.0f} ms")
            print(f"   {'':22s} calls: {dict(sorted(kinds.items()))}   BatchGetItem keys/call: {batch_sizes}")
            found = sum(line.get("found", False) for line in json.loads(response["body"])["lines"])
            if found != lines:
                raise RuntimeError(f"only {found} of {lines} lines priced")
        print("   (a cold function, or the first lookup after lists or groups changed, adds their Scans as a round)")
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", log.parameters)
        client.meta.events.unregister("before-call.dynamodb.*", log.before)
        client.meta.events.unregister("after-call.dynamodb.*", log.after)


# 2. CPU per line ----------------------------------------------------------------------------------------------------


def _cpu_per_line() -> None:
    from tradeprice.api import views
    from tradeprice.api.json import dump_json, parse_json
    from tradeprice.api.lookup_requests import read_line, read_lookup
    from tradeprice.config import get_settings
    from tradeprice.domain.types import utc_now
    from tradeprice.logic import lookup as lookup_logic
    from tradeprice.logic import pricing

    at = utc_now()
    customer, groups, lists = lookup_logic._customer_reference(CUSTOMER)
    ctx = pricing.customer_context(customer, groups, lists, at=at, strategy=get_settings().price_strategy)
    print("\n2. Handler CPU per line, I/O excluded (process time): parsing, resolution, mapping, JSON")
    for size in CART_SIZES:
        body = json.dumps(_cart(size))
        skus = [line["sku"] for line in _cart(size)["lines"]]
        stored, rules = lookup_logic._read_prices_and_rules(ctx, skus)

        def parse_resolve_map_dump(body: str = body, stored: Any = stored, rules: Any = rules) -> str:
            parsed = read_lookup(parse_json(body))
            requested = [
                line
                for index, raw in enumerate(parsed.lines)
                if isinstance(line := read_line(index, raw), pricing.LineRequest)
            ]
            answers = pricing.price_cart(requested, ctx, stored, rules)
            return dump_json(views.lookup_view(lookup_logic.LookupAnswer(ctx.currency, at, CUSTOMER, answers)))

        parse_resolve_map_dump()
        iterations = max(1, CPU_LINES_PER_SIZE // size)
        started = time.process_time()
        for _ in range(iterations):
            parse_resolve_map_dump()
        per_line_us = (time.process_time() - started) / iterations / size * 1e6
        print(f"   {size:4d} lines   {per_line_us:6.1f} µs/line  (target ≤ {TARGET_CPU_US_PER_LINE}, flat)")


# 3. Cold start ------------------------------------------------------------------------------------------------------


def _dump_tables() -> tuple[dict[str, Any], str]:
    """Every table's items and key names (for the stub DynamoDB), and an API key for the authorizer's request."""
    from tradeprice.data import aws
    from tradeprice.logic.keys import create_key

    api_key = create_key("bench", {"read"})
    client = aws.dynamodb()
    tables: dict[str, Any] = {}
    for name in client.list_tables()["TableNames"]:
        keys = [part["AttributeName"] for part in client.describe_table(TableName=name)["Table"]["KeySchema"]]
        items = [item for page in client.get_paginator("scan").paginate(TableName=name) for item in page["Items"]]
        tables[name] = {"keys": keys, "items": {_key_of(item, keys): item for item in items}}
    return tables, api_key


def _key_of(item: dict[str, Any], keys: list[str]) -> str:
    return json.dumps([item[name] for name in keys], sort_keys=True)


class _StubDynamoDB:
    """GetItem, BatchGetItem (with projections) and Scan over an in-memory copy of the tables, on loopback; anything
    else answers {}."""

    def __init__(self, tables: dict[str, Any]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                operation = self.headers.get("X-Amz-Target", ".").split(".", 1)[1]
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                body = json.dumps(stub.answer(operation, request)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("x-amzn-RequestId", "stub")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.tables = tables
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _get(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        known = self.tables.get(table)
        if known is None:
            return None
        found: dict[str, Any] | None = known["items"].get(_key_of(key, known["keys"]))
        return found

    def answer(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        if operation == "GetItem":
            item = self._get(request["TableName"], request["Key"])
            return {"Item": item} if item else {}
        if operation == "BatchGetItem":
            responses = {
                table: [_projected(item, asked) for key in asked["Keys"] if (item := self._get(table, key))]
                for table, asked in request["RequestItems"].items()
            }
            return {"Responses": responses, "UnprocessedKeys": {}}
        if operation == "Scan":
            items = list(self.tables.get(request["TableName"], {"items": {}})["items"].values())
            return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
        return {}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _projected(item: dict[str, Any], asked: dict[str, Any]) -> dict[str, Any]:
    """The attributes a ProjectionExpression of plain names (or #name placeholders) asks for, as DynamoDB answers."""
    if "ProjectionExpression" not in asked:
        return item
    names = asked.get("ExpressionAttributeNames", {})
    wanted = {names.get(part.strip(), part.strip()) for part in asked["ProjectionExpression"].split(",")}
    return {name: value for name, value in item.items() if name in wanted}


_CONTEXT = """
class Context:
    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-2:123456789012:function:bench"
    aws_request_id = "bench"
    @staticmethod
    def get_remaining_time_in_millis():
        return 10_000
"""

_EXIT = "import os\nos._exit(0)\n"
"""Every program ends here, without the interpreter's teardown: Lambda keeps the process after its answer (and ends
it outside any invocation), so teardown is no part of a cold start, and measuring it would credit whatever makes
it cheaper (a frozen garbage collector skips its final collections)."""
_FLOOR = "import botocore.session\nbotocore.session.get_session().create_client('dynamodb')\n"
_NAIVE = (
    _CONTEXT
    + "import json, os\n"
    + "import benchmarks.naive_handler as app\n"
    + "answer = app.lambda_handler(json.loads(os.environ['BENCH_EVENT']), Context())\n"
    + "assert answer['statusCode'] == 200, answer\n"
)
_LOOKUP = (
    _CONTEXT
    + "import json, os\n"
    + "import functions.price_lookup.app as app\n"
    + "answer = app.lambda_handler(json.loads(os.environ['BENCH_EVENT']), Context())\n"
    + "assert answer['statusCode'] == 200, answer\n"
)
_LOOKUP_IMPORT = "import functions.price_lookup.app\n"
_AUTHORIZER = (
    _CONTEXT
    + "import json, os\n"
    + "import functions.authorizer.app as app\n"
    + "answer = app.lambda_handler(json.loads(os.environ['BENCH_EVENT']), Context())\n"
    + "assert answer['policyDocument']['Statement'][0]['Effect'] == 'Allow', answer\n"
)


@dataclass
class _Program:
    label: str
    code: str
    event: dict[str, Any] | None = None
    cpu_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)


def _shipped_copy(into: Path) -> list[Path]:
    """Our code as `make build` ships it, in `into`: the functions, the layer's package and the naive handler,
    each source beside unchecked-hash bytecode (the Makefile's precompile), compiled by this interpreter, which
    stands in for the runtime's. Returns the import path: the copy (for `functions.<name>.app`) and the layer."""
    import compileall
    import py_compile

    fresh = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "functions", into / "functions", ignore=fresh)
    shutil.copytree(LAYER / "tradeprice", into / "layer" / "tradeprice", ignore=fresh)
    (into / "benchmarks").mkdir()
    for name in ("__init__.py", "naive_handler.py"):
        shutil.copy2(ROOT / "benchmarks" / name, into / "benchmarks" / name)
    compiled = compileall.compile_dir(
        into, quiet=1, workers=0, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not compiled:
        raise RuntimeError(f"compiling the shipped copy in {into} failed")
    return [into, into / "layer"]


def _child_environment(environment: dict[str, str], stub: _StubDynamoDB, path: list[Path]) -> dict[str, str]:
    return {
        **{name: value for name, value in os.environ.items() if not name.startswith("AWS_")},
        **environment,
        "PYTHONPATH": os.pathsep.join(str(directory) for directory in path),
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL_DYNAMODB": stub.url,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "bench",
        "RETRY_ATTEMPTS": "1",
        # As deployed: our code comes with the bytecode `make build` compiles (see _shipped_copy) and the installed
        # packages (botocore) with theirs, on a file system nothing is written to; any module without bytecode
        # would be compiled by every cold start, here as there.
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _run(program: _Program, env: dict[str, str], cwd: Path, *flags: str) -> tuple[float, float, str]:
    """One fresh interpreter in `cwd` (first on `-c`'s import path, so it must be the shipped copy): (CPU ms, wall
    ms, stderr)."""
    if program.event is not None:
        env = {**env, "BENCH_EVENT": json.dumps(program.event)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", program.code + _EXIT], cwd=cwd, env=env, capture_output=True, text=True
    )
    wall = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{program.label} failed: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return cpu, wall, done.stderr


def _importtime(stderr: str) -> Counter[str]:
    """-X importtime's self times (µs), summed per top-level package."""
    costs: Counter[str] = Counter()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            if self_us.isdigit():
                costs[name.split(".")[0]] += int(self_us)
    return costs


def _events(api_key: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    lookup = json.loads((ROOT / "events" / "price_lookup" / "lookup-by-customer.json").read_text())
    lookup["body"] = json.dumps(_cart())
    naive = json.loads(json.dumps(lookup))
    naive["body"] = json.dumps({"lines": [{"sku": _sku(n)} for n in range(LINES)]})
    authorizer = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:abc123/dev/POST/v1/pricing/lookup",
        "headers": {"Authorization": f"Bearer {api_key}"},
    }
    return lookup, naive, authorizer


def _cold_start(environment: dict[str, str], tables: dict[str, Any], api_key: str) -> None:
    lookup_event, naive_event, authorizer_event = _events(api_key)
    programs = [
        _Program("(a) floor: interpreter + botocore DynamoDB client", _FLOOR),
        _Program("(b) naive Powertools REST handler, one request", _NAIVE, naive_event),
        _Program("(c) lookup: import + first request + client + answer", _LOOKUP, lookup_event),
        _Program("(d) authorizer: import + client + answer for a key", _AUTHORIZER, authorizer_event),
        _Program("    of (c): the lookup's module import alone", _LOOKUP_IMPORT),
    ]
    stub = _StubDynamoDB(tables)
    shipped = tempfile.TemporaryDirectory(prefix="tradeprice-shipped-")
    try:
        path = _shipped_copy(Path(shipped.name))
        env = _child_environment(environment, stub, path)
        for program in programs:
            _run(program, env, path[0])  # warm the file cache once, outside the measurement
        for _ in range(COLD_START_RUNS):
            for program in programs:
                cpu, wall, _ = _run(program, env, path[0])
                program.cpu_ms.append(cpu)
                program.wall_ms.append(wall)
        imports = {
            program.label: _importtime(_run(program, env, path[0], "-X", "importtime")[2]) for program in programs
        }
    finally:
        stub.close()
        shipped.cleanup()

    floor_cpu = statistics.median(programs[0].cpu_ms)
    floor_wall = statistics.median(programs[0].wall_ms)
    print(
        f"\n3. Cold start: fresh interpreters, median of {COLD_START_RUNS} interleaved runs (DynamoDB: loopback stub)"
    )
    print(f"   {'':56s} {'CPU ms':>8s} {'× floor':>8s} {'wall ms':>8s} {'× floor':>8s}")
    for program in programs:
        cpu, wall = statistics.median(program.cpu_ms), statistics.median(program.wall_ms)
        target = f"  (target ≤ {TARGET_COLD_RATIO})" if program.label.startswith(("(c)", "(d)")) else ""
        print(f"   {program.label:56s} {cpu:8.0f} {cpu / floor_cpu:8.2f} {wall:8.0f} {wall / floor_wall:8.2f}{target}")

    floor_imports = imports[programs[0].label]
    for program in programs[2:4]:
        extra = imports[program.label] - floor_imports  # Counter subtraction keeps what costs more than the floor
        total = sum(extra.values())
        shares = ", ".join(f"{name} {us / 1000:.0f}" for name, us in extra.most_common(8))
        print(
            f"   {program.label[:3]} imports beyond the floor's, -X importtime self ms per package: {total / 1000:.0f}"
        )
        print(f"       {shares}")
