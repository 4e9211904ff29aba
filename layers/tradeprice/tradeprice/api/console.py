"""Request and response shapes of the console's routes: staff sessions (/v1/sessions) and API keys (/v1/keys)."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from tradeprice.data.keys import StoredKey
from tradeprice.data.sync_log import SyncBatch
from tradeprice.logic.staff import Session, StaffMember

StaffEmail = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254, pattern=r"^\S+@\S+$")
]
KeyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]+$")
]
ScopeName = Literal["read", "write", "admin"]


class SessionIn(BaseModel):
    """POST /v1/sessions: a staff member signs in; a first sign-in also sets their own password."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: StaffEmail
    password: SecretStr = Field(min_length=1, max_length=256)
    new_password: SecretStr | None = Field(default=None, min_length=12, max_length=256)
    """Only with `session`, after a sign-in answered `new_password_required`."""
    session: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = None


class StaffOut(BaseModel):
    email: str
    groups: list[str]
    scopes: list[ScopeName]
    expires_at: datetime
    """When the session ends; sign in again after it."""


class SessionOut(BaseModel):
    """A signed-in staff member: send `access_token` as `Authorization: Bearer …` until `staff.expires_at`."""

    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    access_token: str
    staff: StaffOut


class NewPasswordOut(BaseModel):
    """A first sign-in: send the same email and password again with `new_password` and this `session`."""

    status: Literal["new_password_required"] = "new_password_required"
    session: str


class KeyIn(BaseModel):
    """POST /v1/keys: a key for an ERP, middleware or storefront server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: KeyName
    """Who holds it, e.g. `erp` or `storefront`."""
    scopes: Annotated[list[ScopeName], Field(min_length=1, max_length=3)]


class KeyOut(BaseModel):
    id: str
    name: str
    scopes: list[ScopeName]
    created_at: datetime
    revoked: bool


class KeyCreatedOut(KeyOut):
    key: str
    """The key itself, shown this once: only its hash is stored."""


class KeysOut(BaseModel):
    items: list[KeyOut]


def staff_out(member: StaffMember) -> StaffOut:
    return StaffOut(
        email=member.email,
        groups=list(member.groups),
        scopes=sorted(member.scopes),  # type: ignore[arg-type]
        expires_at=datetime.fromtimestamp(member.expires_at, UTC),
    )


def session_out(session: Session) -> SessionOut:
    return SessionOut(access_token=session.access_token, staff=staff_out(session.member))


def key_out(key: StoredKey) -> KeyOut:
    return KeyOut(
        id=key.key_id,
        name=key.name,
        scopes=sorted(key.scopes),  # type: ignore[arg-type]
        created_at=key.created_at,
        revoked=key.revoked,
    )


class RejectedRecordOut(BaseModel):
    index: int
    """The record's position in the batch (from 0)."""
    key: str | None
    errors: list[dict[str, Any]]
    """Each field at fault: field, reason (and value)."""


class SyncBatchOut(BaseModel):
    """An API batch that had rejected records: who sent it, where, and what was wrong."""

    id: str
    at: datetime
    principal: str
    """Who sent it: the API key's name (or the staff member)."""
    method: str
    route: str
    """The request's path."""
    records: int
    rejected_count: int
    rejected: list[RejectedRecordOut]
    """The first 50 rejected records."""


def sync_batch_out(batch: SyncBatch) -> SyncBatchOut:
    return SyncBatchOut(
        id=batch.id,
        at=batch.at,
        principal=batch.principal,
        method=batch.method,
        route=batch.route,
        records=batch.records,
        rejected_count=batch.rejected_count,
        rejected=[RejectedRecordOut.model_validate(record) for record in batch.rejected],
    )
