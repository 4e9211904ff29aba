"""The queue between the BigCommerce webhook and the function that fetches the customer it names."""

import json
import os
from functools import cache
from typing import TYPE_CHECKING, Any

from tradeprice.data.aws import build_client

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


@cache
def _sqs(endpoint: str | None) -> "SQSClient":
    """One client per endpoint (the local stack points AWS_ENDPOINT_URL at its moto server)."""
    return build_client("sqs")  # type: ignore[no-any-return]


def enqueue(queue_url: str, message: dict[str, Any]) -> None:
    _sqs(os.environ.get("AWS_ENDPOINT_URL")).send_message(QueueUrl=queue_url, MessageBody=json.dumps(message))
