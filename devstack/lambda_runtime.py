"""Invoke the template's handlers the way Lambda does: each function in its own processes, JSON in, JSON out.

Lambda runs every function in sandboxes of its own, each handling one event at a time, with the function's own
environment variables. Here each sandbox is a worker process (`devstack.lambda_worker`): a separate interpreter
that imports the handler once (its cold start) and then serves one event at a time over a pipe. A function
has a small pool of them, started as concurrent requests need them, so module-level state (Powertools' current
event, logger keys, metrics buffer, caches) is never shared between functions nor between concurrent invocations.

A function declared in template.yaml needs nothing here: its module, handler, timeout, memory and environment
come from the template.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import select
import subprocess  # nosec B404  # starts our own worker module, never a shell
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Final

from devstack.infra import Deployment, FunctionSpec
from devstack.lambda_worker import LambdaContext, error_of, read_frame, write_payload

__all__ = ["FunctionError", "FunctionInvoker", "LambdaContext", "MarshalError", "lambda_context"]

logger = logging.getLogger(__name__)

DEFAULT_CONCURRENCY: Final = 4
"""Sandboxes per function at most: more concurrent events for one function wait for a free one."""
_DEVSTACK_ROOT: Final = Path(__file__).resolve().parent.parent
# What Lambda's environment never carries over from wherever the stack was started.
_NOT_INHERITED_PREFIXES: Final = ("AWS_", "POWERTOOLS_", "PYTEST_", "_LAMBDA_", "LAMBDA_")
_INIT_TIMEOUT_SECONDS: Final = 60


class FunctionError(Exception):
    """The function failed: its handler raised (or its sandbox died, timed out or could not start).

    `str(error)` is Lambda's errorMessage (an authorizer's `raise Exception("Unauthorized")` reads "Unauthorized").
    """

    def __init__(self, message: str, error_type: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack_trace = stack_trace or []

    @classmethod
    def of(cls, error: Mapping[str, Any]) -> FunctionError:
        return cls(str(error.get("errorMessage", "")), str(error.get("errorType", "")), error.get("stackTrace"))


class MarshalError(FunctionError):
    """The handler returned something Lambda cannot serialise to JSON (Runtime.MarshalError)."""


def lambda_context(spec: FunctionSpec, *, request_id: str | None = None) -> LambdaContext:
    """A context for invoking one of the template's functions in this process (tests)."""
    return LambdaContext(
        function_name=spec.name,
        invoked_function_arn=spec.arn,
        memory_limit_in_mb=spec.memory_mb,
        timeout_seconds=spec.timeout_seconds,
        aws_request_id=request_id or str(uuid.uuid4()),
    )


class _Sandbox:
    """One worker process: a warm execution environment of one function."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], cwd: Path) -> None:
        self.spec = spec
        argument = json.dumps(
            {
                "module": spec.module,
                "attribute": spec.attribute,
                "context": {
                    "function_name": spec.name,
                    "invoked_function_arn": spec.arn,
                    "memory_limit_in_mb": spec.memory_mb,
                },
            }
        )
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603  # our own module, with arguments we built
            [sys.executable, "-m", "devstack.lambda_worker", argument],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(environment),
            cwd=cwd,
            # Its own session: Ctrl-C reaches the stack, which stops its sandboxes once nothing uses them.
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def wait_ready(self) -> None:
        """Wait for the cold start; FunctionError if the handler cannot be imported (the sandbox is then gone)."""
        message = self._receive(_INIT_TIMEOUT_SECONDS)
        if isinstance(message, dict) and message.get("ready"):
            return
        self.close(kill=True)
        if isinstance(message, dict) and "init_error" in message:
            error = message["init_error"]
            raise FunctionError(
                f"{self.spec.logical_id}: importing {self.spec.module}.{self.spec.attribute} failed: "
                f"{error.get('errorType')}: {error.get('errorMessage')}",
                "Runtime.ImportModuleError",
                error.get("stackTrace"),
            )
        raise FunctionError(f"{self.spec.logical_id}: the sandbox exited during its cold start", "Runtime.ExitError")

    def invoke(self, payload: bytes, timeout: float) -> Any:
        """Send one event (JSON); the handler's result, or FunctionError (the sandbox is closed if it broke)."""
        stdin = self._process.stdin
        assert stdin is not None
        try:
            write_payload(stdin, payload)
        except OSError:
            self.close(kill=True)
            raise FunctionError(f"{self.spec.logical_id}: the sandbox exited", "Runtime.ExitError") from None
        message = self._receive(timeout)
        if not isinstance(message, dict):
            self.close(kill=True)
            if message is _TIMED_OUT:
                raise FunctionError(f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout")
            raise FunctionError(f"{self.spec.logical_id}: the sandbox exited", "Runtime.ExitError")
        if "error" in message:
            error = message["error"]
            kind = MarshalError if error.get("errorType") == "Runtime.MarshalError" else FunctionError
            raise kind.of(error)
        return message["result"]

    def _receive(self, timeout: float) -> Any:
        stdout = self._process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        if not ready:
            return _TIMED_OUT
        return read_frame(_Deadline(stdout, time.monotonic() + timeout))

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self, *, kill: bool = False, timeout: float = 10) -> None:
        """Close stdin (the worker's signal to exit) and reap it; kill it at once, or if it does not go."""
        process = self._process
        if kill:
            process.kill()
        if process.stdin is not None and not process.stdin.closed:
            with contextlib.suppress(OSError):  # it died with data unread
                process.stdin.close()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


