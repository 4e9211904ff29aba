"""Platform webhooks: the storefront platforms tell tradeprice about their customers.

    POST /v1/webhooks/shopify       X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body (the app secret)
    POST /v1/webhooks/bigcommerce   X-Webhook-Secret: the shared secret the webhook was registered with

Neither route is behind the API's key authorizer (a platform cannot send a bearer key): each request is verified
here, against its secret in Secrets Manager, before its body is parsed; anything else is a 401. Shopify's
customers are written at once (Shopify waits at most 5 s); BigCommerce's callback carries only an id, so it is
queued for the sync function (functions/bigcommerce_sync), which fetches the customer with retries.

A delivery whose customer cannot be stored (an unknown group in the rules, an email another customer has) is
answered 200 with `status: rejected` and the fields at fault, logged and counted: answering 4xx would only make
the platform retry the same payload for hours and then switch the webhook off.
"""

import base64
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.resolver import new_resolver
from tradeprice.domain.authors import Author, acting_as
from tradeprice.integrations import bigcommerce
from tradeprice.logic import platform

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
app = new_resolver(logger)


def raw_body() -> bytes:
    """The body exactly as the platform signed it."""
    event = app.current_event.raw_event
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")


def header(name: str) -> str | None:
    value = app.current_event.headers.get(name)  # Powertools looks headers up case-insensitively
    return value if isinstance(value, str) else None


def answer(platform_name: str, done: platform.Delivered) -> Response[str]:
    metrics.add_dimension(name="platform", value=platform_name)
    metrics.add_metric(name=f"PlatformDeliveries{done.status.capitalize()}", unit=MetricUnit.Count, value=1)
    log = logger.warning if done.status == "rejected" else logger.info
    log("platform delivery", extra={"platform": platform_name, **done.as_dict()})
    return Response(status_code=200, content_type="application/json", body=dump_json(done.as_dict()))


def triggered_at() -> datetime | None:
    value = header("X-Shopify-Triggered-At")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


@app.post("/v1/webhooks/shopify")
def shopify_webhook() -> Response[str]:
    platform.verify_shopify(raw_body(), header("X-Shopify-Hmac-Sha256"))
    payload = parse_json(raw_body().decode("utf-8", errors="replace"))
    topic = (header("X-Shopify-Topic") or "").strip()
    done = platform.shopify_delivery(topic, header("X-Shopify-Webhook-Id"), payload, triggered_at())
    return answer("shopify", done)


@app.post("/v1/webhooks/bigcommerce")
def bigcommerce_webhook() -> Response[str]:
    platform.verify_bigcommerce(header(bigcommerce.SECRET_HEADER))
    done = platform.bigcommerce_callback(parse_json(raw_body().decode("utf-8", errors="replace")))
    return answer("bigcommerce", done)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    platform_name = str(event.get("path") or "").rstrip("/").rsplit("/", 1)[-1]
    request = (event.get("requestContext") or {}).get("requestId") or None
    with acting_as(Author("integration", platform_name, request=request)):
        return app.resolve(event, context)
