"""`Idempotency-Key` on writes: the first response to a key is stored and replayed for retries of it.

Built on Powertools idempotency with the idempotency table. The record is keyed by the caller and the key, and
fingerprints method, path and body: the same key sent with a different request is refused (422), one still in
flight answers 409 with Retry-After. 5xx answers are not stored, so a retry after a transient failure runs again.
Records expire after 24 hours.
"""

from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api.problems import problem
from tradeprice.config import get_settings
from tradeprice.data.aws import dynamodb

HEADER = "idempotency-key"
REPLAYED_HEADER = "Idempotent-Replayed"
EXPIRES_AFTER_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
_WRITE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}

Resolve = Callable[[], dict[str, Any]]


class _NotStored(Exception):
    """Carries a 5xx response past the idempotency layer so it is not recorded."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("transient failure; not recorded")
        self.response = response


def _mark_replayed(response: Any, _: DataRecord) -> Any:
    response.setdefault("multiValueHeaders", {})[REPLAYED_HEADER] = ["true"]
    return response


@cache
def _idempotent_call() -> tuple[Callable[..., dict[str, Any]], IdempotencyConfig]:
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=dynamodb())
    config = IdempotencyConfig(
        event_key_jmespath="[principal, key]",
        payload_validation_jmespath="fingerprint",
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        hash_function="sha256",
        response_hook=_mark_replayed,  # type: ignore[arg-type]  # Powertools types the hook for its own shapes
    )

    @idempotent_function(  # type: ignore[untyped-decorator]
        data_keyword_argument="request", persistence_store=persistence, config=config
    )
    def call(*, request: dict[str, Any], resolve: Resolve) -> dict[str, Any]:
        response = resolve()
        if response["statusCode"] >= 500:
            raise _NotStored(response)
        return response

    return call, config


def key_of(event: dict[str, Any]) -> str | None:
    if event.get("httpMethod") not in _WRITE_METHODS:
        return None
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    return headers.get(HEADER) or None


def resolve_once(
    event: dict[str, Any], principal: str, key: str, resolve: Resolve, context: LambdaContext
) -> dict[str, Any]:
    """Run `resolve` once per (caller, key); later calls with the key get the stored response."""
    if len(key) > MAX_KEY_LENGTH:
        return _answer(
            problem(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                "invalid-input",
                f"Idempotency-Key is {len(key)} characters; at most {MAX_KEY_LENGTH}",
                field="Idempotency-Key",
            )
        )
    request = {
        "principal": principal,
        "key": key,
        "fingerprint": [event.get("httpMethod"), event.get("path"), event.get("body") or ""],
    }
    call, config = _idempotent_call()
    # An in-flight record then expires with this invocation's timeout, not after 24 hours, if it crashes.
    config.register_lambda_context(context)
    try:
        return call(request=request, resolve=resolve)
    except _NotStored as transient:
        return transient.response
    except IdempotencyValidationError:
        answer = problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "this Idempotency-Key was already used for a different request",
            field="Idempotency-Key",
        )
    except IdempotencyAlreadyInProgressError:
        answer = problem(
            HTTPStatus.CONFLICT,
            "idempotency-key-in-flight",
            "a request with this Idempotency-Key is still running; retry shortly",
            field="Idempotency-Key",
        )
    return _answer(answer)


def _answer(answer: Response[str]) -> dict[str, Any]:
    return {
        "statusCode": answer.status_code,
        "headers": {"Content-Type": answer.content_type, **answer.headers},
        "body": answer.body,
        "isBase64Encoded": False,
    }
