"""The merchant console: its page and assets, staff sign-in and sign-out, and API key management for admins.

The page is static (HTML, one script, one stylesheet, all served from here, never from a CDN) and talks to the
public API like any client, with the signed-in staff member's short-lived access token held in memory only.
GET /console and its assets, and POST /v1/sessions (signing in), need no credential; everything else goes
through the API's authorizer, and key management needs the `admin` scope (the admin group).
"""

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api.access import Scope, author_from, caller_from
from tradeprice.api.console import (
    KeyCreatedOut,
    KeyIn,
    KeysOut,
    NewPasswordOut,
    SessionIn,
    key_out,
    session_out,
)
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.resolver import new_resolver
from tradeprice.config import get_settings
from tradeprice.data.objects import bucket_origin
from tradeprice.domain.authors import acting_as
from tradeprice.errors import NotFound
from tradeprice.logic import keys, staff

logger = Logger()
app = new_resolver(logger)

STATIC = Path(__file__).resolve().parent / "static"
_ASSET = re.compile(r"^[a-z0-9-]+\.(js|css|svg)$")
_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
}
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@cache
def _asset(name: str) -> tuple[str, str] | None:
    """(content, version) of a static file, or None; the version (a hash) makes each asset URL immutable."""
    if not _ASSET.match(name) or not (STATIC / name).is_file():
        return None
    content = (STATIC / name).read_text(encoding="utf-8")
    return content, hashlib.sha256(content.encode()).hexdigest()[:12]


@cache
def content_security_policy() -> str:
    """Scripts, styles and images from this origin only, no inline code; requests to this API and to the imports
    bucket's own origin (presigned uploads and report downloads), nothing else."""
    uploads = bucket_origin(get_settings().imports_bucket)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {uploads}",
            "form-action 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


@cache
def _page() -> str:
    html = (STATIC / "index.html").read_text(encoding="utf-8")

    def versioned(match: re.Match[str]) -> str:
        asset = _asset(match.group(2))
        assert asset is not None, f"index.html names a missing asset {match.group(2)}"
        return f'{match.group(1)}="console/{match.group(2)}?v={asset[1]}"'

    return re.sub(r'(src|href)="console/([a-z0-9-]+\.(?:js|css|svg))"', versioned, html)


@app.get("/console")
def console_page() -> Response[str]:
    headers = {**_COMMON_HEADERS, "Content-Security-Policy": content_security_policy(), "Cache-Control": "no-store"}
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=_page(), headers=headers)


@app.get("/console/<asset>")
def console_asset(asset: str) -> Response[str]:
    found = _asset(asset)
    if found is None:
        raise NotFound(f"the console has no file {asset!r}")
    content, version = found
    fresh = app.current_event.query_string_parameters.get("v") == version
    cache_control = "public, max-age=31536000, immutable" if fresh else "no-cache"
    headers = {**_COMMON_HEADERS, "Cache-Control": cache_control, "ETag": f'"{version}"'}
    return Response(status_code=200, content_type=_TYPES[asset.rsplit(".", 1)[1]], body=content, headers=headers)


@app.post("/v1/sessions")
def sign_in() -> Response[str]:
    request = SessionIn.model_validate(parse_json(app.current_event.body))
    password = request.password.get_secret_value()
    if request.new_password is not None and request.session is not None:
        session: staff.Session | staff.NewPasswordNeeded = staff.set_first_password(
            request.email, request.new_password.get_secret_value(), request.session
        )
    else:
        session = staff.sign_in(request.email, password)
    no_store = {"Cache-Control": "no-store"}
    if isinstance(session, staff.NewPasswordNeeded):
        body = NewPasswordOut(session=session.session).model_dump(mode="json")
        return Response(status_code=200, content_type="application/json", body=dump_json(body), headers=no_store)
    logger.info("staff signed in", extra={"staff": session.member.email, "groups": list(session.member.groups)})
    body = session_out(session).model_dump(mode="json")
    return Response(status_code=201, content_type="application/json", body=dump_json(body), headers=no_store)


def _bearer() -> str:
    scheme, _, credential = (app.current_event.headers.get("authorization") or "").partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


@app.get("/v1/sessions/current")
def current_session() -> dict[str, Any]:
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    return {"principal": who.principal, "scopes": sorted(who.scopes)}


@app.delete("/v1/sessions/current")
def sign_out() -> Response[str]:
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    if who.principal.startswith("staff:"):
        staff.sign_out(_bearer())
        logger.info("staff signed out", extra={"staff": who.principal})
    return Response(status_code=204, content_type="application/json", body="")


@app.get("/v1/keys")
def list_keys() -> dict[str, Any]:
    caller_from(app.current_event.raw_event.get("requestContext")).require(Scope.ADMIN)
    return KeysOut(items=[key_out(key) for key in keys.list_keys()]).model_dump(mode="json")


@app.post("/v1/keys")
def create_key() -> Response[str]:
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    who.require(Scope.ADMIN)
    request = KeyIn.model_validate(parse_json(app.current_event.body))
    stored, key = keys.issue_key(request.name, set(request.scopes))
    logger.info("API key created", extra={"key_id": stored.key_id, "by": who.principal, "scopes": request.scopes})
    body = KeyCreatedOut(**key_out(stored).model_dump(), key=key).model_dump(mode="json")
    return Response(
        status_code=201, content_type="application/json", body=dump_json(body), headers={"Cache-Control": "no-store"}
    )


@app.delete("/v1/keys/<key_id>")
def revoke_key(key_id: str) -> Response[str]:
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    who.require(Scope.ADMIN)
    keys.revoke_key(key_id)
    logger.info("API key revoked", extra={"key_id": key_id, "by": who.principal})
    return Response(status_code=204, content_type="application/json", body="")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with acting_as(author_from(event.get("requestContext"))):  # keys created or revoked name who did it
        return app.resolve(event, context)
