"""What the write benchmarks share: the template's stack in in-process moto, and a meter of the AWS calls made.

`moto_stack(workers=...)` deploys template.yaml into `mock_aws()`, exports the functions' environment and clears
every client tradeprice cached. `CallMeter({"DynamoDB": client, ...})` counts each call made on those clients by
service and operation, the most in flight at once, the capacity units DynamoDB would bill for it (reads: 4 KB
units, half for eventually consistent reads, at least one a key asked; writes: 1 KB units; transactions twice),
and the process CPU spent inside the calls: moto answers in-process, so a benchmark subtracts that CPU to leave its
own code's. Figures are printed by the benchmarks, never asserted.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


def on_path() -> None:
    """Put the layer and the project root on sys.path, as Lambda's /opt/python and the function's code are."""
    import sys

    for path in (str(ROOT / "layers" / "tradeprice"), str(ROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


@contextmanager
def moto_stack(*, workers: int) -> Iterator[Any]:
    """The template's tables, queues and bus in `mock_aws()`, its environment exported; yields the Deployment.

    `workers`: DYNAMODB_MAX_WORKERS, how many DynamoDB calls one invocation may run at once (1 keeps them one at a
    time, so the CPU inside them can be told apart from the function's own).
    """
    from moto import mock_aws

    from devstack.infra import deploy
    from devstack.moto_server import make_dynamodb_writes_atomic

    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-west-2",
            "DYNAMODB_MAX_WORKERS": str(workers),
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    make_dynamodb_writes_atomic()
    try:
        with mock_aws():
            deployment = deploy(TEMPLATE, stack_name="tradeprice-bench")
            os.environ.update(deployment.merged_environment())
            os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
            os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # EMF lines would bury the figures
            _clear_caches()
            yield deployment
    finally:
        os.environ.clear()
        os.environ.update(saved)
        _clear_caches()


def _clear_caches() -> None:
    from tradeprice.config import get_settings
    from tradeprice.data import aws, bus, reference_cache

    for clear in (
        get_settings.cache_clear,
        aws.dynamodb.cache_clear,
        aws.client_config.cache_clear,
        bus.events.cache_clear,
        reference_cache.clear,
    ):
        clear()


class CallMeter:
    """Counts the calls made on the named clients while attached (see the module's docstring)."""

    def __init__(self, clients: Mapping[str, Any]) -> None:
        self.clients = dict(clients)
        self.calls: Counter[str] = Counter()
        """Calls by "<service> <operation>", e.g. "DynamoDB BatchWriteItem"."""
        self.in_flight = self.peak = 0
        self.cpu_inside = 0.0
        self.read_units = self.write_units = 0.0
        self._lock = threading.Lock()

    def operations(self, service: str) -> Counter[str]:
        """One service's calls by operation."""
        prefix = f"{service} "
        return Counter({name.removeprefix(prefix): n for name, n in self.calls.items() if name.startswith(prefix)})

    @contextmanager
    def attached(self) -> Iterator[CallMeter]:
        originals = {name: client._make_api_call for name, client in self.clients.items()}

        def metered(service: str) -> Any:
            def call(operation: str, params: dict[str, Any]) -> Any:
                with self._lock:
                    self.calls[f"{service} {operation}"] += 1
                    self.in_flight += 1
                    self.peak = max(self.peak, self.in_flight)
                started = time.process_time()
                response: Any = None
                try:
                    response = originals[service](operation, params)
                    return response
                finally:
                    reads, writes = units(operation, params, response or {}) if service == "DynamoDB" else (0, 0)
                    with self._lock:
                        self.in_flight -= 1
                        self.cpu_inside += time.process_time() - started
                        self.read_units += reads
                        self.write_units += writes

            return call

        for name, client in self.clients.items():
            client._make_api_call = metered(name)
        try:
            yield self
        finally:
            for name, client in self.clients.items():
                client._make_api_call = originals[name]


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


def units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> tuple[float, float]:
    """(read units, write units) of one DynamoDB call, as DynamoDB bills them."""
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


def reset_peak_rss() -> None:
    """Start a new peak-RSS measurement for this process (Linux: writing 5 to clear_refs resets VmHWM)."""
    with contextlib.suppress(OSError):  # elsewhere the peak since the process started is what there is
        Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """This process's peak RSS since it started or since reset_peak_rss(), in MB.

    Not getrusage's ru_maxrss: Linux keeps that across exec, so a child started by a large benchmark process
    inherits its parent's peak, and in process it cannot be reset between measurements."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kilobytes) / 1024
