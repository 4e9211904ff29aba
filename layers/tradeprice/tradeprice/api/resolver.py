"""The REST resolver every API function uses: exact-decimal JSON, RFC 7807 errors, decoded path parameters."""

from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from tradeprice.api import problems
from tradeprice.api.json import dump_json


def _decode_path_parameters(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[str]:
    # API Gateway hands REST path parameters over still percent-encoded (a SKU "BOLT M8/10" arrives as
    # "BOLT%20M8%2F10"); routes receive them decoded, exactly as the client named them.
    arguments = app.context.get("_route_args") or {}
    app.append_context(_route_args={name: unquote(value) for name, value in arguments.items()})  # type: ignore[no-untyped-call]
    return next_middleware(app)


def new_resolver(logger: Logger) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(serializer=dump_json)
    problems.register(app, logger)
    app.use(middlewares=[_decode_path_parameters])
    return app
