"""Console staff in-process on moto: signing in through POST /v1/sessions (the template's Cognito user pool and
client), the authorizer accepting their access token with their groups as scopes, and refusing it after sign-out
or when it is not this stack's; key management for admins only."""

import base64
import copy
import json
from typing import Any

import boto3
import pytest

from devstack.seed import DEMO_STAFF, DemoStaff, create_demo_staff
from functions.authorizer import app as authorizer
from functions.console import app as console
from tests.conftest import load_event
from tradeprice.config import get_settings

ADMIN, STAFF = DEMO_STAFF


@pytest.fixture
def staff(stack):
    return create_demo_staff()


def authorize(lambda_context, credential: str):
    event = copy.deepcopy(load_event("authorizer/request"))
    event["headers"]["Authorization"] = f"Bearer {credential}"
    return authorizer.lambda_handler(event, lambda_context)


def effect(answer) -> str:
    (statement,) = answer["policyDocument"]["Statement"]
    return str(statement["Effect"])


def call_console(lambda_context, method: str, path: str, body=None, authorizer_context=None, resource=None, token=None):
    event: dict[str, Any] = {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": {"requestId": "r", "stage": "dev", "identity": {"sourceIp": "127.0.0.1"}},
    }
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = authorizer_context
    response = console.lambda_handler(event, lambda_context)
    response["json"] = json.loads(response["body"]) if response.get("body", "").startswith("{") else None
    return response


def sign_in(lambda_context, member: DemoStaff, password: str | None = None):
    return call_console(
        lambda_context, "POST", "/v1/sessions", {"email": member.email, "password": password or member.password}
    )


def test_staff_sign_in_answers_a_short_lived_access_token_and_who_they_are(staff, lambda_context):
    answer = sign_in(lambda_context, STAFF)

    assert answer["statusCode"] == 201
    assert answer["multiValueHeaders"]["Cache-Control"] == ["no-store"]
    session = answer["json"]
    assert session["token_type"] == "Bearer"
    assert session["staff"]["email"] == STAFF.email
    assert session["staff"]["groups"] == ["staff"]
    assert session["staff"]["scopes"] == ["read", "write"]


def test_a_wrong_password_is_a_401_that_does_not_say_whether_the_account_exists(staff, lambda_context):
    wrong = sign_in(lambda_context, STAFF, password="not-the-password")
    unknown = sign_in(lambda_context, DemoStaff("nobody@merchant.example", "whatever-it-is", "staff"))

    assert wrong["statusCode"] == unknown["statusCode"] == 401
    assert wrong["json"]["detail"] == unknown["json"]["detail"] == "the email or password is not right"
    assert STAFF.password not in wrong["body"]


@pytest.mark.parametrize(("member", "scopes"), [(ADMIN, "admin read write"), (STAFF, "read write")])
def test_the_authorizer_turns_a_staff_members_groups_into_scopes(staff, lambda_context, member, scopes):
    token = sign_in(lambda_context, member)["json"]["access_token"]

    answer = authorize(lambda_context, token)

    assert effect(answer) == "Allow"
    assert answer["context"]["principal"] == f"staff:{member.email}"
    assert answer["context"]["scopes"] == scopes


def test_a_token_is_refused_once_its_holder_signed_out(staff, lambda_context):
    token = sign_in(lambda_context, STAFF)["json"]["access_token"]
    context = authorize(lambda_context, token)["context"]

    signed_out = call_console(lambda_context, "DELETE", "/v1/sessions/current", authorizer_context=context, token=token)

    assert signed_out["statusCode"] == 204
    assert effect(authorize(lambda_context, token)) == "Deny"


