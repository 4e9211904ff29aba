"""Serve the template's REST API on localhost the way API Gateway does, invoking the functions' sandboxes.

The server reads everything from the deployment (routes, stage, CORS, Lambda authorizers, gateway responses),
builds real-shaped REST proxy events and writes the proxy responses back. What it mirrors of API Gateway:

- URLs carry the stage like the deployed ApiUrl output: `http://127.0.0.1:3000/dev/v1/health`.
- Resource matching prefers literal path parts over `{variables}` over `{greedy+}`, then looks for the method
  on the chosen resource; a miss is a MISSING_AUTHENTICATION_TOKEN gateway response (the template maps it to
  an RFC 7807 404). Literal parts may contain `:` (`/v1/prices:batch`).
- `path` and `pathParameters` keep the percent-encoding the client sent (REST APIs do not decode them);
  query string values are decoded.
- Gateway responses (not found, unauthorised, Lambda errors) are rendered from the template's
  `GatewayResponses`, substituting the `$context` variables they use.
- A Lambda authorizer (TOKEN or REQUEST) declared in the Api's `Auth` runs before the route's function; its
  policy is evaluated against the method ARN and its context reaches `requestContext.authorizer`. Results are
  not cached (every request is authorised afresh, as with ReauthorizeEvery: 0).
"""

from __future__ import annotations

import base64
import fnmatch
import gzip
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl

from devstack.infra import ApiRoute, ApiSpec, AuthorizerSpec, Deployment
from devstack.lambda_runtime import FunctionError, FunctionInvoker

__all__ = ["ApiGatewayServer", "GatewayError", "Request", "RouteMatch", "Router"]

logger = logging.getLogger(__name__)

# API Gateway's status code and message for the gateway response types the local server produces.
_GATEWAY_DEFAULTS: Final = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "UNAUTHORIZED": (401, "Unauthorized"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource"),
    "AUTHORIZER_FAILURE": (500, "Internal server error"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "Internal server error"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    # A Lambda proxy integration that raises or answers malformed JSON: 502, no specific response type.
    "DEFAULT_5XX": (502, "Internal server error"),
}
_MAX_PAYLOAD_BYTES: Final = 10 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    """One HTTP request as received, before routing."""

    method: str
    raw_path: str
    """The path after the stage, percent-encoding kept."""
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    request_id: str
    received_at: float


@dataclass(frozen=True)
class RouteMatch:
    """The API resource a path resolves to, the route for the method (if any), and the path parameters."""

    api: ApiSpec
    resource_path: str
    route: ApiRoute | None
    path_parameters: dict[str, str]


class GatewayError(Exception):
    """An error API Gateway itself answers (no function runs)."""

    def __init__(self, response_type: str, message: str | None = None) -> None:
        status, default_message = _GATEWAY_DEFAULTS.get(response_type, (500, "Internal server error"))
        super().__init__(message or default_message)
        self.response_type = response_type
        self.status = status
        self.message = message or default_message


class Router:
    """Resolves (stage, method, path) to a route of one of the deployment's APIs."""

    def __init__(self, apis: tuple[ApiSpec, ...]) -> None:
        self._resources: list[tuple[ApiSpec, str, re.Pattern[str], tuple[int, ...]]] = []
        for api in apis:
            for resource_path in dict.fromkeys(route.path for route in api.routes):
                pattern, score = _compile(resource_path)
                self._resources.append((api, resource_path, pattern, score))

    def stages(self) -> set[str]:
        return {api.stage for api, *_ in self._resources}

    def match(self, stage: str, method: str, raw_path: str) -> RouteMatch | None:
        """The best resource for the path (literal segments win), with the route for `method` if it has one."""
        best: tuple[tuple[int, ...], ApiSpec, str, dict[str, str]] | None = None
        for api, resource_path, pattern, score in self._resources:
            if api.stage != stage:
                continue
            found = pattern.fullmatch(raw_path)
            if found and (best is None or score > best[0]):
                best = (score, api, resource_path, found.groupdict())
        if best is None:
            return None
        _, api, resource_path, parameters = best
        routes = {route.method: route for route in api.routes if route.path == resource_path}
        return RouteMatch(api, resource_path, routes.get(method) or routes.get("ANY"), parameters)


def _compile(resource_path: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    parts: list[str] = []
    score: list[int] = []
    for segment in resource_path.strip("/").split("/"):
        variable = re.fullmatch(r"\{([A-Za-z0-9._-]+)(\+?)\}", segment)
        if variable and variable.group(2):
            parts.append(f"(?P<{_group(variable.group(1))}>.+)")
            score.append(0)
        elif variable:
            parts.append(f"(?P<{_group(variable.group(1))}>[^/]+)")
            score.append(1)
        else:
            parts.append(re.escape(segment))
            score.append(2)
    return re.compile("/" + "/".join(parts)), tuple(score)


def _group(name: str) -> str:
    # Regex group names must be identifiers; path variable names may hold '-' or '.'.
    return re.sub(r"\W", lambda m: f"_{ord(m.group()):x}_", name)


def _ungroup(name: str) -> str:
    return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), name)


