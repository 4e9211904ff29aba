"""The authorizer's two refusals: no credential ("Unauthorized" → UNAUTHORIZED) and a credential it does not
recognise (a Deny policy → ACCESS_DENIED, which the template answers as a 401 saying so); never a crash
(AUTHORIZER_FAILURE) for anything a client sends."""

import copy

import pytest

from functions.authorizer import app as authorizer
from tests.conftest import load_event
from tradeprice.auth import tokens
from tradeprice.data.secrets import token_secrets
from tradeprice.logic.keys import create_key


def authorize(lambda_context, authorization: str | None):
    event = copy.deepcopy(load_event("authorizer/request"))
    if authorization is None:
        del event["headers"]["Authorization"]
    else:
        event["headers"]["Authorization"] = authorization
    return authorizer.lambda_handler(event, lambda_context)


def effect(answer) -> str:
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement["Resource"] == "arn:aws:execute-api:eu-west-2:123456789012:abc123/dev/*"
    return statement["Effect"]


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz"])
def test_no_bearer_credential_is_unauthorized(stack, lambda_context, authorization):
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(lambda_context, authorization)


def test_a_real_key_is_allowed(stack, lambda_context):
    answer = authorize(lambda_context, f"Bearer {create_key('erp', {'write'})}")

    assert effect(answer) == "Allow"
    assert answer["context"]["scopes"] == "write"


def absurd_token() -> str:
    kid, secret = next(iter(token_secrets().items()))
    signed = f"tp1.{kid}.{tokens._encode(b'C-1001')}.999999999999"
    return f"{signed}.{tokens._signature(secret, signed)}"


@pytest.mark.parametrize(
    "credential",
    [
        pytest.param(lambda: "tp_0123456789ab_mistyped", id="unknown key"),
        pytest.param(lambda: "tp1.k1.QzEwMDE.1700000000." + "A" * 43, id="forged token"),
        pytest.param(absurd_token, id="validly signed token, absurd expiry"),
        pytest.param(lambda: "x" * 5000, id="garbage"),
    ],
)
def test_a_credential_it_does_not_recognise_is_denied_not_crashed_on(stack, lambda_context, credential):
    answer = authorize(lambda_context, f"Bearer {credential()}")

    assert effect(answer) == "Deny"
    assert "context" not in answer  # nothing about which part failed reaches the client
