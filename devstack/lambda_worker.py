"""One Lambda execution environment: `python -m devstack.lambda_worker <module> <attribute>`, started by the runtime.

It imports the handler once (its cold start) and then invokes it once per request, one at a time, until its
stdin closes. The environment variables are the function's own, set by the parent before this process starts,
so module-level state (Powertools' logger keys, the resolver's current event, caches) belongs to this function
and this sandbox alone, as on AWS.

The protocol, on stdin and on the file descriptor that was stdout (stdout itself then goes to stderr, so what a
handler prints is logged and never corrupts the protocol): frames of an 8-byte big-endian length and that many
bytes of JSON. The worker first writes `{"ready": true}` or `{"init_error": {...}}`; then each request
`{"event": ..., "request_id": ..., "remaining_ms": ...}` gets `{"result": ...}` or `{"error": {...}}`, the
error shaped as Lambda reports one (errorMessage, errorType, stackTrace).
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import struct
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import IO, Any, Final, Protocol

__all__ = ["LambdaContext", "error_of", "read_frame", "write_frame"]

_HEADER: Final = struct.Struct(">Q")


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local/devstack"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def write_frame(stream: IO[bytes], message: Any) -> None:
    write_payload(stream, json.dumps(message, separators=(",", ":")).encode("utf-8"))


def write_payload(stream: IO[bytes], payload: bytes) -> None:
    """One frame of JSON already encoded."""
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def read_frame(stream: Readable) -> Any:
    """The next message, or None at end of stream."""
    header = _read_exactly(stream, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    payload = _read_exactly(stream, length)
    if payload is None:
        return None
    return json.loads(payload)


def _read_exactly(stream: Readable, size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def error_of(error: BaseException) -> dict[str, Any]:
    """An exception as Lambda reports it to the caller."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_exception(error),
    }


def main(argv: list[str] | None = None) -> int:
    """argv: one JSON object, {"module", "attribute", "context": {function_name, invoked_function_arn, ...}}."""
    spec = json.loads((sys.argv[1:] if argv is None else argv)[0])
    module_name, attribute, context_fields = spec["module"], spec["attribute"], spec["context"]
    # The runtime decides when this sandbox stops (by closing stdin); Ctrl-C in a terminal reaches the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    responses = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    try:
        handler = getattr(importlib.import_module(module_name), attribute)
        if not callable(handler):
            raise AttributeError(f"{module_name}.{attribute} is not a function")
    except Exception as error:  # Lambda's Runtime.ImportModuleError / HandlerNotFound
        write_frame(responses, {"init_error": error_of(error)})
        return 1
    write_frame(responses, {"ready": True})
    while (request := read_frame(requests)) is not None:
        context = LambdaContext(
            **context_fields,
            aws_request_id=request["request_id"],
            timeout_seconds=request["remaining_ms"] / 1000,
        )
        try:
            result = handler(request["event"], context)
        except Exception as error:
            write_frame(responses, {"error": error_of(error)})
            continue
        try:
            payload = json.dumps({"result": result}, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError) as error:  # a Decimal, a datetime: Lambda cannot serialise it either
            write_frame(responses, {"error": {**error_of(error), "errorType": "Runtime.MarshalError"}})
            continue
        write_payload(responses, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