class ApiGatewayServer:
    """A threaded HTTP server for every API of a deployment. `start()` binds (port 0 picks a free port)."""

    def __init__(
        self, deployment: Deployment, invoker: FunctionInvoker, *, host: str = "127.0.0.1", port: int = 3000
    ) -> None:
        self.deployment = deployment
        self.invoker = invoker
        self.router = Router(deployment.apis)
        self._host = host
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("API server is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def url(self, api_logical_id: str | None = None) -> str:
        """The API's URL with its stage, like the template's ApiUrl output (first API if none named)."""
        apis = [api for api in self.deployment.apis if api_logical_id in {None, api.logical_id}]
        if not apis:
            raise KeyError(f"no API {api_logical_id!r}")
        return f"{self.base_url}/{apis[0].stage}"

    def start(self) -> ApiGatewayServer:
        gateway = self

        class Handler(_RequestHandler):
            server_gateway = gateway

        self._server = ThreadingHTTPServer((self._host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="api-gateway", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    # -- request handling ----------------------------------------------------------------------------------

    def handle(self, stage: str, request: Request) -> tuple[int, list[tuple[str, str]], bytes, str]:
        """Answer one request: status, headers, body, and what served it (for the access log)."""
        match = self.router.match(stage, request.method, request.raw_path)
        api = match.api if match else self._api_for_stage(stage)
        if api is None and self.deployment.apis:
            logger.warning("no API has a stage %r: URLs start with the stage, e.g. %s/v1/...", stage, self.url())
            api = self.deployment.apis[0]
        status, headers, body, served_by = self._answer(api, match, request)
        if api is not None and _compresses(api.minimum_compression_size, request, headers, body):
            headers = [*headers, ("Content-Encoding", "gzip")]
            body = gzip.compress(body, mtime=0)
        return status, headers, body, served_by

    def _answer(
        self, api: ApiSpec | None, match: RouteMatch | None, request: Request
    ) -> tuple[int, list[tuple[str, str]], bytes, str]:
        try:
            if match is None:
                raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
            if match.route is None:
                if request.method == "OPTIONS" and match.api.cors is not None:
                    return self._preflight(match, request)
                raise GatewayError("MISSING_AUTHENTICATION_TOKEN")
            if len(request.body) > _MAX_PAYLOAD_BYTES:
                raise GatewayError("REQUEST_TOO_LARGE")
            authorizer_name = match.api.route_authorizers.get(match.route)
            authorizer_context = (
                self._authorize(match, match.api.authorizers[authorizer_name], request) if authorizer_name else None
            )
            event = build_proxy_event(self.deployment, match, request, authorizer_context)
            return (*self._invoke(match.route.function, event, request), match.route.function)
        except GatewayError as error:
            status, headers, body = self._gateway_response(api, error, request, match)
            return status, headers, body, error.response_type

    def _api_for_stage(self, stage: str) -> ApiSpec | None:
        return next((api for api in self.deployment.apis if api.stage == stage), None)

    def _invoke(
        self, function: str, event: dict[str, Any], request: Request
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        try:
            result = self.invoker.invoke(function, event, request_id=request.request_id)
        except FunctionError as error:
            logger.error(
                "%s failed (%s: %s); API Gateway answers 502\n%s",
                function,
                error.error_type,
                error,
                "".join(error.stack_trace),
            )
            raise GatewayError("DEFAULT_5XX") from None
        try:
            return _proxy_response(result, request)
        except (TypeError, ValueError, KeyError) as error:
            logger.error("%s returned a malformed proxy response (%s): %r", function, error, result)
            raise GatewayError("DEFAULT_5XX") from None

    def _preflight(self, match: RouteMatch, request: Request) -> tuple[int, list[tuple[str, str]], bytes, str]:
        cors = match.api.cors
        assert cors is not None
        if match.api.cors_preflight_authorizer:
            self._authorize(match, match.api.authorizers[match.api.cors_preflight_authorizer], request)
        headers = [("Access-Control-Allow-Origin", cors.allow_origin)]
        if cors.allow_methods:
            headers.append(("Access-Control-Allow-Methods", cors.allow_methods))
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", cors.allow_headers))
        if cors.max_age:
            headers.append(("Access-Control-Max-Age", cors.max_age))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        headers += [("Content-Type", "application/json"), *_request_id_headers(request)]
        return 200, headers, b"", "CORS preflight"

    def _gateway_response(
        self, api: ApiSpec | None, error: GatewayError, request: Request, match: RouteMatch | None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        responses = api.gateway_responses if api else {}
        spec = responses.get(error.response_type) or responses.get(
            "DEFAULT_5XX" if error.status >= 500 else "DEFAULT_4XX"
        )
        status = spec.status_code if spec and spec.status_code else error.status
        headers: dict[str, str] = {"Content-Type": "application/json"}
        body = json.dumps({"message": error.message})
        if spec is not None:
            headers.update(spec.headers)
            template = spec.templates.get("application/json") or next(iter(spec.templates.values()), None)
            if template is not None:
                body = _render_context(
                    template,
                    {
                        "requestId": request.request_id,
                        "extendedRequestId": request.request_id,
                        "httpMethod": request.method,
                        "path": f"/{api.stage}{request.raw_path}" if api else request.raw_path,
                        "resourcePath": match.resource_path if match else "",
                        "stage": api.stage if api else "",
                        "apiId": api.api_id if api else "",
                        "identity.sourceIp": request.source_ip,
                        "error.message": error.message,
                        "error.messageString": json.dumps(error.message),
                        "error.responseType": error.response_type,
                    },
                )
        return status, [*headers.items(), *_request_id_headers(request)], body.encode()

    # -- Lambda authorizers --------------------------------------------------------------------------------

    def _authorize(self, match: RouteMatch, authorizer: AuthorizerSpec, request: Request) -> dict[str, Any]:
        context = self.deployment.context
        method_arn = (
            f"arn:{context.partition}:execute-api:{context.region}:{context.account_id}:"
            f"{match.api.api_id}/{match.api.stage}/{request.method}{request.raw_path}"
        )
        lowered = {name.lower(): value for name, value in request.headers}
        if authorizer.payload_type == "TOKEN":
            token = lowered.get(authorizer.header.lower())
            if not token:
                raise GatewayError("UNAUTHORIZED")
            if authorizer.validation_expression and not re.fullmatch(authorizer.validation_expression, token):
                raise GatewayError("UNAUTHORIZED")
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        else:
            query = dict(request.query)
            if any(name.lower() not in lowered for name in authorizer.headers) or any(
                name not in query for name in authorizer.query_strings
            ):
                raise GatewayError("UNAUTHORIZED")
            proxy_event = build_proxy_event(self.deployment, match, request, None)
            event = {"type": "REQUEST", "methodArn": method_arn, **proxy_event}
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
        started = time.monotonic()
        try:
            result = self.invoker.invoke(authorizer.function, event, request_id=request.request_id)
        except FunctionError as error:
            if str(error) == "Unauthorized":
                raise GatewayError("UNAUTHORIZED") from None
            logger.error(
                "authorizer %s failed (%s: %s)\n%s",
                authorizer.name,
                error.error_type,
                error,
                "".join(error.stack_trace),
            )
            raise GatewayError("AUTHORIZER_FAILURE") from None
        latency_ms = int((time.monotonic() - started) * 1000)
        if not isinstance(result, dict) or "principalId" not in result or "policyDocument" not in result:
            logger.error("authorizer %s answered without principalId and policyDocument: %r", authorizer.name, result)
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
        _check_policy(result["policyDocument"], method_arn)
        authorizer_context = result.get("context") or {}
        if not isinstance(authorizer_context, dict) or any(
            not isinstance(value, str | int | float | bool) for value in authorizer_context.values()
        ):
            logger.error("authorizer %s context must map keys to strings, numbers or booleans", authorizer.name)
            raise GatewayError("AUTHORIZER_CONFIGURATION_ERROR")
        return {**authorizer_context, "principalId": result["principalId"], "integrationLatency": latency_ms}


def _check_policy(policy: Any, method_arn: str) -> None:
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    statements = [statements] if isinstance(statements, dict) else statements
    allowed = False
    for statement in statements:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_arn_matches(action, "execute-api:Invoke") for action in actions):
            continue
        if not any(_arn_matches(resource, method_arn) for resource in resources):
            continue
        if statement.get("Effect") == "Deny":
            raise GatewayError("ACCESS_DENIED")
        allowed = allowed or statement.get("Effect") == "Allow"
    if not allowed:
        raise GatewayError("ACCESS_DENIED")


def _arn_matches(pattern: str, value: str) -> bool:
    # IAM wildcards: '*' any run of characters, '?' one character; nothing else is special.
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, value) is not None


# -- events and responses ----------------------------------------------------------------------------------------


def build_proxy_event(
    deployment: Deployment, match: RouteMatch, request: Request, authorizer_context: dict[str, Any] | None
) -> dict[str, Any]:
    """The REST API (v1) Lambda proxy event for a matched request."""
    api = match.api
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        existing = next((key for key in multi_headers if key.lower() == name.lower()), name)
        multi_headers.setdefault(existing, []).append(value)
    lowered = {name.lower() for name in multi_headers}
    for name, value in (
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(request.received_at):08x}-{uuid.uuid4().hex[:24]}"),
    ):
        if name.lower() not in lowered:
            multi_headers[name] = [value]
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query:
        multi_query.setdefault(name, []).append(value)

    body, is_base64 = _event_body(request, api.binary_media_types)
    host = next((values[-1] for name, values in multi_headers.items() if name.lower() == "host"), "localhost")
    epoch_ms = int(request.received_at * 1000)
    request_context: dict[str, Any] = {
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, match.resource_path).hex[:6],
        "resourcePath": match.resource_path,
        "httpMethod": request.method,
        "extendedRequestId": request.request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(request.received_at)),
        "path": f"/{api.stage}{request.raw_path}",
        "accountId": deployment.context.account_id,
        "protocol": "HTTP/1.1",
        "stage": api.stage,
        "domainPrefix": host.split(".", 1)[0],
        "requestTimeEpoch": epoch_ms,
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": _header(request.headers, "User-Agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": api.api_id,
    }
    if authorizer_context is not None:
        request_context["authorizer"] = authorizer_context
    return {
        "resource": match.resource_path,
        "path": request.raw_path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {_ungroup(name): value for name, value in match.path_parameters.items()} or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _event_body(request: Request, binary_media_types: tuple[str, ...]) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = (_header(request.headers, "Content-Type") or "").split(";", 1)[0].strip().lower()
    if any(fnmatch.fnmatchcase(content_type, media_type.lower()) for media_type in binary_media_types):
        return base64.b64encode(request.body).decode("ascii"), True
    try:
        return request.body.decode("utf-8"), False
    except UnicodeDecodeError:
        # API Gateway would pass the bytes through mangled; base64 keeps them intact and says so.
        return base64.b64encode(request.body).decode("ascii"), True


def _proxy_response(result: Any, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
    if not isinstance(result, dict):
        raise TypeError("the proxy response is not a JSON object")
    status = int(result["statusCode"])
    headers: dict[str, list[str]] = {}
    for name, value in (result.get("headers") or {}).items():
        headers[str(name)] = [str(value)]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        existing = headers.setdefault(str(name), [])
        existing.extend(str(value) for value in values if str(value) not in existing)
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = ["application/json"]
    body = result.get("body")
    if body is None:
        payload = b""
    elif result.get("isBase64Encoded"):
        payload = base64.b64decode(str(body))
    else:
        payload = str(body).encode("utf-8")
    flat = [(name, value) for name, values in headers.items() for value in values]
    return status, [*flat, *_request_id_headers(request)], payload


def _compresses(minimum: int | None, request: Request, headers: list[tuple[str, str]], body: bytes) -> bool:
    """API Gateway's content encoding: gzip when the API sets MinimumCompressionSize, the client accepts gzip, the
    answer is at least that large and the function did not encode it itself."""
    if minimum is None or len(body) < minimum or _header(headers, "Content-Encoding"):
        return False
    accepted = ",".join(value for name, value in request.headers if name.lower() == "accept-encoding")
    codings = {part.split(";", 1)[0].strip().lower() for part in accepted.split(",")}
    return "gzip" in codings or "*" in codings


def _request_id_headers(request: Request) -> list[tuple[str, str]]:
    return [("x-amzn-RequestId", request.request_id), ("x-amz-apigw-id", request.request_id[:16])]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    """A header's value (the last one sent), looked up case-insensitively."""
    return next((value for key, value in reversed(headers) if key.lower() == name.lower()), None)


def _render_context(template: str, variables: Mapping[str, str]) -> str:
    """Substitute `$context.x` references as API Gateway's template engine does for gateway responses."""
    names = sorted(variables, key=len, reverse=True)
    pattern = re.compile(r"\$context\.(" + "|".join(re.escape(name) for name in names) + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda found: variables[found.group(1)], template)


class _RequestHandler(BaseHTTPRequestHandler):
    """Hands each HTTP request to the gateway; one instance per request."""

    protocol_version = "HTTP/1.1"
    server_version = "devstack-api-gateway"
    # Headers and body go out as two writes; with Nagle's algorithm the body would wait for the client's delayed
    # ACK of the headers (~40 ms on Linux) on every response.
    disable_nagle_algorithm = True
    server_gateway: ApiGatewayServer

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, CONNECT, made-up ones) is routed like the rest, as API Gateway does: no
        # resource has it, so it gets the MISSING_AUTHENTICATION_TOKEN gateway response, never an HTML 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        started = time.monotonic()
        path, _, query = self.path.partition("?")
        stage, _, rest = path.lstrip("/").partition("/")
        request = Request(
            method=self.command,
            raw_path="/" + rest,
            query=parse_qsl(query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=self._read_body(),
            source_ip=self.client_address[0],
            request_id=str(uuid.uuid4()),
            received_at=time.time(),
        )
        try:
            status, headers, body, served_by = self.server_gateway.handle(stage, request)
        except Exception:
            logger.exception("the local API gateway failed on %s %s", self.command, self.path)
            status, headers, body, served_by = 500, [("Content-Type", "application/json")], b'{"message":null}', "error"
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in {"content-length", "connection", "transfer-encoding", "date", "server"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        logger.info(
            "%s %s -> %s (%s, %.1f ms)", self.command, self.path, status, served_by, (time.monotonic() - started) * 1000
        )

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in {b"\r\n", b"\n", b""}:
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)
