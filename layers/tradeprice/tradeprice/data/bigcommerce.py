"""BigCommerce's Customers v3 API, read with timeouts, retries and backoff. The only outbound HTTP we make.

`GET {api_url}/stores/{store_hash}/v3/customers?id:in=<id>&include=addresses`, authenticated with the store's
API account token (`X-Auth-Token`), both from Secrets Manager. A timeout, a connection error, 429 (BigCommerce's
rate limit; its `X-Rate-Limit-Time-Reset-Ms` says when to come back) or a 5xx is retried with exponential
backoff and full jitter, up to BIGCOMMERCE_ATTEMPTS calls; then `PlatformUnavailable` is raised and the queue
delivers the message again, and finally to its dead-letter queue. Any other 4xx (a wrong token or store hash)
is raised at once: retrying cannot fix it, and the message ends in the dead-letter queue for a person to see.
"""

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data import secrets
from tradeprice.errors import TradepriceError

_RETRIED = frozenset({429, 500, 502, 503, 504})
_MAX_WAIT_SECONDS = 10.0


class PlatformUnavailable(TradepriceError):
    """BigCommerce kept failing (or refused the credentials); the message is retried, then dead-lettered."""


def fetch_customer(customer_id: str) -> dict[str, Any] | None:
    """The customer record (with its addresses), or None when BigCommerce no longer has it."""
    settings = get_settings()
    credentials = secrets.json_secret(settings.bigcommerce_api_secret_id)
    store_hash, token = credentials.get("store_hash", ""), credentials.get("access_token", "")
    if not store_hash or not token:
        raise PlatformUnavailable("the BigCommerce API secret needs store_hash and access_token")
    query = urllib.parse.urlencode({"id:in": customer_id, "include": "addresses"}, safe=":,")
    url = f"{settings.bigcommerce_api_url.rstrip('/')}/stores/{urllib.parse.quote(store_hash)}/v3/customers?{query}"
    document = _get_json(url, {"X-Auth-Token": token, "Accept": "application/json"})
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, list):
        raise PlatformUnavailable("BigCommerce answered without a data array")
    return next((record for record in data if isinstance(record, dict) and str(record.get("id")) == customer_id), None)


def _get_json(url: str, headers: dict[str, str]) -> Any:
    settings = get_settings()
    if not url.startswith(("https://", "http://")):
        raise PlatformUnavailable("BIGCOMMERCE_API_URL must be an http(s) URL")
    last = "no call made"
    last_reset_ms: float | None = None
    for attempt in range(settings.bigcommerce_attempts):
        if attempt:
            _wait(attempt, last_reset_ms)
        last_reset_ms = None
        request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310 - scheme checked above
        try:
            with urllib.request.urlopen(request, timeout=settings.bigcommerce_timeout_seconds) as response:  # noqa: S310  # nosec B310
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code not in _RETRIED:
                raise PlatformUnavailable(f"BigCommerce answered {error.code} {error.reason}") from error
            reset = error.headers.get("X-Rate-Limit-Time-Reset-Ms") if error.headers else None
            last_reset_ms = float(reset) if reset and reset.replace(".", "", 1).isdigit() else None
            last = f"{error.code} {error.reason}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            last = f"{type(error).__name__}: {getattr(error, 'reason', error)}"
        except ValueError as error:
            last = f"an answer that is not JSON ({error})"
    raise PlatformUnavailable(f"BigCommerce failed {settings.bigcommerce_attempts} times; last: {last}")


def _wait(attempt: int, reset_ms: float | None) -> None:
    base = get_settings().retry_base_seconds
    delay = reset_ms / 1000 if reset_ms is not None else random.uniform(0, base * 2**attempt)  # noqa: S311  # nosec B311
    time.sleep(min(delay, _MAX_WAIT_SECONDS))
