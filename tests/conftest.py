"""Shared fixtures: AWS on moto, with every table, bucket and queue created from template.yaml itself."""

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from devstack.infra import Deployment, deploy
from devstack.moto_server import make_dynamodb_writes_atomic
from tradeprice.api import idempotency
from tradeprice.config import get_settings
from tradeprice.data import aws, reference_cache, secrets

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A real-shaped event from events/ (the same files `sam local invoke -e` takes)."""
    return json.loads((EVENTS / f"{name}.json").read_text())


def reset_caches() -> None:
    get_settings.cache_clear()
    aws.dynamodb.cache_clear()
    aws.s3.cache_clear()
    aws.client_config.cache_clear()
    secrets.clear()
    idempotency._idempotent_call.cache_clear()
    reference_cache.clear()


@dataclass
class LambdaContext:
    function_name: str = "tradeprice-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:tradeprice-test"
    aws_request_id: str = "11111111-2222-3333-4444-555555555555"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials and region for moto; never a real endpoint."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name not in {"AWS_DEFAULT_REGION"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "tradeprice")
    monkeypatch.setenv("RETRY_BASE_SECONDS", "0")


@pytest.fixture
def stack(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """The template deployed into in-process moto, with the functions' environment applied."""
    make_dynamodb_writes_atomic()
    with mock_aws():
        deployment = deploy(TEMPLATE)
        for name, value in deployment.merged_environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("RETRY_BASE_SECONDS", "0")
        reset_caches()
        yield deployment
    reset_caches()
