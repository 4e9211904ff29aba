"""The local API gateway: routing, proxy events, responses, gateway errors, CORS and Lambda authorizers.

A small SAM project is written to a temporary directory, with handlers that echo what they receive.
"""

import base64
import gzip
import http.client
import json
import os
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.api_gateway import ApiGatewayServer, Router
from devstack.infra import Deployment, plan
from devstack.lambda_runtime import FunctionInvoker

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: test}
Globals:
  Function:
    Runtime: python3.12
    Timeout: 5
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: !Ref Stage
      BinaryMediaTypes: ["application~1octet-stream"]
      MinimumCompressionSize: 1024
      Cors:
        AllowOrigin: "'https://shop.example'"
        AllowMethods: "'GET,POST'"
        AllowHeaders: "'Authorization,Content-Type'"
      Auth:
        DefaultAuthorizer: TokenAuth
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFunction.Arn
            Identity: {Header: Authorization, ValidationExpression: "Bearer .+"}
          RequestAuth:
            FunctionArn: !GetAtt AuthFunction.Arn
            FunctionPayloadType: REQUEST
            Identity: {Headers: [X-Key], QueryStrings: [tenant]}
      GatewayResponses:
        MISSING_AUTHENTICATION_TOKEN:
          StatusCode: "404"
          ResponseParameters: {Headers: {Content-Type: "'application/problem+json'"}}
          ResponseTemplates:
            application/json: '{"title":"Not Found","status":404,"request_id":"$context.requestId"}'
        DEFAULT_4XX:
          ResponseParameters: {Headers: {Content-Type: "'application/problem+json'"}}
          ResponseTemplates:
            application/json: '{"title":$context.error.messageString,"type":"$context.error.responseType"}'
        DEFAULT_5XX:
          ResponseParameters: {Headers: {Content-Type: "'application/problem+json'"}}
          ResponseTemplates:
            application/json: '{"title":$context.error.messageString,"type":"$context.error.responseType"}'
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api_test_functions/echo/
      Handler: app.handler
      MemorySize: 256
      Environment:
        Variables: {WHO: echo}
      Events:
        Open:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/open/{sku}", Method: get, Auth: {Authorizer: NONE}}
        Batch:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/prices:batch", Method: post, Auth: {Authorizer: NONE}}
        Files:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/files/{path+}", Method: get, Auth: {Authorizer: NONE}}
        Lookup:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/pricing/lookup", Method: post, Auth: {Authorizer: NONE}}
        OneSku:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/pricing/{sku}", Method: get, Auth: {Authorizer: NONE}}
        Boom:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/boom", Method: get, Auth: {Authorizer: NONE}}
        Sandbox:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/sandbox/{what}", Method: get, Auth: {Authorizer: NONE}}
        Binary:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/binary", Method: any, Auth: {Authorizer: NONE}}
        Guarded:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/guarded", Method: get}
        RequestGuarded:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/v1/request-guarded", Method: get, Auth: {Authorizer: RequestAuth}}
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api_test_functions/auth/
      Handler: app.handler
      Environment:
        Variables: {WHO: auth}
"""

ECHO = """
import base64
import decimal
import json
import os

invocations = 0

def handler(event, context):
    global invocations
    invocations += 1
    if event["resource"] == "/v1/boom":
        raise RuntimeError("boom")
    if event["resource"] == "/v1/sandbox/{what}":
        what = event["pathParameters"]["what"]
        if what == "exit":
            os._exit(3)
        if what == "decimal":
            return {"statusCode": 200, "body": decimal.Decimal("1.10")}
        if what == "print":
            print("a handler's print goes to the log, not into the protocol")
        sandbox = {"pid": os.getpid(), "who": os.environ.get("WHO"), "invocations": invocations,
                   "auth_pid": event["requestContext"].get("authorizer", {}).get("pid")}
        return {"statusCode": 200, "body": json.dumps(sandbox)}
    if event["resource"] == "/v1/binary":
        return {
            "statusCode": 201,
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "headers": {"Content-Type": "application/octet-stream"},
            "body": base64.b64encode(bytes([0, 255, 1])).decode(),
            "isBase64Encoded": True,
        }
    echoed = {"event": event, "context": {"name": context.function_name, "memory": context.memory_limit_in_mb}}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(echoed)}
"""

AUTH = """
import os

