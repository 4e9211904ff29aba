"""moto's server in a child process, and what makes its S3 event notifications look like AWS's.

The server runs in its own process because moto keeps its state in module globals: an in-process server would
share (and `mock_aws()` would reset) the state of tests running in the same interpreter. The child prints the
port it bound on its first stdout line and exits when its stdin closes, so it never outlives its parent.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import signal
import subprocess  # nosec B404  # starts our own moto server module, never a shell
import sys
import threading
import time
from typing import IO, Any

__all__ = [
    "MotoServerProcess",
    "NotifyAfterEachRequest",
    "make_dynamodb_writes_atomic",
    "patch_s3_event_notifications",
]

_sequencer = itertools.count(time.time_ns())
_sequencer_lock = threading.Lock()


def _next_sequencer() -> str:
    with _sequencer_lock:
        return f"{next(_sequencer):018X}"


def patch_s3_event_notifications() -> None:
    """Complete moto's S3 event records with the fields AWS sends and moto leaves out.

    moto omits `userIdentity`, `requestParameters`, `responseElements`, the bucket's `ownerIdentity` and the
    object's `versionId` and `sequencer`; Powertools' S3 models require some of them, and de-duplication keys
    on the last two. Idempotent; affects only this process.
    """
    from moto.s3 import notifications

    original = notifications._get_s3_event
    if getattr(original, "devstack_completes_records", False):
        return

    def get_complete_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event: dict[str, Any] = original(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record.setdefault("userIdentity", {"principalId": "AWS:AIDALOCALDEVSTACK"})
            record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
            record.setdefault(
                "responseElements",
                {"x-amz-request-id": _next_sequencer()[:16], "x-amz-id-2": "local/devstack/" + _next_sequencer()},
            )
            record["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": "ALOCALDEVSTACK"})
            s3_object = record["s3"]["object"]
            version_id = getattr(key, "version_id", None)
            if getattr(bucket, "is_versioned", False) and version_id and version_id != "null":
                s3_object.setdefault("versionId", version_id)
            s3_object.setdefault("sequencer", _next_sequencer())
        return event

    get_complete_s3_event.devstack_completes_records = True  # type: ignore[attr-defined]
    notifications._get_s3_event = get_complete_s3_event


_pending = threading.local()


class NotifyAfterEachRequest:
    """WSGI middleware: the S3 event notifications a request causes are sent once the request is done, as on AWS.

    moto sends a PutObject's notification from inside `put_object`, before the request handler stores the
    object's metadata and tags. A consumer quick enough to read the object between the two (the local stack's
    import function polling the queue) would see an object without its metadata: an upload made through
    POST /v1/imports would lose its `job-id` and be imported under a new job, while the API's job stayed
    queued. AWS notifies only for a committed object, metadata included; so does this.
    """

    def __init__(self, app: Any) -> None:
        from moto.s3 import notifications

        self._app = app
        original = notifications.send_event
        self._send = getattr(original, "devstack_original", original)

        def send_event(*args: Any, **kwargs: Any) -> None:
            pending: list[tuple[tuple[Any, ...], dict[str, Any]]] | None = getattr(_pending, "events", None)
            if pending is None:
                self._send(*args, **kwargs)
            else:
                pending.append((args, kwargs))

        send_event.devstack_original = self._send  # type: ignore[attr-defined]
        notifications.send_event = send_event

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        _pending.events = []
        try:
            return self._app(environ, start_response)
        finally:
            events, _pending.events = _pending.events, None
            for args, kwargs in events:
                self._send(*args, **kwargs)


_atomic_lock = threading.RLock()


def make_dynamodb_writes_atomic() -> None:
    """Serialise moto's DynamoDB item writes, as DynamoDB itself makes each one atomic.

    moto checks a condition and then writes, and copies whole tables for a transaction, without a lock: two
    threads can both pass a condition, or a transaction can copy a table while another request changes it
    ("dictionary changed size during iteration"). Requests run in parallel in the local stack and in tests, so
    without this they would test moto's races, not ours. Idempotent.
    """
    from moto.dynamodb.models import DynamoDBBackend

    for name in ("put_item", "delete_item", "update_item", "transact_write_items", "batch_write_item"):
        original = getattr(DynamoDBBackend, name, None)
        if original is None or getattr(original, "_atomic", False):
            continue

        def atomic(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _atomic_lock:
                return __original(*args, **kwargs)

        atomic._atomic = True  # type: ignore[attr-defined]
        setattr(DynamoDBBackend, name, atomic)
    _copy_each_table_once_per_transaction()


class _CopyOncePerCall:
    """moto's transaction copies a whole table (for its rollback) once per item, not once per table: a
    100-item transaction on a 1,000-customer table copies 100,000 items. Under the lock above, within one
    transaction, the same table object may share its first copy; the rollback is the same."""

    def __init__(self, table_type: type) -> None:
        self.table_type = table_type
        self.copies: dict[int, tuple[Any, Any]] | None = None
        """id(table) → (table, its copy), for the transaction running; the table is held so its id stays its."""

    def deepcopy(self, value: Any) -> Any:
        import copy

        if self.copies is None or not isinstance(value, self.table_type):
            return copy.deepcopy(value)
        if id(value) not in self.copies:
            self.copies[id(value)] = (value, copy.deepcopy(value))
        return self.copies[id(value)][1]


def _copy_each_table_once_per_transaction() -> None:
    from moto.dynamodb import models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    if isinstance(getattr(models, "copy", None), _CopyOncePerCall):
        return
    once = _CopyOncePerCall(Table)
    models.copy = once  # type: ignore[attr-defined,assignment]  # moto calls copy.deepcopy through its module global
    locked = DynamoDBBackend.transact_write_items

    def transact_write_items(*args: Any, **kwargs: Any) -> Any:
        with _atomic_lock:
            once.copies = {}
            try:
                return locked(*args, **kwargs)
            finally:
                once.copies = None

    transact_write_items._atomic = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class MotoServerProcess:
    """Runs `python -m devstack.moto_server` and knows its endpoint."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        self.host = host
        self.requested_port = port
        self.port: int | None = None
        self._process: subprocess.Popen[str] | None = None

    @property
    def endpoint_url(self) -> str:
        if self.port is None:
            raise RuntimeError("moto server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self, *, timeout: float = 30) -> MotoServerProcess:
        self._process = subprocess.Popen(  # noqa: S603  # nosec B603  # our own module, with arguments we built
            [sys.executable, "-m", "devstack.moto_server", "--host", self.host, "--port", str(self.requested_port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            # Its own session: a Ctrl-C or a signal to the terminal's process group reaches only the parent,
            # which stops its pollers before it stops moto.
            start_new_session=True,
        )
        ready = self._read_ready_line(self._process.stdout, timeout)
        if ready is None:
            self.stop()
            raise RuntimeError(f"moto server did not start on {self.host}:{self.requested_port} (see its stderr above)")
        self.port = int(ready["port"])
        return self

    def _read_ready_line(self, stdout: IO[str] | None, timeout: float) -> dict[str, Any] | None:
        if stdout is None:  # pragma: no cover - stdout is always piped
            return None
        result: list[dict[str, Any]] = []

        def read() -> None:
            line = stdout.readline()
            if line:
                result.append(json.loads(line))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        return result[0] if result else None

    def stop(self, *, timeout: float = 10) -> None:
        process, self._process = self._process, None
        self.port = None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to shut down
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moto's server, stopped when stdin closes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)

    # The parent decides when moto stops (by closing stdin), after it has stopped using it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # werkzeug logs every request at INFO; the local stack logs its own API and queue traffic instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    patch_s3_event_notifications()
    make_dynamodb_writes_atomic()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    # What moto's ThreadedMotoServer does, with the bind in this thread so a busy port fails here and now.
    try:
        server = make_server(
            args.host,
            args.port,
            NotifyAfterEachRequest(DomainDispatcherApplication(create_backend_app)),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
    except OSError as error:
        print(f"moto server: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    serving = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    serving.start()
    print(json.dumps({"port": server.server_port}), flush=True)
    try:
        sys.stdin.read()  # returns when the parent closes our stdin (or dies)
    finally:
        server.shutdown()
        serving.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
