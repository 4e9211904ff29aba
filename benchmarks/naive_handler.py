"""The baseline for the lookup's cold start: a REST handler written the way the Powertools docs show it.

Everything at module level, as most handlers do: Logger, Tracer, Metrics, the REST resolver and a boto3 client.
bench_lookup.py imports this in a fresh interpreter, side by side with functions/price_lookup/app.py.
"""

from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="naive")
tracer = Tracer(service="naive")
metrics = Metrics(namespace="naive", service="naive")
app = APIGatewayRestResolver()
table = boto3.client("dynamodb", region_name="eu-west-2")


@app.post("/v1/pricing/lookup")
@tracer.capture_method
def lookup() -> dict[str, Any]:
    body = app.current_event.json_body
    keys = [{"pk": {"S": line["sku"]}} for line in body["lines"]]
    found = table.batch_get_item(RequestItems={"prices": {"Keys": keys}})
    metrics.add_metric(name="Lookups", unit=MetricUnit.Count, value=1)
    return {"lines": found.get("Responses", {}).get("prices", [])}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
