"""The local stack, started once per test session (once per xdist worker), driven over HTTP and real S3 puts.

`python -m devstack` runs the same stack: moto's server as AWS with template.yaml's tables, bucket and queues, the
template's API on localhost (the authorizer included), the import queue polled into the import function, the
record tables' streams read for the change-stream function, each function in worker processes of its own. Here it
is deployed with a WebhookUrl (as `--parameter WebhookUrl=...` does), so every change event also reaches a webhook
receiver on loopback. Every test names its own price lists, groups and customers (`unique`), so tests share the
stack in any order."""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from devstack.seed import DemoKeys, create_demo_keys
from devstack.stack import DevStack
from devstack.testing import patched_environment
from tests.conftest import reset_caches
from tests.e2e.client import Api
from tests.fake_bigcommerce import FakeBigCommerce, serve
from tests.webhook_receiver import WebhookReceiver
from tradeprice.data import jobs
from tradeprice.domain.models import ImportJob
from tradeprice.logic.imports import job_id_for

ROOT = Path(__file__).resolve().parents[2]


def fresh_execution_environment() -> None:
    """Drop every client, setting and cache tradeprice has built, as a new Lambda execution environment would.

    Other tiers' tests run in this process too, against in-process moto: what they cached points at their mock.
    Beyond what `reset_caches` knows, this clears every functools cache in the package (clients captured by a
    cached factory, such as the idempotency store's).
    """
    reset_caches()
    for name, module in list(sys.modules.items()):
        if name == "tradeprice" or name.startswith("tradeprice."):
            for value in list(vars(module).values()):
                if getattr(value, "__module__", None) != name or not callable(getattr(value, "cache_clear", None)):
                    continue
                if f"{name}.{getattr(value, '__name__', '')}" not in _KEPT_CACHES:
                    value.cache_clear()


_KEPT_CACHES = {"tradeprice.data.aws._session"}
"""A botocore session chooses no endpoint, region or credentials source for its clients (they read the environment
when built); it only keeps the parsed service models that make building the next client cheap (~60 ms a test)."""


@dataclass(frozen=True)
class StackEnvironment:
    """The variables DevStack sets in this process (moto's endpoint, dummy credentials, the table names).

    The functions run in worker processes with their own environment; these are for what a test does itself
    (making keys, reading a job), applied only while an e2e test runs, so tests of other tiers in this worker
    never see them.
    """

    values: dict[str, str]
    removed: tuple[str, ...]

    @contextmanager
    def applied(self) -> Iterator[None]:
        with patched_environment(self.values, remove=self.removed):
            yield


BIGCOMMERCE_GROUPS = {"2": "e2e-bc-trade", "5": "e2e-bc-distributor"}
"""The stack's BigCommerceMapping (BigCommerce customer group id → group): tests/e2e/test_platform_webhooks.py
creates these groups."""
BIGCOMMERCE_WEBHOOK_SECRET = "e2e-bigcommerce-webhook-secret"  # nosec B105 - the local stack's


