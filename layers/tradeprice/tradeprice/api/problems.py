"""Every error → HTTP mapping, in one place. Bodies are RFC 7807 `application/problem+json`.

Expected outcomes (404, 409, 422) log at info; only the unexpected logs a stack trace.
"""

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from pydantic import ValidationError

from tradeprice.api.json import dump_json
from tradeprice.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PayloadTooLarge,
    StoreUnavailable,
    TradepriceError,
    Unauthorized,
)
from tradeprice.logic.records import RecordResult, describe, http_status, summary

PROBLEM_TYPE_BASE = "https://tradeprice.dev/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

_STATUS_BY_ERROR: dict[type[TradepriceError], tuple[HTTPStatus, str]] = {
    MalformedRequest: (HTTPStatus.BAD_REQUEST, "malformed-request"),
    Unauthorized: (HTTPStatus.UNAUTHORIZED, "unauthorized"),
    Forbidden: (HTTPStatus.FORBIDDEN, "forbidden"),
    NotFound: (HTTPStatus.NOT_FOUND, "not-found"),
    Conflict: (HTTPStatus.CONFLICT, "conflict"),
    InvalidInput: (HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-input"),
    PayloadTooLarge: (HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "payload-too-large"),
    StoreUnavailable: (HTTPStatus.SERVICE_UNAVAILABLE, "store-unavailable"),
}


def problem(status: HTTPStatus, kind: str, detail: str, **extensions: Any) -> Response[str]:
    body = {"type": PROBLEM_TYPE_BASE + kind, "title": status.phrase, "status": int(status), "detail": detail}
    body.update(extensions)
    headers = {"Retry-After": "1"} if status is HTTPStatus.SERVICE_UNAVAILABLE else None
    return Response(status_code=int(status), content_type=PROBLEM_CONTENT_TYPE, body=dump_json(body), headers=headers)


def batch_answer(results: Sequence[RecordResult]) -> Response[str]:
    """A batch's per-record results: 200 when every record succeeded, 207 when some did; when none did, a 422
    problem that still carries every record's result (so a client reads one shape for all three)."""
    document: dict[str, Any] = {"summary": summary(results), "results": [result.as_dict() for result in results]}
    status = http_status(results)
    if status != HTTPStatus.UNPROCESSABLE_ENTITY:
        return Response(status_code=status, content_type="application/json", body=dump_json(document))
    detail = f"none of the {len(results)} records was stored; each result names its errors"
    return problem(HTTPStatus.UNPROCESSABLE_ENTITY, "batch-rejected", detail, **document)


def problem_for(error: Exception) -> Response[str]:
    """The response for any exception a route raises."""
    if isinstance(error, ValidationError):
        errors = describe(error, root="body")
        return problem(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-input", _summary(errors), errors=errors)
    for error_type, (status, kind) in _STATUS_BY_ERROR.items():
        if isinstance(error, error_type):
            return problem(status, kind, error.detail, **error.extensions)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "internal", "an unexpected error occurred; it has been logged")


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['reason']}{more}"


def register(app: ApiGatewayResolver, logger: Logger) -> None:
    """Install the mapping on a resolver, and answer unknown routes with a problem too."""

    @app.exception_handler(  # type: ignore[untyped-decorator]
        TradepriceError
    )
    def _expected(error: TradepriceError) -> Response[str]:
        if isinstance(error, StoreUnavailable):
            logger.warning("store unavailable", extra={"detail": error.detail, **error.extensions})
        else:
            logger.info("request refused", extra={"problem": type(error).__name__, "detail": error.detail})
        return problem_for(error)

    @app.exception_handler(  # type: ignore[untyped-decorator]
        ValidationError
    )
    def _invalid(error: ValidationError) -> Response[str]:
        logger.info("request refused", extra={"problem": "ValidationError", "errors": error.error_count()})
        return problem_for(error)

    @app.exception_handler(  # type: ignore[untyped-decorator]
        Exception
    )
    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("unexpected error")
        return problem_for(error)

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        event = app.current_event
        return problem(HTTPStatus.NOT_FOUND, "no-route", f"no route for {event.http_method} {event.path}")
