"""API Gateway's REST proxy integration without a framework: routes, JSON and problem answers, CORS.

The price lookup answers two routes and sits on every storefront page's critical path; importing Powertools' REST
resolver cost its cold start more than everything else it imports (docs/operations.md, Cold start). This module
does the part of the resolver's work the lookup uses, with the standard library only: routing by method and path,
path parameters decoded (API Gateway hands them over percent-encoded), answers in the proxy format, and errors as
RFC 7807 problems through the one mapping (api/problems.py), logged as the resolver's functions log them
(expected refusals at info, the unexpected with its stack trace). Its logs and metrics: tradeprice/telemetry.py.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tradeprice.api import problems
from tradeprice.api.json import dump_json
from tradeprice.config import get_settings
from tradeprice.domain.records import record
from tradeprice.telemetry import JsonLogger

Answer = dict[str, Any]
"""A response in the REST proxy integration's format (statusCode, multiValueHeaders, body, isBase64Encoded)."""


@record
class Request:
    event: dict[str, Any]
    path_parameters: dict[str, str]

    @property
    def body(self) -> str | None:
        body: str | None = self.event.get("body")
        return body

    @property
    def query(self) -> dict[str, str]:
        return self.event.get("queryStringParameters") or {}

    @property
    def request_context(self) -> dict[str, Any] | None:
        context: dict[str, Any] | None = self.event.get("requestContext")
        return context


Route = Callable[[Request], dict[str, Any]]


@dataclass(slots=True)
class Router:
    """Routes by method and path pattern (`/v1/pricing/<sku>`); a route returns the JSON document of a 200."""

    logger: JsonLogger
    _routes: list[tuple[str, re.Pattern[str], Route]] = field(default_factory=list)

    def route(self, method: str, path: str) -> Callable[[Route], Route]:
        pattern = re.compile(re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", path) + r"\Z")

        def register(function: Route) -> Route:
            self._routes.append((method, pattern, function))
            return function

        return register

    def resolve(self, event: dict[str, Any]) -> Answer:
        method, path = event.get("httpMethod", ""), event.get("path", "")
        try:
            for route_method, pattern, function in self._routes:
                found = pattern.match(path)
                if found is not None and route_method == method:
                    parameters = {name: unquote(value) for name, value in found.groupdict().items()}
                    return json_answer(200, function(Request(event, parameters)))
            return problem_answer(problems.no_route(method, path))
        except Exception as error:  # every error becomes a problem answer, logged by its kind
            problems.log_refusal(self.logger, error)
            return problem_answer(problems.problem_for_error(error))


def json_answer(status: int, document: Any, content_type: str = "application/json") -> Answer:
    return {
        "statusCode": status,
        "multiValueHeaders": {"Content-Type": [content_type]},
        "body": dump_json(document),
        "isBase64Encoded": False,
    }


def problem_answer(found: problems.Problem) -> Answer:
    answer = json_answer(found.status, found.body, problems.PROBLEM_CONTENT_TYPE)
    for name, value in found.headers.items():
        answer["multiValueHeaders"][name] = [value]
    return answer


def with_cors(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """Let a browser on an allowed origin read the answer (errors included); other origins get no CORS headers.

    API Gateway answers the preflight (OPTIONS) itself; the actual response comes from the function, so the
    function names the origin. Applied to the whole response so 4xx problems are readable in the browser too.
    """
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    origin = (headers.get("origin") or "").rstrip("/")
    if origin and origin in get_settings().allowed_origin_set:
        extra = response.setdefault("multiValueHeaders", {})
        extra["Access-Control-Allow-Origin"] = [origin]
        extra["Vary"] = ["Origin"]
    return response
