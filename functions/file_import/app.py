"""File import: S3 object-created notifications, delivered through SQS, become import jobs (docs/imports.md).

The queue carries two kinds of message: S3's notifications (and its one-off test event), and the continuation an
import queues for itself when a file outlasts one invocation. A record that raises is reported as a batch item
failure: SQS redelivers it (the import resumes from its checkpoint), and after the queue's maxReceiveCount it lands
in the dead-letter queue. A message that is neither kind raises at once: poison. A file's own faults do not
raise; they fail its job.
"""

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.data.jobs import CONTINUATION
from tradeprice.logic import imports

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
processor = BatchProcessor(event_type=EventType.SQS)
_FINISHED = {
    "succeeded": "ImportsSucceeded",
    "partially_succeeded": "ImportsPartiallySucceeded",
    "failed": "ImportsFailed",
}


def _count(job: Any) -> None:
    """One metric per finished import, and the rows it rejected (an alarm watches ImportsFailed)."""
    name = _FINISHED.get(str(job.status)) if job is not None else None
    if name is None:
        return
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ImportRowsRejected", unit=MetricUnit.Count, value=job.counts.rows_rejected)


class PoisonMessage(ValueError):
    """A message that is neither an S3 notification nor an import continuation."""


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    try:
        message = json.loads(record.body)
    except ValueError as error:
        raise PoisonMessage(f"message {record.message_id} is not JSON") from error
    if not isinstance(message, dict):
        raise PoisonMessage(f"message {record.message_id} is not a JSON object")
    budget = imports.Budget.of(lambda_context.get_remaining_time_in_millis)
    attempt = int(record.raw_event.get("attributes", {}).get("ApproximateReceiveCount", 1))
    if message.get("Event") == "s3:TestEvent":  # S3 sends one when the notification is configured
        return
    if message.get("tradeprice") == CONTINUATION:
        job = imports.continue_job(str(message["job_id"]), budget, attempt=attempt)
        logger.info("import continued", extra={"job_id": message["job_id"], "status": job and job.status})
        _count(job)
        return
    entries = message.get("Records")
    if not isinstance(entries, list):
        raise PoisonMessage(f"message {record.message_id} is not an S3 notification or an import continuation")
    for entry in entries:
        try:
            bucket = entry["s3"]["bucket"]["name"]
            key = unquote_plus(entry["s3"]["object"]["key"])  # keys arrive URL-encoded, spaces as '+'
            version_id = entry["s3"]["object"].get("versionId")
        except (KeyError, TypeError) as error:
            raise PoisonMessage(f"message {record.message_id} has an S3 record without bucket and key") from error
        job = imports.import_object(bucket, key, version_id, budget, attempt=attempt)
        logger.info("import job", extra={"key": key, "job_id": job and job.id, "status": job and job.status})
        _count(job)


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
