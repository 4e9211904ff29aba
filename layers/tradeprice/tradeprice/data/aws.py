"""Cached AWS clients. Built on first use, never at import time, and shared across warm invocations."""

from functools import cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from tradeprice.config import get_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client


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
def dynamodb() -> "DynamoDBClient":
    return boto3.client("dynamodb", config=client_config())


@cache
def s3() -> "S3Client":
    return boto3.client("s3", config=client_config())
