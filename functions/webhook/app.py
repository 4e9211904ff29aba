"""Webhook delivery: each change event the bus queued for the webhook is POSTed to WEBHOOK_URL, HMAC-signed.

EventBridge API destinations cannot compute a signature over the body, so this function delivers instead
(logic/webhooks.py has the scheme). The body is the EventBridge event exactly as queued. A delivery the receiver
does not accept (non-2xx, unreachable) is reported as failed; SQS retries it and dead-letters it after the queue's
maxReceiveCount.
"""

import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.config import get_settings
from tradeprice.data import webhook
from tradeprice.logic.webhooks import SIGNATURE_HEADER, signature

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    body = record.body.encode()
    event = json.loads(body)  # an EventBridge event; anything else is poison and fails here
    settings = get_settings()
    secret = webhook.signing_secret(settings.webhook_secret_id)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "tradeprice-webhook/1",
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        "Tradeprice-Event-Id": str(event.get("detail", {}).get("id") or event.get("id")),
        "Tradeprice-Event-Type": str(event.get("detail-type")),
    }
    status = webhook.post(settings.webhook_url, body, headers)
    logger.info("webhook delivered", extra={"status": status, "event_type": event.get("detail-type")})
    metrics.add_metric(name="WebhookDeliveries", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
