"""Every error → HTTP mapping, in one place. Bodies are RFC 7807 `application/problem+json`.

Expected outcomes (404, 409, 422) log at info; only the unexpected logs a stack trace.

The mapping itself (`problem_for_error`) needs neither Powertools nor pydantic: the lookup answers without either
(api/proxy.py, docs/operations.md Cold start). The functions built on Powertools' resolver get the same problems
as its `Response` objects (`problem`, `problem_for`, `register`).
"""

import sys
from collections.abc import Sequence
from dataclasses import field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

from tradeprice.api.json import dump_json
from tradeprice.domain.records import record
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

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import Response
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    from tradeprice.logic.records import RecordResult

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


class Logs(Protocol):
    """What the mapping logs through: Powertools' Logger, or api/proxy.py's JsonLogger."""

    def info(self, msg: str, /, *, extra: dict[str, Any]) -> Any: ...
    def warning(self, msg: str, /, *, extra: dict[str, Any]) -> Any: ...
    def exception(self, msg: str, /) -> Any: ...


@record
class Problem:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def problem_of(status: HTTPStatus, kind: str, detail: str, **extensions: Any) -> Problem:
    body = {"type": PROBLEM_TYPE_BASE + kind, "title": status.phrase, "status": int(status), "detail": detail}
    body.update(extensions)
    headers = {"Retry-After": "1"} if status is HTTPStatus.SERVICE_UNAVAILABLE else {}
    return Problem(int(status), body, headers)


def _is_validation_error(error: Exception) -> bool:
    # Without importing pydantic (the lookup does not): if pydantic_core was never imported, nothing raised its error.
    core = sys.modules.get("pydantic_core")
    return core is not None and isinstance(error, core.ValidationError)


def problem_for_error(error: Exception) -> Problem:
    """The problem for any exception a route raises."""
    if _is_validation_error(error):
        from tradeprice.logic.records import describe

        errors = describe(error, root="body")  # type: ignore[arg-type]
        return problem_of(HTTPStatus.UNPROCESSABLE_ENTITY, "invalid-input", _summary(errors), errors=errors)
    for error_type, (status, kind) in _STATUS_BY_ERROR.items():
        if isinstance(error, error_type):
            return problem_of(status, kind, error.detail, **error.extensions)
    return problem_of(HTTPStatus.INTERNAL_SERVER_ERROR, "internal", "an unexpected error occurred; it has been logged")


def no_route(method: str, path: str) -> Problem:
    return problem_of(HTTPStatus.NOT_FOUND, "no-route", f"no route for {method} {path}")


def log_refusal(logger: Logs, error: Exception) -> None:
    """Expected refusals at info (a throttled store at warning); only the unexpected with its stack trace."""
    if isinstance(error, StoreUnavailable):
        logger.warning("store unavailable", extra={"detail": error.detail, **error.extensions})
    elif isinstance(error, TradepriceError):
        logger.info("request refused", extra={"problem": type(error).__name__, "detail": error.detail})
    elif _is_validation_error(error):
        logger.info("request refused", extra={"problem": "ValidationError", "errors": error.error_count()})  # type: ignore[attr-defined]
    else:
        logger.exception("unexpected error")


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{first['field']}: {first['reason']}{more}"


# Powertools' resolver -----------------------------------------------------------------------------------------------


def _response(found: Problem) -> "Response[str]":
    from aws_lambda_powertools.event_handler import Response  # the lookup answers without it: see the docstring

    return Response(
        status_code=found.status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=dump_json(found.body),
        headers=found.headers or None,
    )


def problem(status: HTTPStatus, kind: str, detail: str, **extensions: Any) -> "Response[str]":
    return _response(problem_of(status, kind, detail, **extensions))


def problem_for(error: Exception) -> "Response[str]":
    """The response for any exception a route raises."""
    return _response(problem_for_error(error))


def batch_answer(results: Sequence["RecordResult"]) -> "Response[str]":
    """A batch's per-record results: 200 when every record succeeded, 207 when some did; when none did, a 422
    problem that still carries every record's result (so a client reads one shape for all three)."""
    from aws_lambda_powertools.event_handler import Response

    from tradeprice.logic.records import http_status, summary

    document: dict[str, Any] = {"summary": summary(results), "results": [result.as_dict() for result in results]}
    status = http_status(results)
    if status != HTTPStatus.UNPROCESSABLE_ENTITY:
        return Response(status_code=status, content_type="application/json", body=dump_json(document))
    detail = f"none of the {len(results)} records was stored; each result names its errors"
    return problem(HTTPStatus.UNPROCESSABLE_ENTITY, "batch-rejected", detail, **document)


def register(app: "ApiGatewayResolver", logger: Logs) -> None:
    """Install the mapping on a resolver, and answer unknown routes with a problem too."""
    from pydantic import ValidationError

    @app.exception_handler(  # type: ignore[untyped-decorator]
        TradepriceError
    )
    def _expected(error: TradepriceError) -> "Response[str]":
        log_refusal(logger, error)
        return problem_for(error)

    @app.exception_handler(  # type: ignore[untyped-decorator]
        ValidationError
    )
    def _invalid(error: ValidationError) -> "Response[str]":
        log_refusal(logger, error)
        return problem_for(error)

    @app.exception_handler(  # type: ignore[untyped-decorator]
        Exception
    )
    def _unexpected(error: Exception) -> "Response[str]":
        log_refusal(logger, error)
        return problem_for(error)

    @app.not_found
    def _no_route(_: Exception) -> "Response[str]":
        event = app.current_event
        return _response(no_route(event.http_method, event.path))