@pytest.fixture(scope="session")
def fake_bigcommerce() -> Iterator[FakeBigCommerce]:
    """BigCommerce's Customers v3 API on loopback; the stack's BigCommerce sync calls it, never the network."""
    with serve(FakeBigCommerce(store_hash="e2estore", access_token=f"e2e-{uuid.uuid4().hex}")) as fake:
        yield fake


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """The merchant's webhook endpoint, on loopback: the stack is deployed with WebhookUrl pointing at it."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def _running_stack(
    fake_bigcommerce: FakeBigCommerce, webhook_receiver: WebhookReceiver
) -> Iterator[tuple[DevStack, StackEnvironment]]:
    before = dict(os.environ)
    fresh_execution_environment()
    # Two sandboxes per function at most: concurrent requests to one function still run side by side. With a
    # webhook, the template's rule, queue and webhook function exist and deliver every change event to it.
    with DevStack(
        api_port=0,
        moto_port=0,
        concurrency=2,
        parameters={
            "BigCommerceMapping": json.dumps({"groups": BIGCOMMERCE_GROUPS, "default_group": "base"}),
            "WebhookUrl": webhook_receiver.url,
        },
        function_environment={"BigCommerceSyncFunction": {"BIGCOMMERCE_API_URL": fake_bigcommerce.url}},
        secret_values={
            "BigCommerceApiSecret": {
                "store_hash": fake_bigcommerce.store_hash,
                "access_token": fake_bigcommerce.access_token,
            },
            "BigCommerceWebhookSecret": {"webhook_secret": BIGCOMMERCE_WEBHOOK_SECRET},
        },
    ) as stack:
        after = dict(os.environ)
        environment = StackEnvironment(
            values={name: value for name, value in after.items() if before.get(name) != value},
            removed=tuple(name for name in before if name not in after),
        )
        touched = (*environment.values, *environment.removed)
        with patched_environment(  # back to what it was before the stack, for everything the stack touched
            {name: before[name] for name in touched if name in before},
            remove=tuple(name for name in touched if name not in before),
        ):
            fresh_execution_environment()
            yield stack, environment
    fresh_execution_environment()


@pytest.fixture(scope="session")
def local_stack(_running_stack: tuple[DevStack, StackEnvironment]) -> DevStack:
    return _running_stack[0]


@pytest.fixture(scope="session")
def stack_environment(_running_stack: tuple[DevStack, StackEnvironment]) -> StackEnvironment:
    return _running_stack[1]


@pytest.fixture(autouse=True)
def _tradeprice_reaches_the_local_stack(stack_environment: StackEnvironment) -> Iterator[None]:
    """Each e2e test runs with the stack's environment and fresh caches, and leaves neither behind."""
    with stack_environment.applied():
        fresh_execution_environment()
        yield
        fresh_execution_environment()


@pytest.fixture(scope="session")
def keys(stack_environment: StackEnvironment) -> DemoKeys:
    """A write, a read and an admin key, made the way `python -m devstack` makes its demo keys."""
    with stack_environment.applied():
        fresh_execution_environment()
        made = create_demo_keys()
        fresh_execution_environment()
    return made


@pytest.fixture(scope="session")
def api(local_stack: DevStack) -> Iterator[Api]:
    with requests.Session() as session:
        yield Api(local_stack.api_url, session)


@pytest.fixture
def unique() -> str:
    """A suffix that keeps this test's records apart from every other test's."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def price_list(api: Api, keys: DemoKeys, unique: str) -> str:
    """Given an empty GBP price list of this test's own."""
    slug = f"e2e-{unique}"
    response = api.put(f"/v1/price-lists/{slug}", key=keys.write, json={"name": "E2E trade", "currency": "GBP"})
    assert response.status_code == 201, response.text
    return slug


@pytest.fixture
def drop_file(local_stack: DevStack):
    """drop_file(key, body) puts an object in the imports bucket, waits for S3 → SQS → import, returns its job."""
    s3 = local_stack.client("s3")
    bucket = local_stack.deployment.physical_name("ImportsBucket")

    def drop(key: str, body: bytes) -> ImportJob:
        version = s3.put_object(Bucket=bucket, Key=key, Body=body)["VersionId"]
        local_stack.wait_until_idle(timeout=60)
        job = jobs.get(job_id_for(bucket, key, version))
        assert job is not None, f"no import job for {key}"
        return job

    return drop


@pytest.fixture
def credentials_cli(local_stack: DevStack) -> Callable[..., str]:
    """credentials_cli("key", "--name", ...) runs what `make key` / `make token` run against this stack; → stdout."""

    def run(*args: str) -> str:
        port = str(urlsplit(local_stack.endpoint_url).port)
        done = subprocess.run(
            [sys.executable, "-m", "devstack.credentials", "--moto-port", port, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    return run
