"""The webhook's outbound side: its signing secret (Secrets Manager) and the HTTPS POST to the receiver."""

import json
import urllib.request
from functools import cache
from urllib.error import HTTPError, URLError

from tradeprice.data.aws import build_client

TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx (or could not be reached): the delivery is retried by the queue."""


@cache
def signing_secret(secret_id: str) -> bytes:
    """The secret's `secret` field; cached for the life of a warm function (a rotation redeploys it)."""
    value = build_client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    return str(json.loads(value)["secret"]).encode()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; returns the status, or raises DeliveryFailed for anything but 2xx."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310  # the merchant's own URL, http(s) only (template pattern)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310  # as above
            return int(response.status)
    except HTTPError as error:
        raise DeliveryFailed(f"the receiver answered {error.code}") from error
    except (URLError, TimeoutError, OSError) as error:
        raise DeliveryFailed(f"the receiver could not be reached: {error}") from error
