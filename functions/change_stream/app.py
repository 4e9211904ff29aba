"""Change stream: the record tables' DynamoDB stream records become history entries and grouped change events.

Lambda reads each table's stream (NEW_AND_OLD_IMAGES) in batches. The whole batch is handled at once rather than
record by record (Powertools' BatchProcessor), because events group the changes of a batch. A record that cannot
be read is reported as the batch's first failure (ReportBatchItemFailures): Lambda retries from it, bisecting the
batch, and after its retries sends the batch's description to the dead-letter queue. Anything else that fails
(DynamoDB, EventBridge) raises, and the whole batch is retried; history writes are idempotent and events carry a
stable `id`, so a retry adds no history and a subscriber can drop a repeated event.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.logic import changes

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting


@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    outcome = changes.process(records)
    logger.info(
        "stream batch handled",
        extra={"records": len(records), "changes": outcome.changes, "events": outcome.events},
    )
    metrics.add_metric(name="ChangesRecorded", unit=MetricUnit.Count, value=outcome.changes)
    metrics.add_metric(name="ChangeEventsPublished", unit=MetricUnit.Count, value=outcome.events)
    if outcome.failed_sequence is not None:
        logger.error("unreadable stream record; retried from it", extra={"sequence": outcome.failed_sequence})
        return {"batchItemFailures": [{"itemIdentifier": outcome.failed_sequence}]}
    return {"batchItemFailures": []}
