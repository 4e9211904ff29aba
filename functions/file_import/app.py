"""File import: S3 object-created notifications, delivered through SQS, become import jobs (PRODUCT.md §5).

A record that raises is reported as a batch item failure: SQS redelivers it, and after the queue's
maxReceiveCount it lands in the dead-letter queue. A file's own faults do not raise; they fail its job.
"""

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.logic import imports

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    notification = json.loads(record.body)
    if notification.get("Event") == "s3:TestEvent":  # S3 sends one when the notification is configured
        return
    for entry in notification.get("Records", []):
        s3 = entry["s3"]
        key = unquote_plus(s3["object"]["key"])  # keys arrive URL-encoded, spaces as '+'
        job = imports.import_object(s3["bucket"]["name"], key, s3["object"].get("versionId"))
        logger.info("import job", extra={"job_id": job.id, "key": key, "status": job.status})


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