_TIMED_OUT: Final = object()


class _Deadline:
    """A binary stream whose reads give up (returning b"") once the deadline passes: a frame cut short."""

    def __init__(self, stream: IO[bytes], deadline: float) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, size: int) -> bytes:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0 or not select.select([self._stream], [], [], remaining)[0]:
            return b""
        return os.read(self._stream.fileno(), size)


class _Pool:
    """The sandboxes of one function: idle ones are reused, new ones start while fewer than `size` exist."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], cwd: Path, size: int) -> None:
        self.spec = spec
        self._environment = dict(environment)
        self._cwd = cwd
        self._size = size
        self._idle: list[_Sandbox] = []
        self._count = 0
        self._closed = False
        self._state = threading.Condition()

    def warm(self) -> None:
        """Start one sandbox now (its cold start) and keep it idle; FunctionError if it cannot start."""
        self.release(self.acquire())

    def acquire(self) -> _Sandbox:
        with self._state:
            while True:
                if self._closed:
                    raise FunctionError(f"{self.spec.logical_id}: the local stack is stopping", "Runtime.Stopped")
                if self._idle:
                    return self._idle.pop()
                if self._count < self._size:
                    self._count += 1
                    break
                self._state.wait()
        try:
            sandbox = _Sandbox(self.spec, self._environment, self._cwd)
            sandbox.wait_ready()
        except BaseException:
            with self._state:
                self._count -= 1
                self._state.notify()
            raise
        return sandbox

    def release(self, sandbox: _Sandbox) -> None:
        with self._state:
            if sandbox.alive and not self._closed:
                self._idle.append(sandbox)
            else:
                self._count -= 1
                sandbox.close()
            self._state.notify()

    def close(self) -> None:
        with self._state:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._state.notify_all()
        for sandbox in idle:
            sandbox.close()


class FunctionInvoker:
    """Invokes the deployment's functions, each in a pool of its own worker processes (see the module's doc).

    `environment` is what every sandbox starts from (the local AWS endpoint, region and credentials); each adds
    its function's own variables from the template, Lambda's reserved ones and a PYTHONPATH with the project and
    its layers (Lambda's task root and /opt/python). Call `close()` to stop the workers.
    """

    def __init__(
        self,
        deployment: Deployment,
        *,
        environment: Mapping[str, str] | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._functions = dict(deployment.functions)
        base = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(_NOT_INHERITED_PREFIXES) and name != "PYTHONPATH"
        }
        base.update(environment or {})
        python_path = os.pathsep.join(
            dict.fromkeys([*(str(path) for path in deployment.python_paths), str(_DEVSTACK_ROOT)])
        )
        cwd = deployment.template_path.parent
        self._python_paths = deployment.python_paths
        self._pools = {
            logical_id: _Pool(
                spec, {**base, **_lambda_variables(spec, deployment), "PYTHONPATH": python_path}, cwd, concurrency
            )
            for logical_id, spec in self._functions.items()
        }

    def spec(self, logical_id: str) -> FunctionSpec:
        try:
            return self._functions[logical_id]
        except KeyError:
            raise KeyError(f"no function {logical_id!r} in the template") from None

    def missing_handlers(self) -> list[str]:
        """Functions whose handler module cannot be found (not written yet)."""
        missing = []
        for logical_id, spec in self._functions.items():
            if not _module_file_exists(spec.module, self._python_paths):
                missing.append(logical_id)
        return missing

    def load_all(self) -> dict[str, BaseException]:
        """Cold-start one sandbox of every function whose module exists, all at once; return the failures."""
        missing = set(self.missing_handlers())
        failures: dict[str, BaseException] = {}

        def warm(logical_id: str) -> None:
            try:
                self._pools[logical_id].warm()
            except Exception as error:
                failures[logical_id] = error

        threads = [
            threading.Thread(target=warm, args=(logical_id,), name=f"cold-start-{logical_id}")
            for logical_id in self._functions
            if logical_id not in missing
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return failures

    def invoke(self, logical_id: str, event: Any, *, request_id: str | None = None) -> Any:
        """Run one event in a free sandbox of the function; its result, or FunctionError as Lambda reports it."""
        spec = self.spec(logical_id)
        try:
            payload = json.dumps(
                {
                    "event": event,
                    "request_id": request_id or str(uuid.uuid4()),
                    "remaining_ms": spec.timeout_seconds * 1000,
                },
                separators=(",", ":"),
            ).encode("utf-8")
        except (TypeError, ValueError) as error:
            raise FunctionError.of(error_of(error)) from None
        pool = self._pools[logical_id]
        sandbox = pool.acquire()
        try:
            return sandbox.invoke(payload, spec.timeout_seconds)
        finally:
            pool.release(sandbox)

    def close(self) -> None:
        """Stop every sandbox (those still running an event stop when it ends)."""
        for pool in self._pools.values():
            pool.close()


def _lambda_variables(spec: FunctionSpec, deployment: Deployment) -> dict[str, str]:
    """Lambda's reserved variables, then the function's own from the template (which win, as they may)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local/devstack",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python_devstack",
        "LAMBDA_TASK_ROOT": str(deployment.template_path.parent),
        **spec.environment,
    }


def _module_file_exists(module: str, paths: tuple[Path, ...]) -> bool:
    """Whether `module` (dotted) is a file or package under one of `paths`, or importable here otherwise."""
    parts = module.split(".")
    for root in paths:
        base = root.joinpath(*parts)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ModuleNotFoundError, ValueError):
        return False
