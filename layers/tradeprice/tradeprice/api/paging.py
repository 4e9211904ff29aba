"""List endpoints: `limit` + opaque `cursor` in, `links.next` and an RFC 8288 `Link` header out."""

from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from tradeprice.api.json import dump_json
from tradeprice.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def page_request(query: dict[str, str] | None) -> tuple[int, str | None]:
    query = query or {}
    raw = query.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(
            f"limit must be a whole number from 1 to {MAX_LIMIT}",
            [{"field": "limit", "reason": "out of range", "value": raw}],
        )
    return int(raw), query.get("cursor") or None


def page_response(event: APIGatewayProxyEvent, items: list[Any], next_cursor: str | None) -> Response[str]:
    links: dict[str, str | None] = {"next": None}
    headers = {}
    if next_cursor:
        query = {k: v for k, v in (event.query_string_parameters or {}).items() if k != "cursor"}
        query["cursor"] = next_cursor
        links["next"] = f"{event.path}?{urlencode(query)}"
        headers["Link"] = f'<{links["next"]}>; rel="next"'
    return Response(
        status_code=200,
        content_type="application/json",
        body=dump_json({"items": items, "links": links}),
        headers=headers,
    )
