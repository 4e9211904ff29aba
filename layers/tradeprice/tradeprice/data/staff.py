"""Console staff in the Cognito user pool: sign-in, the user behind an access token, sign-out.

Only this module talks to Cognito. Every call here is authorised by the user's own password or token rather than
by IAM, so the functions that make them need no Cognito permission.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from tradeprice.config import get_settings
from tradeprice.data.aws import build_client
from tradeprice.errors import StoreUnavailable, Unauthorized

# Cognito's answers for a credential it does not accept (wrong password, unknown or disabled user, revoked or
# expired token): the caller is told the same thing in every case, so nobody learns which staff exist.
_REFUSED = frozenset({"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException"})
_PASSWORD_RESET = frozenset({"PasswordResetRequiredException"})


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    expires_in: int
    """Seconds."""


@dataclass(frozen=True, slots=True)
class Challenge:
    """Cognito wants more before it signs the user in (a first sign-in must set a new password)."""

    name: str
    session: str


@cache
def _cognito() -> Any:
    return build_client("cognito-idp")


def _refused(error: ClientError) -> Exception:
    code = error.response.get("Error", {}).get("Code", "")
    if code in _REFUSED:
        return Unauthorized("the email or password is not right", reason="credentials")
    if code in _PASSWORD_RESET:
        return Unauthorized("this account's password must be reset first", reason="password-reset")
    if code == "InvalidPasswordException":
        return Unauthorized(str(error.response.get("Error", {}).get("Message", "")), reason="password-policy")
    return StoreUnavailable("staff sign-in is unavailable; try again in a moment", service="cognito-idp")


def _tokens_or_challenge(answer: dict[str, Any]) -> Tokens | Challenge:
    result = answer.get("AuthenticationResult")
    if result is not None:
        return Tokens(access_token=str(result["AccessToken"]), expires_in=int(result["ExpiresIn"]))
    return Challenge(name=str(answer.get("ChallengeName", "")), session=str(answer.get("Session", "")))


def sign_in(email: str, password: str) -> Tokens | Challenge:
    try:
        answer = _cognito().initiate_auth(
            ClientId=get_settings().staff_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
    except ClientError as error:
        raise _refused(error) from None
    return _tokens_or_challenge(answer)


def set_first_password(email: str, new_password: str, session: str) -> Tokens | Challenge:
    try:
        answer = _cognito().respond_to_auth_challenge(
            ClientId=get_settings().staff_client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session,
            ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password},
        )
    except ClientError as error:
        raise _refused(error) from None
    except ParamValidationError:
        # A session (or password) Cognito's own limits refuse before sending: not a session it ever issued.
        raise Unauthorized("the email or password is not right", reason="credentials") from None
    return _tokens_or_challenge(answer)


def email_of(access_token: str) -> str | None:
    """The email of the user an access token belongs to, or None when Cognito does not accept the token
    (forged, expired, revoked by a sign-out, or its user disabled or deleted)."""
    try:
        user = _cognito().get_user(AccessToken=access_token)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code", "") in _REFUSED:
            return None
        raise
    attributes = {attribute["Name"]: attribute["Value"] for attribute in user.get("UserAttributes", [])}
    return str(attributes.get("email") or user["Username"])


def sign_out(access_token: str) -> None:
    """Revoke every token of the user's sessions (Cognito's global sign-out)."""
    try:
        _cognito().global_sign_out(AccessToken=access_token)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code", "") not in _REFUSED:
            raise
