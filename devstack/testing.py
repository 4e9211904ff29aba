"""Building blocks for test fixtures: the template's stack in moto in-process, and real-shaped events for it.

    from devstack.testing import mocked_stack

    @pytest.fixture
    def stack():
        with mocked_stack() as deployment:   # mock_aws() + template.yaml's tables, bucket, queues
            yield deployment                 # the functions' environment variables are exported meanwhile

Everything comes from template.yaml through `devstack.infra.deploy`, the same code the local stack runs.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import boto3

from devstack.api_gateway import Request, Router, build_proxy_event
from devstack.infra import Deployment, SqsSubscription, deploy
from devstack.lambda_runtime import LambdaContext
from devstack.lambda_runtime import lambda_context as _lambda_context
from devstack.moto_server import patch_s3_event_notifications
from devstack.sqs_source import failed_message_ids, sqs_event
from devstack.stack import DEFAULT_REGION, DEFAULT_TEMPLATE

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "TEST_ENVIRONMENT",
    "api_event",
    "drain_queue",
    "lambda_context",
    "mocked_stack",
    "patched_environment",
]

# What boto3 needs to talk to moto in-process, and nothing that could reach a real account.
TEST_ENVIRONMENT: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",  # nosec B105  # moto's dummy credentials
    "AWS_SECURITY_TOKEN": "testing",  # nosec B105  # moto's dummy credentials
    "AWS_SESSION_TOKEN": "testing",  # nosec B105  # moto's dummy credentials
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
    "AWS_REGION": DEFAULT_REGION,
}
_REMOVED: Final = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE")


@contextmanager
def patched_environment(values: Mapping[str, str], *, remove: tuple[str, ...] = ()) -> Iterator[None]:
    """Set (and remove) environment variables for the block, restoring the previous values after it."""
    saved = {name: os.environ.get(name) for name in (*values, *remove)}
    try:
        for name in remove:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def mocked_stack(
    template_path: str | Path = DEFAULT_TEMPLATE,
    *,
    stack_name: str = "tradeprice-test",
    parameters: Mapping[str, str] | None = None,
) -> Iterator[Deployment]:
    """`mock_aws()` with the template's tables, buckets and queues created, and the functions' environment set.

    S3 event notifications carry the fields AWS sends (see `patch_s3_event_notifications`). Clients or settings
    your code cached before the block keep pointing where they pointed: clear such caches in your fixture.
    """
    from moto import mock_aws

    patch_s3_event_notifications()
    with patched_environment(TEST_ENVIRONMENT, remove=_REMOVED), mock_aws():
        deployment = deploy(template_path, stack_name=stack_name, parameters=parameters, session=boto3.Session())
        with patched_environment(deployment.merged_environment()):
            yield deployment


def lambda_context(deployment: Deployment, function: str) -> LambdaContext:
    """A Lambda context for one of the template's functions (its name, ARN, memory and timeout)."""
    return _lambda_context(deployment.functions[function])


def api_event(
    deployment: Deployment,
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | list[tuple[str, str]] | None = None,
    source_ip: str = "198.51.100.7",
) -> dict[str, Any]:
    """The REST proxy event API Gateway sends for `method path` (no stage; percent-encode as a client would).

    Raises LookupError when no route of the template matches, as API Gateway would answer without invoking.
    """
    query_pairs = list(query.items()) if isinstance(query, Mapping) else list(query or [])
    raw_body = body.encode() if isinstance(body, str) else (body or b"")
    request_headers = {"Host": "api.example.test", "User-Agent": "tests", **(headers or {})}
    if raw_body and not any(name.lower() == "content-type" for name in request_headers):
        request_headers["Content-Type"] = "application/json"
    for api in deployment.apis:
        match = Router((api,)).match(api.stage, method.upper(), path)
        if match is not None and match.route is not None:
            request = Request(
                method=method.upper(),
                raw_path=path,
                query=query_pairs,
                headers=list(request_headers.items()),
                body=raw_body,
                source_ip=source_ip,
                request_id=str(uuid.uuid4()),
                received_at=time.time(),
            )
            return build_proxy_event(deployment, match, request, None)
    suffix = f"?{urlencode(query_pairs)}" if query_pairs else ""
    raise LookupError(f"no route of {deployment.template_path.name} serves {method.upper()} {path}{suffix}")


def drain_queue(
    deployment: Deployment,
    function: str,
    invoke: Callable[[dict[str, Any]], Any],
    *,
    max_batches: int = 100,
) -> int:
    """Feed every visible message of `function`'s SQS source to `invoke(event)`, as Lambda would, synchronously.

    Messages the invocation reports in `batchItemFailures` (or all of them, if it raises) stay on the queue and
    become visible again after the queue's visibility timeout. Returns the number of invocations.
    """
    subscription = _subscription(deployment, function)
    sqs: SQSClient = boto3.client("sqs", region_name=deployment.context.region)
    for invocations in range(max_batches):
        messages = sqs.receive_message(
            QueueUrl=subscription.queue_url,
            MaxNumberOfMessages=min(subscription.batch_size, 10),
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return invocations
        ids = [message["MessageId"] for message in messages]
        event = sqs_event(messages, queue_arn=subscription.queue_arn, region=deployment.context.region)
        try:
            result = invoke(event)
        except Exception:
            failed = set(ids)
        else:
            failed = failed_message_ids(result, ids, report_batch_item_failures=subscription.report_batch_item_failures)
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=subscription.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]} for i, message in enumerate(done)],
            )
    raise RuntimeError(f"{subscription.queue} still had messages after {max_batches} batches")


def _subscription(deployment: Deployment, function: str) -> SqsSubscription:
    for subscription in deployment.sqs_subscriptions:
        if subscription.function == function:
            return subscription
    raise LookupError(f"{function} has no SQS event source in {deployment.template_path.name}")
