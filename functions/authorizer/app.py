"""API Gateway REQUEST authorizer: who is calling, from `Authorization: Bearer <API key | customer token | staff
access token>` (a staff member signed in to the console with Cognito; their groups become scopes).

Its answer is cached by API Gateway per Authorization header, so the policy allows the whole API and the
context carries what the routes check (tradeprice/api/access.py).

Refusals are 401s that say which of two things went wrong, and nothing more (which part of a credential failed
stays in the logs):

- no bearer credential at all: "Unauthorized", API Gateway's UNAUTHORIZED response ("send a credential");
- a credential that is not recognised (mistyped, revoked, expired, forged, or another stack's): a Deny policy,
  API Gateway's ACCESS_DENIED response, which the template answers as a 401 saying so.

It runs in front of every API call whose answer API Gateway has not cached, so its cold start is measured beside
the lookup's (benchmarks/bench_lookup.py, docs/operations.md Cold start): it imports neither pydantic nor
Powertools (its logs are tradeprice/telemetry.py's JSON lines, with the same keys).
"""

from typing import Any

from tradeprice.auth.tokens import verify
from tradeprice.data.secrets import token_secrets
from tradeprice.domain.clock import utc_now
from tradeprice.errors import Unauthorized
from tradeprice.logic.keys import verify_key
from tradeprice.logic.staff import looks_like_jwt, verify_access_token
from tradeprice.telemetry import JsonLogger

logger = JsonLogger()  # not Powertools' Logger: see the module docstring


def _whole_api(method_arn: str) -> str:
    """arn:…:execute-api:region:account:api-id/stage/METHOD/path → the same API and stage, any method and path."""
    api, stage = method_arn.split("/")[:2]
    return f"{api}/{stage}/*"


def _allow(principal: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _whole_api(method_arn)}],
        },
        "context": {"principal": principal, **context},
    }


def _deny(method_arn: str) -> dict[str, Any]:
    return {
        "principalId": "unrecognised",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": _whole_api(method_arn)}],
        },
    }


def _bearer(event: dict[str, Any]) -> str | None:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    scheme, _, credential = (headers.get("authorization") or "").strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.start(context)
    credential = _bearer(event)
    method_arn = event["methodArn"]
    if credential is None:
        logger.info("no bearer credential")
        raise Exception("Unauthorized")
    if credential.startswith("tp1."):
        try:
            token = verify(credential, token_secrets(), utc_now())
        except Unauthorized as refused:
            logger.info("customer token refused", extra={"reason": refused.extensions.get("reason")})
            return _deny(method_arn)
        return _allow(f"customer:{token.customer_id}", method_arn, {"scopes": "", "customer_id": token.customer_id})
    if looks_like_jwt(credential):
        member = verify_access_token(credential, utc_now())
        if member is None:
            logger.info("staff token not recognised")
            return _deny(method_arn)
        scopes = " ".join(sorted(member.scopes))
        return _allow(
            f"staff:{member.email}", method_arn, {"scopes": scopes, "staff_expires_at": str(member.expires_at)}
        )
    key = verify_key(credential)
    if key is None:
        logger.info("credential not recognised")
        return _deny(method_arn)
    granted = {"scopes": " ".join(sorted(key.scopes)), "key_name": key.name}
    if key.source:
        granted["source"] = key.source
    return _allow(f"key:{key.key_id}", method_arn, granted)
