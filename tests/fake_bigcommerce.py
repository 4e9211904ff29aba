"""A fake BigCommerce Customers v3 API on loopback, for the integration tests (in-process) and e2e (local stack).

    with serve(FakeBigCommerce(store_hash=..., access_token=...)) as fake:   # 127.0.0.1, a free port
        fake.customers["32"] = record          # a `data[]` item, e.g. from tests/fixtures/platforms/bigcommerce
        fake.fail("32", [500, 500])            # this customer's next two calls answer 500, then it is served
        fake.fail_always("33", 503)            # every call for this customer answers 503, until
        fake.recover("33")
        ... BIGCOMMERCE_API_URL=fake.url ...

It answers `GET /stores/<store hash>/v3/customers?id:in=<ids>&include=addresses` as BigCommerce does: the
`CustomerCollectionResponse` shape (`{"data": [...], "meta": {"pagination": ...}}`, tests/fixtures/platforms/
SOURCES.md names the sample), 401 for another store hash or token. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

STORE_HASH = "abc123store"
ACCESS_TOKEN = "test-bigcommerce-token"  # nosec B105 - the fake's own test token


@dataclass
class FakeBigCommerce:
    """The customers it holds and the failures it is told to answer first."""

    store_hash: str = STORE_HASH
    access_token: str = ACCESS_TOKEN
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    """Statuses to answer, one per call of any customer, before answering properly; 0: hang past the timeout."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    _per_customer: dict[str, list[int]] = field(default_factory=dict)
    _always: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, customer_id: str, statuses: list[int]) -> None:
        """The next calls asking for this customer answer these statuses, one each, then it is served."""
        with self._lock:
            self._per_customer.setdefault(customer_id, []).extend(statuses)

    def fail_always(self, customer_id: str, status: int) -> None:
        with self._lock:
            self._always[customer_id] = status

    def recover(self, customer_id: str) -> None:
        """This customer is served again."""
        with self._lock:
            self._always.pop(customer_id, None)
            self._per_customer.pop(customer_id, None)

    def calls(self, customer_id: str) -> int:
        """How many requests asked for this customer."""
        with self._lock:
            return sum(customer_id in request["ids"] for request in self.requests)

    def _failure_for(self, ids: list[str]) -> int | None:
        with self._lock:
            if self.failures:
                return self.failures.pop(0)
            for customer_id in ids:
                if customer_id in self._always:
                    return self._always[customer_id]
                queued = self._per_customer.get(customer_id)
                if queued:
                    return queued.pop(0)
        return None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                ids = [item for item in query.get("id:in", [""])[0].split(",") if item]
                token = self.headers.get("X-Auth-Token")
                with fake._lock:
                    fake.requests.append({"path": url.path, "query": query, "token": token, "ids": ids})
                status = fake._failure_for(ids)
                if status == 0:
                    fake.release.wait(5)
                    return
                if status is not None:
                    self._send(status, {"status": status, "title": "fake failure"}, {"X-Rate-Limit-Time-Reset-Ms": "1"})
                    return
                if url.path != f"/stores/{fake.store_hash}/v3/customers" or token != fake.access_token:
                    self._send(401, {"status": 401, "title": "Unauthorized"})
                    return
                with fake._lock:
                    data = [fake.customers[i] for i in ids if i in fake.customers]
                pagination = {"total": len(data), "count": len(data), "per_page": 50, "current_page": 1}
                self._send(200, {"data": data, "meta": {"pagination": {**pagination, "total_pages": 1}}})

            def _send(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        return Handler


@contextmanager
def serve(fake: FakeBigCommerce) -> Iterator[FakeBigCommerce]:
    """Serve the fake on 127.0.0.1 (a free port) for the block; `fake.url` is its base URL meanwhile."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, name="fake-bigcommerce", daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
