"""List endpoints: `limit` + opaque `cursor` + `updated_since` in; `links.next` and an RFC 8288 `Link` header out."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from tradeprice.api.json import dump_json
from tradeprice.data.paging import looks_issued
from tradeprice.errors import InvalidInput

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class PageQuery:
    limit: int
    cursor: str | None
    updated_since: datetime | None


def page_query(query: dict[str, str] | None) -> PageQuery:
    """`limit` (1–1000, default 100), `cursor` from the previous page, `updated_since` (RFC 3339)."""
    query = query or {}
    raw = query.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        error = {"field": "limit", "reason": f"a whole number from 1 to {MAX_LIMIT}", "value": raw}
        raise InvalidInput(f"limit must be a whole number from 1 to {MAX_LIMIT}", [error])
    cursor = query.get("cursor")
    if cursor is not None and not looks_issued(cursor):
        error = {"field": "cursor", "reason": "the cursor of links.next; leave it out for the first page"}
        raise InvalidInput("cursor is not one this API issued: follow links.next from the previous page", [error])
    return PageQuery(int(raw), cursor, _since(query.get("updated_since")))


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    limit: int
    cursor: str | None
    since: datetime | None
    until: datetime | None


def history_query(query: dict[str, str] | None) -> HistoryQuery:
    """A history page: `limit` and `cursor` as every listing, and `since`/`until` (RFC 3339, both inclusive)."""
    query = query or {}
    page = page_query({name: value for name, value in query.items() if name in {"limit", "cursor"}})
    since, until = _since(query.get("since"), "since"), _since(query.get("until"), "until")
    if since is not None and until is not None and since > until:
        error = {"field": "since", "reason": "after until", "value": query["since"]}
        raise InvalidInput("since must not be after until", [error])
    return HistoryQuery(page.limit, page.cursor, since, until)


# RFC 3339's date-time, as the OpenAPI document's `format: date-time` reads it (fromisoformat alone takes more).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _since(text: str | None, field: str = "updated_since") -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00")) if _RFC3339.fullmatch(text) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        error = {"field": field, "reason": "an RFC 3339 time with its offset", "value": text}
        raise InvalidInput(f"{field} must be an RFC 3339 time such as 2026-01-31T00:00:00Z", [error])
    return moment


def page_response(event: APIGatewayProxyEvent, items: list[Any], next_cursor: str | None) -> Response[str]:
    links: dict[str, str | None] = {"next": None}
    headers = {}
    if next_cursor:
        query = {k: v for k, v in (event.query_string_parameters or {}).items() if k != "cursor"}
        query["cursor"] = next_cursor
        links["next"] = f"{_this_page(event)}?{urlencode(query)}"
        headers["Link"] = f'<{links["next"]}>; rel="next"'
    document = {"items": items, "links": links}
    return Response(status_code=200, content_type="application/json", body=dump_json(document), headers=headers)


def _this_page(event: APIGatewayProxyEvent) -> str:
    """This request's absolute URL without its query, as the client called it: scheme, host and the path the
    API was reached by (`requestContext.path` keeps the stage, `/dev/v1/...`, or a custom domain's base path).
    """
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    context = event.raw_event.get("requestContext") or {}
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    host = headers.get("host") or context.get("domainName") or ""
    path = context.get("path") or event.path
    return f"{scheme}://{host}{quote(path, safe='/:@!$&()*+,;=-._~%')}"
