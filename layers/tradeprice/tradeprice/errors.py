"""Domain exceptions. Every layer raises these; exactly one module (api/problems.py) maps them to HTTP."""

from typing import Any


class TradepriceError(Exception):
    """Base of every expected failure."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class Unauthorized(TradepriceError):
    """No credential, or one that is not valid (unknown, forged, expired)."""


class Forbidden(TradepriceError):
    """A valid credential without the right to this operation."""


class NotFound(TradepriceError):
    """The named record does not exist."""


class Conflict(TradepriceError):
    """The write contradicts what is stored (a duplicate, a cycle, a record still in use)."""


class MalformedRequest(TradepriceError):
    """The request cannot be read at all (not JSON, wrong content); nothing in it was looked at."""


class InvalidInput(TradepriceError):
    """The request is well-formed JSON but breaks a rule; `errors` lists each field at fault."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)
        self.errors = errors


class PayloadTooLarge(TradepriceError):
    """A body or batch beyond the documented limits."""


class StoreUnavailable(TradepriceError):
    """DynamoDB or S3 kept failing after every retry; the caller may retry later."""


class InvalidFile(TradepriceError):
    """An import file that cannot be read as the kind it was dropped as; the job fails with this detail."""
