"""Integrations API: ERPs post their own native payloads; adapters map them onto the one write path.

    POST /v1/integrations/{system}/{resource}   a bearer key with the write scope (the API's authorizer)
    POST /v1/linnworks/price-update             Linnworks' channel price push: the key is in the body

Each route is thin: check the caller, parse, one call into logic, map the result.
"""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tradeprice.api import idempotency, integrations, problems
from tradeprice.api.access import Scope, author_from, caller_from
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.resolver import new_resolver
from tradeprice.domain.authors import acting_as
from tradeprice.errors import TradepriceError
from tradeprice.logic import integrations as logic

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
app = new_resolver(logger)

LINNWORKS_PUSH = "/v1/linnworks/price-update"


def json_response(status: int, document: Any) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=dump_json(document))


def count(system: str, outcome: dict[str, int]) -> None:
    """One metric per outcome (NativeRecordsCreated, NativeRecordsError …), by system."""
    metrics.add_dimension(name="system", value=system)
    for status, number in outcome.items():
        metrics.add_metric(name=f"NativeRecords{status.capitalize()}", unit=MetricUnit.Count, value=number)


@app.post(LINNWORKS_PUSH)
def linnworks_price_update() -> Response[str]:
    """No authorizer in front (Linnworks cannot send an Authorization header): the key travels in the body.

    The key is checked first, before the body is parsed or the query read, so an unauthenticated caller costs
    one bounded scan and one key lookup whatever it sends. Every answer, refusals included, is Linnworks'
    `{Error, Products}`; the status says what a problem would.
    """
    try:
        body = app.current_event.body
        token = integrations.linnworks_token(body)
        key = logic.authorize(token)
        payload = parse_json(body)
        integrations.same_token(payload, token)
        options = integrations.options_from(app.current_event.query_string_parameters)
        applied = logic.linnworks_price_update(key, payload, options)
    except TradepriceError as error:
        logger.info("linnworks push refused", extra={"problem": type(error).__name__, "detail": error.detail})
        return json_response(problems.problem_for(error).status_code, integrations.linnworks_error(error.detail))
    except ValidationError as error:  # the query's options (currency, …): the caller's mistake, not ours
        logger.info("linnworks push refused", extra={"problem": "ValidationError", "errors": error.error_count()})
        first = error.errors()[0]
        detail = f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
        return json_response(422, integrations.linnworks_error(detail))
    except Exception:  # Linnworks reads only its own shape: even the unexpected answers in it
        logger.exception("unexpected error")
        return json_response(500, integrations.linnworks_error("an unexpected error occurred; it has been logged"))
    logger.info("linnworks push written", extra={"outcome": applied.summary()})
    count("linnworks", applied.summary())
    return json_response(200, integrations.linnworks_view(applied))


@app.post("/v1/integrations/<system>/<resource>")
def post_native(system: str, resource: str) -> Response[str]:
    caller_from(app.current_event.raw_event.get("requestContext")).require(Scope.WRITE)
    options = integrations.options_from(app.current_event.query_string_parameters)
    applied = logic.ingest(system, resource, parse_json(app.current_event.body), options)
    logger.info("native batch written", extra={"system": system, "resource": resource, "outcome": applied.summary()})
    count(system, applied.summary())
    document = integrations.applied_view(applied)
    if applied.http_status() == 422:  # every record failed: a problem, still carrying each record's result
        detail = f"none of the {len(applied.results)} native records was stored; each result names its errors"
        return problems.problem(HTTPStatus.UNPROCESSABLE_ENTITY, "batch-rejected", detail, **document)
    return json_response(applied.http_status(), document)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with acting_as(author_from(event.get("requestContext"))):
        key = idempotency.key_of(event)
        principal = ((event.get("requestContext") or {}).get("authorizer") or {}).get("principal")
        if key is None or not principal:  # the Linnworks push has no authorizer, and sends no Idempotency-Key
            return app.resolve(event, context)
        return idempotency.resolve_once(event, principal, key, lambda: app.resolve(event, context), context)