def handler(event, context):
    token = event.get("authorizationToken") or event.get("headers", {}).get("X-Key", "")
    if token.endswith("unauthorized"):
        raise Exception("Unauthorized")
    if token.endswith("crash"):
        raise RuntimeError("authorizer bug")
    effect = "Deny" if token.endswith("deny") else "Allow"
    return {
        "principalId": "customer-42",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}],
        },
        "context": {"scope": "read", "type": event["type"], "pid": os.getpid(), "who": os.environ.get("WHO")},
    }
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-project")
    (root / "template.yaml").write_text(TEMPLATE)
    for name, code in (("echo", ECHO), ("auth", AUTH)):
        directory = root / "api_test_functions" / name
        directory.mkdir(parents=True)
        (directory / "app.py").write_text(textwrap.dedent(code))
    return root


@pytest.fixture(scope="module")
def deployment(project: Path) -> Deployment:
    return plan(project / "template.yaml", stack_name="api-test", region="eu-west-2", account_id="123456789012")


@pytest.fixture(scope="module")
def gateway(deployment: Deployment) -> Iterator[ApiGatewayServer]:
    invoker = FunctionInvoker(deployment, concurrency=2)
    server = ApiGatewayServer(deployment, invoker, port=0).start()
    yield server
    server.stop()
    invoker.close()


class Response:
    def __init__(self, raw: http.client.HTTPResponse) -> None:
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = self.json()["event"]
        return event


@pytest.fixture
def call(gateway: ApiGatewayServer):
    def request(
        method: str, path: str, *, body: bytes | None = None, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
        connection.putrequest(method, path)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        try:
            return Response(connection.getresponse())
        finally:
            connection.close()

    return request


# -- routing -----------------------------------------------------------------------------------------------------


def test_the_url_carries_the_stage_like_the_deployed_api(gateway):
    assert gateway.url() == f"http://127.0.0.1:{gateway.port}/test"


@pytest.mark.parametrize(
    ("method", "path", "resource", "parameters"),
    [
        ("POST", "/v1/pricing/lookup", "/v1/pricing/lookup", {}),
        ("GET", "/v1/pricing/lookup", "/v1/pricing/lookup", {}),  # literal wins even without the method
        ("GET", "/v1/pricing/BOLT-M8", "/v1/pricing/{sku}", {"sku": "BOLT-M8"}),
        ("POST", "/v1/prices:batch", "/v1/prices:batch", {}),
        ("GET", "/v1/files/a/b/c.csv", "/v1/files/{path+}", {"path": "a/b/c.csv"}),
    ],
)
def test_literal_segments_win_over_variables(deployment, method, path, resource, parameters):
    match = Router(deployment.apis).match("test", method, path)

    assert match is not None
    assert (match.resource_path, match.path_parameters) == (resource, parameters)


def test_a_resource_without_the_method_has_no_route(deployment):
    match = Router(deployment.apis).match("test", "GET", "/v1/pricing/lookup")

    assert match is not None
    assert match.route is None


# -- proxy events ------------------------------------------------------------------------------------------------


def test_requests_reach_the_handler_as_a_rest_proxy_event(call):
    response = call(
        "GET",
        "/test/v1/open/BOLT%20M8?x=1&x=2&name=%C3%A9t%C3%A9&flag",
        headers=[("X-Multi", "one"), ("X-Multi", "two"), ("User-Agent", "pytest")],
    )

    event = response.event
    assert response.status == 200
    assert event["resource"] == "/v1/open/{sku}"
    assert event["httpMethod"] == "GET"
    # REST APIs pass the path and its parameters as the client encoded them; query values are decoded.
    assert event["path"] == "/v1/open/BOLT%20M8"
    assert event["pathParameters"] == {"sku": "BOLT%20M8"}
    assert event["queryStringParameters"] == {"x": "2", "name": "été", "flag": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "name": ["été"], "flag": [""]}
    assert event["headers"]["X-Multi"] == "two"
    assert event["multiValueHeaders"]["X-Multi"] == ["one", "two"]
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


def test_the_request_context_says_where_the_request_came_from(call):
    response = call("GET", "/test/v1/open/ABC", headers=[("User-Agent", "pytest")])

    context = response.event["requestContext"]
    assert context["resourcePath"] == "/v1/open/{sku}"
    assert context["path"] == "/test/v1/open/ABC"
    assert context["stage"] == "test"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "pytest"
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["accountId"] == "123456789012"


def test_the_handler_gets_a_lambda_context(call):
    assert call("GET", "/test/v1/open/ABC").json()["context"] == {"name": "api-test-EchoFunction", "memory": 256}


def test_bodies_arrive_as_text_or_base64_for_binary_media_types(call):
    text = call("POST", "/test/v1/prices:batch", body=b'{"a": 1}', headers=[("Content-Type", "application/json")])
    binary = call("POST", "/test/v1/pricing/lookup", body=bytes([0, 255]), headers=[("Content-Type", "text/csv")])

    assert (text.event["body"], text.event["isBase64Encoded"]) == ('{"a": 1}', False)
    assert binary.event["isBase64Encoded"] is True
    assert base64.b64decode(binary.event["body"]) == bytes([0, 255])


def test_base64_bodies_and_multi_value_headers_are_written_back(call):
    response = call("GET", "/test/v1/binary")

    assert response.status == 201
    assert response.body == bytes([0, 255, 1])
    assert response.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Content-Type"] == "application/octet-stream"


def test_answers_over_the_minimum_compression_size_are_gzipped_for_clients_that_accept_it(call):
    gzipped = call("GET", "/test/v1/open/ABC", headers=[("Accept-Encoding", "br, gzip;q=0.8")])
    plain = call("GET", "/test/v1/open/ABC")
    small = call("GET", "/test/v1/binary", headers=[("Accept-Encoding", "gzip")])

    assert gzipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(gzipped.body))["event"]["pathParameters"] == {"sku": "ABC"}
    assert len(plain.body) >= 1024
    assert plain.headers["Content-Encoding"] is None
    assert (small.headers["Content-Encoding"], small.body) == (None, bytes([0, 255, 1]))


