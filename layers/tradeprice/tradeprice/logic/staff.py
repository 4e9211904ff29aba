"""Console staff: signing in with Cognito, and the API's view of a staff member's access token.

A staff member's access token is a Cognito JWT. The authorizer accepts one when Cognito itself accepts it
(GetUser: signature, expiry, revocation by sign-out, the user still enabled) and its claims say it was issued by
this stack's user pool, for the console's client, as an access token. The user's groups become API scopes:

    admin  → admin (and so read and write): everything, API keys included
    staff  → read, write: imports, browsing, previews; no keys, no deletes

A token of a user in neither group carries no scope, and every scoped route refuses it.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data import staff as staff_store
from tradeprice.errors import InvalidInput

SCOPES_BY_GROUP: dict[str, frozenset[str]] = {
    "admin": frozenset({"admin", "read", "write"}),
    "staff": frozenset({"read", "write"}),
}


@dataclass(frozen=True, slots=True)
class StaffMember:
    email: str
    groups: tuple[str, ...]
    scopes: frozenset[str]
    expires_at: int
    """Epoch seconds: when the access token (the session) ends."""


@dataclass(frozen=True, slots=True)
class Session:
    access_token: str
    member: StaffMember


@dataclass(frozen=True, slots=True)
class NewPasswordNeeded:
    """A first sign-in: the temporary password worked and the staff member must now choose their own."""

    session: str


def looks_like_jwt(credential: str) -> bool:
    return credential.startswith("eyJ") and credential.count(".") == 2


def _claims(token: str) -> dict[str, Any] | None:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def _issuer(user_pool_id: str) -> str:
    region = user_pool_id.split("_", 1)[0]
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def _expected_claims(claims: dict[str, Any], now: datetime) -> bool:
    settings = get_settings()
    if not settings.staff_user_pool_id or not settings.staff_client_id:
        return False
    expires = claims.get("exp")
    return (
        claims.get("iss") == _issuer(settings.staff_user_pool_id)
        and claims.get("client_id") == settings.staff_client_id
        and claims.get("token_use") == "access"
        and isinstance(expires, int)
        and expires > now.timestamp()
    )


def _member(email: str, claims: dict[str, Any]) -> StaffMember:
    groups = tuple(sorted(str(group) for group in claims.get("cognito:groups") or () if group in SCOPES_BY_GROUP))
    scopes = frozenset().union(*(SCOPES_BY_GROUP[group] for group in groups))
    return StaffMember(email=email, groups=groups, scopes=scopes, expires_at=int(claims["exp"]))


def verify_access_token(token: str, now: datetime) -> StaffMember | None:
    """The staff member a presented access token proves, or None.

    The claims are read before Cognito is asked, so a token of another pool or client costs no call; they are
    trusted only once Cognito has accepted the very same token (its signature covers them).
    """
    claims = _claims(token)
    if claims is None or not _expected_claims(claims, now):
        return None
    email = staff_store.email_of(token)
    return None if email is None else _member(email, claims)


def _session(tokens: staff_store.Tokens, email: str) -> Session:
    claims = _claims(tokens.access_token) or {}
    return Session(access_token=tokens.access_token, member=_member(email, claims))


def sign_in(email: str, password: str) -> Session | NewPasswordNeeded:
    answer = staff_store.sign_in(email, password)
    if isinstance(answer, staff_store.Challenge):
        if answer.name != "NEW_PASSWORD_REQUIRED":
            raise InvalidInput(
                "this account needs a sign-in step the console does not offer; ask an admin",
                [{"field": "email", "reason": f"Cognito asks for {answer.name}"}],
            )
        return NewPasswordNeeded(session=answer.session)
    return _session(answer, email)


def set_first_password(email: str, new_password: str, session: str) -> Session:
    answer = staff_store.set_first_password(email, new_password, session)
    if isinstance(answer, staff_store.Challenge):
        raise InvalidInput(
            "this account needs a sign-in step the console does not offer; ask an admin",
            [{"field": "new_password", "reason": f"Cognito asks for {answer.name}"}],
        )
    return _session(answer, email)


def sign_out(access_token: str) -> None:
    staff_store.sign_out(access_token)
