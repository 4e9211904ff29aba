"""Who is calling, as the API's Lambda authorizer established it, and what they may do.

The authorizer (functions/authorizer) checks the bearer credential once and API Gateway caches its answer for
the credential, so its policy covers the whole API; each route then checks the scope it needs here. The
authorizer's context reaches the handler as `requestContext.authorizer`:

    principal    "key:<key id>" for an API key, "customer:<id>" for a customer token
    scopes       space-separated: write, read, admin (a customer token has none)
    customer_id  only for a customer token: the one customer it may look up
    source       only for a key created with one: the source its writes come from (field ownership)
"""

from dataclasses import replace
from enum import StrEnum
from typing import Any

from tradeprice.domain.authors import UNATTRIBUTED, Author
from tradeprice.domain.records import record
from tradeprice.errors import Forbidden, Unauthorized


class Scope(StrEnum):
    WRITE = "write"
    READ = "read"
    ADMIN = "admin"


@record
class Caller:
    principal: str
    scopes: frozenset[str]
    customer_id: str | None = None
    source: str | None = None

    def holds_any(self, *scopes: Scope) -> bool:
        """Whether the credential holds one of `scopes` (admin holds every scope)."""
        return Scope.ADMIN in self.scopes or any(scope in self.scopes for scope in scopes)

    def require(self, scope: Scope) -> None:
        self.require_any(scope)

    def require_any(self, *scopes: Scope) -> None:
        """Admin may do everything; otherwise the credential needs one of `scopes`."""
        if self.holds_any(*scopes):
            return
        if self.customer_id is not None:
            raise Forbidden("a customer token may only look up prices")
        needed = " or ".join(f"'{scope}'" for scope in scopes)
        raise Forbidden(f"this credential lacks the {needed} scope", required_scopes=[str(s) for s in scopes])

    def require_lookup_of(self, customer_id: str | None) -> None:
        """A read key may look up anyone it names; a customer token only its own customer."""
        if self.customer_id is not None:
            if customer_id is not None and customer_id != self.customer_id:
                raise Forbidden("a customer token may only look up its own customer")
            return
        self.require(Scope.READ)


def caller_from(request_context: dict[str, Any] | None) -> Caller:
    authorizer = (request_context or {}).get("authorizer") or {}
    principal = authorizer.get("principal")
    if not principal:
        raise Unauthorized("send Authorization: Bearer <API key or customer token>")
    return Caller(
        principal=principal,
        scopes=frozenset(str(authorizer.get("scopes", "")).split()),
        customer_id=authorizer.get("customer_id") or None,
        source=authorizer.get("source") or None,
    )


def author_from(request_context: dict[str, Any] | None) -> Author:
    """Who a request's writes are by: its API key (id and name) or the signed-in staff member, grouped by the
    request's id."""
    context = request_context or {}
    authorizer = context.get("authorizer") or {}
    principal = str(authorizer.get("principal") or "")
    request = context.get("requestId") or None
    if principal.startswith("staff:"):
        email = principal.removeprefix("staff:")
        return Author("staff", email, name=email, request=request)
    if not principal.startswith("key:"):
        # No key behind the request: its route refuses to write, or (the Linnworks push) names the key itself.
        return replace(UNATTRIBUTED, request=request)
    return Author("api_key", principal.removeprefix("key:"), name=authorizer.get("key_name") or None, request=request)