def test_a_token_of_another_pool_or_client_is_refused_even_though_cognito_issued_it(staff, lambda_context):
    cognito = boto3.client("cognito-idp")
    other = cognito.create_user_pool(PoolName="someone-else", UsernameAttributes=["email"])["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=other, ClientName="theirs", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(UserPoolId=other, GroupName="admin")
    cognito.admin_create_user(UserPoolId=other, Username="mallory@example.com", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(
        UserPoolId=other, Username="mallory@example.com", Password="Mallory-2026-pass", Permanent=True
    )
    cognito.admin_add_user_to_group(UserPoolId=other, Username="mallory@example.com", GroupName="admin")
    theirs = cognito.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mallory@example.com", "PASSWORD": "Mallory-2026-pass"},
    )["AuthenticationResult"]["AccessToken"]

    assert effect(authorize(lambda_context, theirs)) == "Deny"


def test_a_token_whose_claims_were_edited_is_refused(staff, lambda_context):
    token = sign_in(lambda_context, STAFF)["json"]["access_token"]
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admin"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    assert effect(authorize(lambda_context, f"{header}.{edited}.{signature}")) == "Deny"


def test_only_admins_manage_keys_and_a_created_key_is_shown_once(staff, lambda_context):
    admin = authorize(lambda_context, sign_in(lambda_context, ADMIN)["json"]["access_token"])["context"]
    member = authorize(lambda_context, sign_in(lambda_context, STAFF)["json"]["access_token"])["context"]
    body = {"name": "erp", "scopes": ["write"]}

    refused = call_console(lambda_context, "POST", "/v1/keys", body, authorizer_context=member)
    created = call_console(lambda_context, "POST", "/v1/keys", body, authorizer_context=admin)
    listed = call_console(lambda_context, "GET", "/v1/keys", authorizer_context=admin)

    assert refused["statusCode"] == 403
    assert call_console(lambda_context, "GET", "/v1/keys", authorizer_context=member)["statusCode"] == 403
    assert created["statusCode"] == 201
    key = created["json"]["key"]
    assert key.startswith(f"tp_{created['json']['id']}_")
    (row,) = [item for item in listed["json"]["items"] if item["id"] == created["json"]["id"]]
    assert row == {k: v for k, v in created["json"].items() if k != "key"}
    assert key not in listed["body"]
    revoked = call_console(
        lambda_context,
        "DELETE",
        f"/v1/keys/{row['id']}",
        authorizer_context=admin,
        resource="/v1/keys/{key_id}",
    )
    assert revoked["statusCode"] == 204
    assert effect(authorize(lambda_context, key)) == "Deny"


def test_an_unknown_key_id_is_a_404_naming_it(staff, lambda_context):
    admin = authorize(lambda_context, sign_in(lambda_context, ADMIN)["json"]["access_token"])["context"]

    answer = call_console(lambda_context, "DELETE", "/v1/keys/0123456789ab", authorizer_context=admin)

    assert answer["statusCode"] == 404
    assert "0123456789ab" in answer["json"]["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "erp", "scopes": []}, "scopes"),
        ({"name": "erp", "scopes": ["root"]}, "scopes"),
    ],
)
def test_a_bad_key_request_is_a_422_naming_the_field(staff, lambda_context, body, field):
    admin = authorize(lambda_context, sign_in(lambda_context, ADMIN)["json"]["access_token"])["context"]

    answer = call_console(lambda_context, "POST", "/v1/keys", body, authorizer_context=admin)

    assert answer["statusCode"] == 422
    assert answer["json"]["errors"][0]["field"].startswith(field)


def test_the_page_carries_a_strict_csp_naming_only_the_uploads_origin(stack, lambda_context):
    page = call_console(lambda_context, "GET", "/console")
    policy = page["multiValueHeaders"]["Content-Security-Policy"][0]

    assert "script-src 'self';" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert f"connect-src 'self' https://{get_settings().imports_bucket}.s3." in policy
    assert '<script type="module" src="console/console.js?v=' in page["body"]
    assert "<script>" not in page["body"]


def test_an_asset_outside_the_console_folder_is_not_served(stack, lambda_context):
    answer = call_console(lambda_context, "GET", "/console/..%2Fapp.py", resource="/console/{asset}")

    assert answer["statusCode"] == 404
