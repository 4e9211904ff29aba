"""Invoke the template's handlers in-process the way Lambda does: JSON in, JSON out, one event at a time each."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devstack.infra import Deployment, FunctionSpec

__all__ = ["FunctionInvoker", "LambdaContext", "MarshalError"]

Handler = Callable[[Any, Any], Any]

# Each Lambda function imports its code in its own process; here they share one interpreter, and two threads
# importing overlapping packages at once can see each other's half-initialised modules. Imports take turns.
_IMPORT_LOCK = threading.Lock()


class MarshalError(Exception):
    """The handler returned something Lambda cannot serialise to JSON (Runtime.MarshalError)."""


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
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

    @classmethod
    def for_function(cls, spec: FunctionSpec, *, request_id: str | None = None) -> LambdaContext:
        return cls(
            function_name=spec.name,
            invoked_function_arn=spec.arn,
            memory_limit_in_mb=spec.memory_mb,
            timeout_seconds=spec.timeout_seconds,
            aws_request_id=request_id or str(uuid.uuid4()),
        )


class FunctionInvoker:
    """Imports each handler on first use (its cold start) and invokes it.

    Like one warm Lambda execution environment per function, each function handles one event at a time: its
    module-level state (Powertools' logger keys, metrics buffer, caches) is never shared by two concurrent
    invocations. Events and results go through JSON, so a handler that returns what Lambda could not
    serialise (a Decimal, a datetime) fails here as it would on AWS.
    """

    def __init__(self, deployment: Deployment) -> None:
        self._functions = dict(deployment.functions)
        self._locks = {logical_id: threading.Lock() for logical_id in self._functions}
        self._handlers: dict[str, Handler] = {}
        for path in reversed(deployment.python_paths):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))

    def spec(self, logical_id: str) -> FunctionSpec:
        try:
            return self._functions[logical_id]
        except KeyError:
            raise KeyError(f"no function {logical_id!r} in the template") from None

    def missing_handlers(self) -> list[str]:
        """Functions whose handler module cannot be found (not written yet)."""
        missing = []
        for logical_id, spec in self._functions.items():
            try:
                found = importlib.util.find_spec(spec.module) is not None
            except ModuleNotFoundError:
                found = False
            if not found:
                missing.append(logical_id)
        return missing

    def load_all(self) -> dict[str, BaseException]:
        """Import every handler whose module exists (their cold starts, one after another); return the failures."""
        failures: dict[str, BaseException] = {}
        missing = set(self.missing_handlers())
        for logical_id, spec in self._functions.items():
            if logical_id in missing:
                continue
            try:
                self._handler(spec)
            except Exception as error:
                failures[logical_id] = error
        return failures

    def invoke(self, logical_id: str, event: Any, *, request_id: str | None = None) -> Any:
        spec = self.spec(logical_id)
        payload = json.loads(json.dumps(event))
        with self._locks[logical_id]:
            handler = self._handler(spec)
            result = handler(payload, LambdaContext.for_function(spec, request_id=request_id))
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            raise MarshalError(f"{logical_id} returned a result Lambda cannot serialise: {error}") from error

    def _handler(self, spec: FunctionSpec) -> Handler:
        with _IMPORT_LOCK:
            if spec.logical_id not in self._handlers:
                module = importlib.import_module(spec.module)
                handler = getattr(module, spec.attribute, None)
                if not callable(handler):
                    raise AttributeError(f"{spec.module}.{spec.attribute} is not a function")
                self._handlers[spec.logical_id] = handler
            return self._handlers[spec.logical_id]
