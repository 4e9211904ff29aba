"""API Gateway REQUEST authorizer: who is calling, from `Authorization: Bearer <API key | customer token>`.

Its answer is cached by API Gateway per Authorization header, so the policy allows the whole API and the
context carries what the routes check (tradeprice/api/access.py).

Refusals are 401s that say which of two things went wrong, and nothing more (which part of a credential failed
stays in the logs):

- no bearer credential at all: "Unauthorized", API Gateway's UNAUTHORIZED response ("send a credential");
- a credential that is not recognised (mistyped, revoked, expired, forged, or another stack's): a Deny policy,
  API Gateway's ACCESS_DENIED response, which the template answers as a 401 saying so.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.auth.tokens import verify
from tradeprice.data.secrets import token_secrets
from tradeprice.domain.types import utc_now
from tradeprice.errors import Unauthorized
from tradeprice.logic.keys import verify_key

logger = Logger()


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


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
    key = verify_key(credential)
    if key is None:
        logger.info("credential not recognised")
        return _deny(method_arn)
    granted = {"scopes": " ".join(sorted(key.scopes)), "key_name": key.name}
    if key.source:
        granted["source"] = key.source
    return _allow(f"key:{key.key_id}", method_arn, granted)
