"""BigCommerce sync: each queued customer callback → the customer fetched from BigCommerce → tradeprice.

Fed by the platform sync queue (functions/platform_webhooks queues the callbacks). The fetch has a timeout and
retries with backoff (tradeprice/data/bigcommerce.py); a record that still fails is reported as a batch item
failure, SQS delivers it again after its visibility timeout, and after the queue's maxReceiveCount it lands in
the dead-letter queue (an alarm watches it) — a customer is never silently lost.
"""

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.domain.authors import Author, acting_as
from tradeprice.logic import platform

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
processor = BatchProcessor(event_type=EventType.SQS)


class PoisonMessage(ValueError):
    """A message that is not a queued customer callback."""


def record_handler(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if not isinstance(message, dict) or "customer_id" not in message:
        raise PoisonMessage(f"message {record.message_id} is not a BigCommerce customer callback")
    with acting_as(Author("integration", "bigcommerce", request=record.message_id)):
        done = platform.bigcommerce_sync(message)
    metrics.add_metric(name=f"PlatformDeliveries{done.status.capitalize()}", unit=MetricUnit.Count, value=1)
    log = logger.warning if done.status == "rejected" else logger.info
    log("bigcommerce customer", extra={"scope": message.get("scope"), **done.as_dict()})


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    metrics.add_dimension(name="platform", value="bigcommerce")
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
