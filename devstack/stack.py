"""The whole local stack in one object: moto's server, the template's resources in it, the API, the SQS sources."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import boto3

from devstack.api_gateway import ApiGatewayServer
from devstack.infra import DEFAULT_STACK_NAME, Deployment, deploy
from devstack.lambda_runtime import DEFAULT_CONCURRENCY, FunctionInvoker
from devstack.moto_server import MotoServerProcess
from devstack.polling import PollLoop
from devstack.sqs_source import SqsPoller
from devstack.stream_source import StreamPoller, StreamReader

__all__ = ["DEFAULT_TEMPLATE", "DevStack"]

logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE: Final = Path(__file__).resolve().parent.parent / "template.yaml"
DEFAULT_REGION: Final = "eu-west-2"
# moto accepts any credentials; these make sure no real ones are ever used.
_DUMMY_CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # nosec B105  # moto's dummies
# Variables that would point boto3 somewhere else than the local stack.
_CLEARED_VARIABLES: Final = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


class DevStack:
    """Runs template.yaml locally: `with DevStack(api_port=0, moto_port=0) as stack: ... stack.api_url ...`.

    `start()` launches moto's server, points this process's boto3 at it (AWS_ENDPOINT_URL, dummy credentials,
    AWS_DEFAULT_REGION), creates the template's tables, bucket and queues there, starts each function's worker
    processes (its own environment, as on Lambda), serves the API and polls the SQS sources. The variables the
    functions share (table and bucket names) are exported in this process too, for the seed and for tests that
    read the tables. `stop()` undoes all of it, restoring the environment variables it changed. Port 0 picks a
    free port (for tests); `concurrency` is how many sandboxes each function may run at once.
    """

    def __init__(
        self,
        template_path: str | Path = DEFAULT_TEMPLATE,
        *,
        stack_name: str = DEFAULT_STACK_NAME,
        host: str = "127.0.0.1",
        api_port: int = 3000,
        moto_port: int = 5000,
        region: str = DEFAULT_REGION,
        parameters: Mapping[str, str] | None = None,
        sqs_wait_seconds: int = 1,
        failed_message_visibility_seconds: int | None = 0,
        concurrency: int = DEFAULT_CONCURRENCY,
        function_environment: Mapping[str, Mapping[str, str]] | None = None,
        secret_values: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """`failed_message_visibility_seconds`: how soon a message the import function failed is received
        again (0: at once, so retries and dead-lettering take seconds locally; None: the queue's own
        visibility timeout, 90 minutes for the import queue, as on AWS).

        `function_environment`: variables set over the template's, by function logical id, e.g.
        {"BigCommerceSyncFunction": {"BIGCOMMERCE_API_URL": "http://127.0.0.1:8081"}} to point the sync at a
        BigCommerce served on loopback. `secret_values`: the JSON put in the template's secrets, by logical id,
        in place of the generated values (as a merchant puts theirs after deploying), e.g.
        {"BigCommerceApiSecret": {"store_hash": "...", "access_token": "..."}}."""
        self.template_path = Path(template_path)
        self.stack_name = stack_name
        self.host = host
        self.region = region
        self.parameters = dict(parameters or {})
        self._api_port = api_port
        self._sqs_wait_seconds = sqs_wait_seconds
        self._failed_visibility = failed_message_visibility_seconds
        self._moto = MotoServerProcess(host, moto_port)
        self._deployment: Deployment | None = None
        self._concurrency = concurrency
        self._function_environment = {name: dict(values) for name, values in (function_environment or {}).items()}
        self._secret_values = dict(secret_values or {})
        self._invoker: FunctionInvoker | None = None
        self._api: ApiGatewayServer | None = None
        self._pollers: list[SqsPoller] = []
        self._stream_pollers: list[StreamPoller] = []
        self._saved_environment: dict[str, str | None] = {}

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> DevStack:
        try:
            self._moto.start()
            local_aws = {
                "AWS_ENDPOINT_URL": self._moto.endpoint_url,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
                **_DUMMY_CREDENTIALS,
            }
            self._set_environment(local_aws, clear=_CLEARED_VARIABLES)
            # Clients made from now on read the variables above, not a session cached before.
            boto3.DEFAULT_SESSION = None
            deployment = deploy(
                self.template_path, stack_name=self.stack_name, parameters=self.parameters, session=boto3.Session()
            )
            self._deployment = self._with_environment(deployment)
            self._seed_secrets()
            self._set_environment(self._deployment.shared_environment())
            invoker = self._invoker = FunctionInvoker(
                self._deployment, environment=local_aws, concurrency=self._concurrency
            )
            for missing in invoker.missing_handlers():
                spec = self._deployment.functions[missing]
                logger.warning("%s: handler module %s not found; its events will fail", missing, spec.module)
            for logical_id, error in invoker.load_all().items():
                logger.error("%s: its cold start failed; its events will fail: %s", logical_id, error)
            self._api = ApiGatewayServer(self._deployment, invoker, host=self.host, port=self._api_port).start()
            self._pollers = [
                SqsPoller(
                    subscription,
                    invoker.invoke,
                    region=self.region,
                    sqs=self.client("sqs"),
                    wait_seconds=self._sqs_wait_seconds,
                    failed_visibility_seconds=self._failed_visibility,
                ).start()
                for subscription in self._deployment.sqs_subscriptions
            ]
            # DynamoDB streams feed the change-stream function, as Lambda's DynamoDB event sources do.
            self._stream_pollers = [
                StreamPoller(
                    StreamReader(
                        subscription,
                        invoker.invoke,
                        region=self.region,
                        dynamodb=self.client("dynamodb"),
                        streams=self.client("dynamodbstreams"),
                        sqs=self.client("sqs"),
                    )
                ).start()
                for subscription in self._deployment.stream_subscriptions
            ]
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the pollers, the API and moto, and restore the environment. Safe to call twice."""
        for stream_poller in self._stream_pollers:
            stream_poller.stop()
        self._stream_pollers = []
        for poller in self._pollers:
            poller.stop()
        self._pollers = []
        if self._api is not None:
            self._api.stop()
            self._api = None
        if self._invoker is not None:
            self._invoker.close()
            self._invoker = None
        self._moto.stop()
        self._restore_environment()
        boto3.DEFAULT_SESSION = None

    def __enter__(self) -> DevStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- what tests and people use -------------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment:
        if self._deployment is None:
            raise RuntimeError("the stack is not started")
        return self._deployment

    @property
    def api_url(self) -> str:
        """The API's base URL with its stage, e.g. http://127.0.0.1:3000/dev (append /v1/...)."""
        if self._api is None:
            raise RuntimeError("the stack is not started")
        return self._api.url()

    @property
    def endpoint_url(self) -> str:
        """moto's endpoint: what AWS_ENDPOINT_URL is set to while the stack runs."""
        return self._moto.endpoint_url

    def client(self, service_name: str) -> Any:
        """A boto3 client for the local AWS (typed as Any: annotate it with the mypy_boto3 type you use)."""
        return boto3.client(
            service_name,  # type: ignore[call-overload]
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=_DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=_DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def wait_until_idle(self, timeout: float = 30) -> None:
        """Block until every stream and SQS source is idle and none did any work meanwhile (no sleeps).

        One source's work feeds another's (an import writes prices, their stream records become change events,
        EventBridge queues those for the webhook), so one pass over the sources is not enough: passes repeat until
        every source has been seen idle in a pass in which none of them handled anything.
        """
        deadline = time.monotonic() + timeout
        sources: list[PollLoop] = [*self._stream_pollers, *self._pollers]
        while True:
            busy = sum(source.busy_polls for source in sources)
            marks = [source.mark() for source in sources]
            for source, mark in zip(sources, marks, strict=True):
                source.wait_idle_since(mark, max(0.0, deadline - time.monotonic()))
            if sum(source.busy_polls for source in sources) == busy:
                return

    # -- environment ---------------------------------------------------------------------------------------

    def _with_environment(self, deployment: Deployment) -> Deployment:
        unknown = sorted(set(self._function_environment) - set(deployment.functions))
        if unknown:
            raise KeyError(f"function_environment names functions the template does not have: {unknown}")
        functions = {
            logical_id: dataclasses.replace(
                spec, environment={**spec.environment, **self._function_environment.get(logical_id, {})}
            )
            for logical_id, spec in deployment.functions.items()
        }
        return dataclasses.replace(deployment, functions=functions)

    def _seed_secrets(self) -> None:
        secrets = self.deployment.names_of_type("AWS::SecretsManager::Secret")
        unknown = sorted(set(self._secret_values) - set(secrets))
        if unknown:
            raise KeyError(f"secret_values names secrets the template does not have: {unknown}")
        client = self.client("secretsmanager")
        for logical_id, value in self._secret_values.items():
            client.put_secret_value(SecretId=secrets[logical_id], SecretString=json.dumps(value))

    def _set_environment(self, values: Mapping[str, str], *, clear: tuple[str, ...] = ()) -> None:
        for name in (*values, *clear):
            self._saved_environment.setdefault(name, os.environ.get(name))
        for name in clear:
            os.environ.pop(name, None)
        os.environ.update(values)

    def _restore_environment(self) -> None:
        for name, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_environment = {}
