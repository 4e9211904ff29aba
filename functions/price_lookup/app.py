"""Price lookup: what a signed-in trade customer pays for each line of a cart (PRODUCT.md §3).

Kept lean for cold start: no Tracer (Lambda active tracing still records the invocation), no Metrics import.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tradeprice.api import problems, views
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.schemas import LookupIn, LookupLineIn, SkuLookupIn
from tradeprice.logic.lookup import LineRequest, lookup
from tradeprice.logic.records import describe

logger = Logger()
app = APIGatewayRestResolver(serializer=dump_json)
problems.register(app, logger)


@app.post("/v1/pricing/lookup")
def post_lookup() -> dict[str, Any]:
    request = LookupIn.model_validate(parse_json(app.current_event.body))
    valid: list[LineRequest] = []
    line_errors: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(request.lines):
        try:
            line = LookupLineIn.model_validate(raw)
        except ValidationError as error:
            line_errors[index] = {
                "index": index,
                "sku": raw.get("sku") if isinstance(raw, dict) else None,
                "found": False,
                "errors": describe(error),
            }
            continue
        valid.append(LineRequest(line.sku, line.qty, line.tier_group))
    answer = lookup(
        valid,
        customer_id=request.customer_id,
        price_list=request.price_list,
        currency=request.currency,
        at=request.at,
        explain=request.explain,
    )
    document = views.lookup_view(answer)
    answered = iter(document["lines"])
    document["lines"] = [line_errors[i] if i in line_errors else next(answered) for i in range(len(request.lines))]
    return document


@app.get("/v1/pricing/<sku>")
def get_sku_price(sku: str) -> dict[str, Any]:
    query = app.current_event.query_string_parameters or {}
    request = SkuLookupIn.model_validate({"sku": sku, **query})
    line = LineRequest(request.sku, request.qty)
    answer = lookup(
        [line],
        customer_id=request.customer_id,
        price_list=request.price_list,
        currency=request.currency,
        at=request.at,
        explain=request.explain,
    )
    return views.line_view(answer.lines[0]) | {"customer_id": answer.customer_id, "at": answer.at.isoformat()}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
