"""Cached AWS clients. Built on first use, never at import time, and shared across warm invocations.

Clients come from botocore directly: boto3 adds nothing the data layer uses (no resources, no transfer
manager) but ~50 ms of imports (s3transfer, boto3.session) to every cold start, the lookup's included.
A botocore session is not thread-safe while it builds a client, and the data layer calls DynamoDB from worker
threads; so clients are built under a lock, once, and shared (a built client is thread-safe).
"""

from functools import cache
from threading import Lock
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.config import Config

from tradeprice.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

_building = Lock()


@cache
def client_config() -> Config:
    # Standard mode retries throttling and 5xx with backoff and jitter; the pool fits our parallel batches.
    return Config(
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=max(10, get_settings().dynamodb_max_workers * 2),
        connect_timeout=2,
        read_timeout=10,
    )


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


def build_client(service: str, config: Config | None = None) -> Any:
    """A client with the shared configuration, and `config`'s settings over it."""
    with _building:
        return _session().create_client(service, config=client_config().merge(config) if config else client_config())


@cache
def dynamodb() -> "DynamoDBClient":
    # Without botocore's client-side check of every request against the service model: DynamoDB checks each
    # request itself (a ValidationException, still a ClientError), and the check walks every key of every
    # BatchGetItem, a measurable share of the lookup's cold and warm CPU (docs/operations.md, Cold start).
    return build_client("dynamodb", Config(parameter_validation=False))  # type: ignore[no-any-return]


@cache
def s3() -> "S3Client":
    return build_client("s3")  # type: ignore[no-any-return]


def forget_clients() -> None:
    """Drop every built client and the session's resolved credentials, keeping the parsed service models.

    For a SnapStart restore (tradeprice/snapstart.py): credentials and pooled connections captured in the
    snapshot must not be reused, but the service models (the costly JSON parsing of client building) may.
    """
    loader = _session().get_component("data_loader") if _session.cache_info().currsize else None
    for factory in (dynamodb, s3, client_config, _session):
        factory.cache_clear()
    if loader is not None:
        _session().register_component("data_loader", loader)
