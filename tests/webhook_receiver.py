"""A merchant's webhook endpoint for tests: an HTTP server on loopback that keeps every POST it is sent, and the
signature check docs/events.md gives receivers, run exactly as the document shows it."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

EVENTS_DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"


@dataclass(frozen=True)
class Delivery:
    """One POST as the receiver got it: its headers and its raw body (what a signature is checked over)."""

    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """`with WebhookReceiver() as receiver: ... receiver.url ... receiver.deliveries`: answers every POST with 204."""

    def __init__(self, path: str = "/hooks/tradeprice") -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        received = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with received._lock:
                    received.deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def received(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)


def documented_verification() -> Callable[..., bool]:
    """`verify_tradeprice_signature` exactly as docs/events.md shows it (its ```python block), ready to call."""
    text = EVENTS_DOC.read_text(encoding="utf-8")
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(EVENTS_DOC), "exec"), namespace)  # nosec B102  # the project's own documentation
    verify: Callable[..., bool] = namespace["verify_tradeprice_signature"]
    return verify