# -- gateway responses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/test/v1/nothing-here"), ("DELETE", "/test/v1/pricing/lookup"), ("GET", "/v1/pricing/ABC")],
)
def test_unknown_routes_get_the_templates_not_found_response(call, method, path):
    response = call(method, path)

    assert response.status == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == {"title": "Not Found", "status": 404, "request_id": response.headers["x-amzn-RequestId"]}


def test_a_handler_that_raises_is_a_502_rendered_from_default_5xx(call):
    response = call("GET", "/test/v1/boom")

    assert response.status == 502
    assert response.json() == {"title": "Internal server error", "type": "DEFAULT_5XX"}


# -- sandboxes: each function in processes of its own ------------------------------------------------------------


def test_each_function_runs_in_a_process_of_its_own_with_its_own_environment(call):
    echo = call("GET", "/test/v1/sandbox/whoami").json()
    authorizer = call("GET", "/test/v1/guarded", headers=[("Authorization", "Bearer good")]).event["requestContext"][
        "authorizer"
    ]

    assert (echo["who"], authorizer["who"]) == ("echo", "auth")
    assert len({echo["pid"], authorizer["pid"], os.getpid()}) == 3


def test_a_sandbox_that_dies_is_a_502_and_the_next_event_gets_a_fresh_one(call):
    died = call("GET", "/test/v1/sandbox/exit")
    after = call("GET", "/test/v1/sandbox/whoami")

    assert died.status == 502
    assert died.json() == {"title": "Internal server error", "type": "DEFAULT_5XX"}
    assert after.status == 200
    assert after.json()["who"] == "echo"


def test_a_result_lambda_cannot_serialise_is_a_502(call):
    assert call("GET", "/test/v1/sandbox/decimal").status == 502


def test_what_a_handler_prints_does_not_reach_the_response(call):
    response = call("GET", "/test/v1/sandbox/print")

    assert response.status == 200
    assert response.json()["who"] == "echo"


def test_cors_preflight_is_answered_from_the_templates_cors(call):
    response = call("OPTIONS", "/test/v1/pricing/lookup", headers=[("Origin", "https://shop.example")])

    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"


# -- Lambda authorizers ------------------------------------------------------------------------------------------


def test_an_allowing_token_authorizer_passes_its_context_to_the_function(call):
    response = call("GET", "/test/v1/guarded", headers=[("Authorization", "Bearer good")])

    assert response.status == 200
    authorizer = response.event["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "customer-42"
    assert (authorizer["scope"], authorizer["type"]) == ("read", "TOKEN")


@pytest.mark.parametrize(
    ("headers", "status", "response_type"),
    [
        ([], 401, "UNAUTHORIZED"),
        ([("Authorization", "Basic nope")], 401, "UNAUTHORIZED"),  # fails the ValidationExpression
        ([("Authorization", "Bearer unauthorized")], 401, "UNAUTHORIZED"),
        ([("Authorization", "Bearer deny")], 403, "ACCESS_DENIED"),
        ([("Authorization", "Bearer crash")], 500, "AUTHORIZER_FAILURE"),
    ],
)
def test_token_authorizer_refusals(call, headers, status, response_type):
    response = call("GET", "/test/v1/guarded", headers=headers)

    assert response.status == status
    assert response.json()["type"] == response_type


def test_a_request_authorizer_needs_its_identity_sources(call):
    missing = call("GET", "/test/v1/request-guarded?tenant=acme")
    allowed = call("GET", "/test/v1/request-guarded?tenant=acme", headers=[("X-Key", "k")])

    assert missing.status == 401
    assert allowed.status == 200
    assert allowed.event["requestContext"]["authorizer"]["type"] == "REQUEST"
