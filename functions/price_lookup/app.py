"""Price lookup: what a signed-in trade customer pays for each line of a cart (docs/pricing-rules.md).

Who may ask (docs/auth.md): a key with the `read` scope, for any customer or price list it names; a customer
token, for its own customer only (the authorizer verified it and put the customer id in the request context).

Kept lean for cold start (benchmarks/bench_lookup.py measures its whole cold path against the floor, an
interpreter that only builds a botocore DynamoDB client, and against a naive Powertools handler):
- no Tracer: Lambda active tracing still records each invocation, and the Tracer alone would
  import aws-xray-sdk and botocore;
- the request models, the lookup logic and the data layer (pydantic models, boto3/botocore: ~200 ms of imports)
  are imported by the first request rather than at module import;
- with SnapStart (template parameter LookupSnapStart), `_prime` does that work once, before the snapshot, and
  tradeprice/snapstart.py makes each restored instance unique again.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tradeprice import snapstart
from tradeprice.api.access import Caller, Scope, caller_from
from tradeprice.api.json import parse_json
from tradeprice.api.resolver import new_resolver, with_cors
from tradeprice.errors import Forbidden, InvalidInput
from tradeprice.logic.records import describe

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
app = new_resolver(logger)


def _prime() -> None:
    """Before a SnapStart snapshot: what the first request would import and build (no data, no secrets read)."""
    from tradeprice.api import lookup_schemas, views  # noqa: F401
    from tradeprice.data.aws import dynamodb
    from tradeprice.logic import lookup  # noqa: F401

    dynamodb()


snapstart.register(_prime)


@app.post("/v1/pricing/lookup")
def post_lookup() -> dict[str, Any]:
    caller = _caller()
    from tradeprice.api import views  # deferred: see the module docstring
    from tradeprice.api.lookup_schemas import LookupIn, LookupLineIn
    from tradeprice.logic.lookup import LineRequest, lookup

    request = LookupIn.model_validate(parse_json(app.current_event.body))
    customer_id, price_list = _whose_prices(caller, request.customer_id, request.price_list)
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
        customer_id=customer_id,
        price_list=price_list,
        currency=request.currency,
        at=request.at,
        as_of=request.as_of,
        explain=request.explain,
    )
    _count(answer.lines)
    document = views.lookup_view(answer)
    answered = iter(document["lines"])
    document["lines"] = [line_errors[i] if i in line_errors else next(answered) for i in range(len(request.lines))]
    return document


@app.get("/v1/pricing/<sku>")
def get_sku_price(sku: str) -> dict[str, Any]:
    caller = _caller()
    from tradeprice.api import views  # deferred: see the module docstring
    from tradeprice.api.lookup_schemas import SkuLookupIn
    from tradeprice.logic.lookup import LineRequest, lookup

    query = app.current_event.query_string_parameters or {}
    request = SkuLookupIn.model_validate({**query, "sku": sku})  # the path names the SKU, whatever the query says
    customer_id, price_list = _whose_prices(caller, request.customer_id, request.price_list)
    answer = lookup(
        [LineRequest(request.sku, request.qty)],
        customer_id=customer_id,
        price_list=price_list,
        currency=request.currency,
        at=request.at,
        as_of=request.as_of,
        explain=request.explain,
    )
    _count(answer.lines)
    return views.line_view(answer.lines[0]) | {"customer_id": answer.customer_id, "at": answer.at.isoformat()}


def _count(lines: Any) -> None:
    """One metric per meaningful outcome: lookups, lines priced, lines with no price (a catalogue gap)."""
    metrics.add_metric(name="Lookups", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="LinesPriced", unit=MetricUnit.Count, value=sum(line.priced.found for line in lines))
    metrics.add_metric(name="LinesNotFound", unit=MetricUnit.Count, value=sum(not line.priced.found for line in lines))


def _caller() -> Caller:
    """Who is calling, checked before the body is even parsed: 401 without a credential, 403 for a key that may
    not look up at all. Whom they may price for depends on the body (`_whose_prices`)."""
    caller = caller_from(app.current_event.raw_event.get("requestContext"))
    if caller.customer_id is None:
        caller.require(Scope.READ)
    return caller


def _whose_prices(caller: Caller, customer_id: str | None, price_list: str | None) -> tuple[str | None, str | None]:
    """The customer (or list) to price for, as this caller may ask: a customer token prices its own customer."""
    if caller.customer_id is not None:
        if price_list is not None:
            # A list's prices are whatever any customer on it pays; a browser sees only its own customer's.
            raise Forbidden("a customer token looks up its own customer's prices, not a price list")
        customer_id = customer_id or caller.customer_id
    caller.require_lookup_of(customer_id)
    if customer_id is None and price_list is None:
        reason = "name customer_id or price_list"
        raise InvalidInput(reason, [{"field": "customer_id", "reason": reason}])
    return customer_id, price_list


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return with_cors(event, app.resolve(event, context))
