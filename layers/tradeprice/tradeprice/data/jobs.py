"""Import jobs: the record merchants follow (`ImportJob`), and what the import needs to run a file safely across
invocations (`JobState`: options, checkpoint) plus who is running it now (a lease).

One item per job, keyed by id. Every write after the first is a PutItem conditioned on the item's `revision`
being the one the writer read: two invocations can never both take a job, and a checkpoint can never overwrite a
newer one. An invocation holds a job by writing a lease (a random token and an expiry); the lease outlives the
invocation's own timeout, so a job whose invocation died is free again only after that invocation surely ended.
"""

import json
import os
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.aws import build_client
from tradeprice.data.batch import Item, call_with_retries
from tradeprice.data.paging import decode_cursor, encode_cursor
from tradeprice.domain.models import ImportJob
from tradeprice.domain.types import Timestamp, utc_now
from tradeprice.errors import Conflict

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

Phase = Literal["validate", "write", "remove"]

_EXTRA = ("state", "revision", "lease_token", "lease_until", "updated_at", "listing", "created_key")
"""Attributes of a job item that are not the ImportJob."""

NEWEST_FIRST_INDEX = "newest-first"
"""The jobs table's index of every job by creation time: one partition (`listing`), sorted by `created_key`.
Import jobs arrive at human pace (files, not requests), far below one partition's write rate."""
_LISTING = "import-job"


class JobState(BaseModel):
    """The stored item's import state: the options the job runs with and how far it got."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    force: bool = False
    """Guardrails are skipped."""
    sheet: str | None = None
    """The XLSX sheet to read (default: the first)."""
    profile: str | None = None
    """An ERP's file (`unleashed`, `netsuite`, `linnworks`): rows go through that system's file adapter."""
    profile_options: dict[str, Any] = {}
    """The adapter's options from metadata or manifest: `currency`, `tier_names`, `currency_map`."""
    phase: Phase = "validate"
    """validate: reading the whole file, nothing written; write: records being written; remove: replace's removals."""
    records_total: Annotated[int, Field(ge=0)] | None = None
    """Valid records the validation pass found (the write pass's denominator)."""
    records_done: Annotated[int, Field(ge=0)] = 0
    """Records, in the file's order, whose writes are complete (the resume point)."""
    removing: list[str] = []
    """SKUs of the removal chunk in flight: counted as removed if an invocation dies while deleting them."""
    lists: dict[str, str] = {}
    """Price lists (slug → currency) as the validation pass saw them, so every pass reads the file alike."""
    runs: Annotated[int, Field(ge=0)] = 0
    """Invocations that took the job."""
    handoff: bool = False
    """The last invocation stopped cleanly to continue in the next (rather than dying mid-write)."""
    plan_report_key: str | None = None
    """dry_run: what the import would create, change and remove."""
    upload_expires_at: Timestamp | None = None
    """A job made by POST /v1/imports: when its upload URL expires."""
    last_error: str | None = None
    """Why the last invocation that failed did (it is retried)."""


@dataclass(frozen=True, slots=True)
class StoredJob:
    job: ImportJob
    state: JobState
    revision: int = 0
    lease_token: str | None = None
    lease_until: float | None = None
    """Epoch seconds."""
    updated_at: datetime | None = None

    def leased(self, now: float) -> bool:
        return self.lease_token is not None and self.lease_until is not None and self.lease_until > now


def _table() -> str:
    return get_settings().import_jobs_table


def to_item(stored: StoredJob) -> Item:
    item = codec.to_item(stored.job)
    item["state"] = {"M": codec.to_item(stored.state)}
    item["revision"] = {"N": str(stored.revision)}
    item["updated_at"] = {"S": codec.timestamp_text(stored.updated_at or utc_now())}
    item["listing"] = {"S": _LISTING}
    item["created_key"] = {"S": f"{codec.timestamp_text(stored.job.created_at)}#{stored.job.id}"}
    if stored.lease_token is not None and stored.lease_until is not None:
        item["lease_token"] = {"S": stored.lease_token}
        item["lease_until"] = {"N": repr(stored.lease_until)}
    return item


def from_item(item: Item) -> StoredJob:
    """Validate a job item read back: a malformed one fails here, not in a caller."""
    return StoredJob(
        job=codec.from_item(ImportJob, item, drop=_EXTRA),
        state=codec.from_item(JobState, item["state"]["M"]) if "state" in item else JobState(),
        revision=int(item["revision"]["N"]) if "revision" in item else 0,
        lease_token=item["lease_token"]["S"] if "lease_token" in item else None,
        lease_until=float(item["lease_until"]["N"]) if "lease_until" in item else None,
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]) if "updated_at" in item else None,
    )


def create(stored: StoredJob) -> bool:
    """Store a new job; False when one with this id exists already (a duplicate delivery of its object)."""
    try:
        call_with_retries(
            "put_item",
            TableName=_table(),
            Item=to_item(replace(stored, revision=0, updated_at=utc_now())),
            ConditionExpression="attribute_not_exists(id)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save(stored: StoredJob) -> StoredJob:
    """Write the job as `stored` describes it, provided nobody wrote it since it was read (its revision).

    Raises Conflict when someone did: the caller lost the job and must stop.
    """
    saved = replace(stored, revision=stored.revision + 1, updated_at=utc_now())
    try:
        call_with_retries(
            "put_item",
            TableName=_table(),
            Item=to_item(saved),
            ConditionExpression="revision = :read",
            ExpressionAttributeValues={":read": {"N": str(stored.revision)}},
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise Conflict(
                f"import job {stored.job.id} was changed by another invocation", job_id=stored.job.id
            ) from error
        raise
    return saved


def load(job_id: str) -> StoredJob | None:
    item = call_with_retries("get_item", TableName=_table(), Key={"id": {"S": job_id}}, ConsistentRead=True).get("Item")
    return from_item(item) if item else None


def get(job_id: str) -> ImportJob | None:
    stored = load(job_id)
    return stored.job if stored is not None else None


def page(limit: int, cursor: str | None, updated_since: datetime | None) -> tuple[list[StoredJob], str | None]:
    """One page of every job, newest first (a Query of the newest-first index); with `updated_since`, only jobs
    changed since then."""
    request: dict[str, Any] = {
        "TableName": _table(),
        "IndexName": NEWEST_FIRST_INDEX,
        "KeyConditionExpression": "listing = :listing",
        "ExpressionAttributeValues": {":listing": {"S": _LISTING}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    listing = f"query:{_table()}/{NEWEST_FIRST_INDEX}"
    start = decode_cursor(listing, cursor)
    if start is not None:
        request["ExclusiveStartKey"] = start
    if updated_since is not None:
        request["FilterExpression"] = "updated_at >= :since"
        request["ExpressionAttributeValues"][":since"] = {"S": codec.timestamp_text(updated_since)}
    response = call_with_retries("query", **request)
    return [from_item(item) for item in response.get("Items", [])], encode_cursor(
        listing, response.get("LastEvaluatedKey")
    )


# Continuations ----------------------------------------------------------------------------------------------------

CONTINUATION = "continue-import"
"""The `tradeprice` field of a continuation message: {"tradeprice": "continue-import", "job_id": …}."""


@cache
def _sqs(endpoint: str | None) -> "SQSClient":
    """One client per endpoint (the local stack points AWS_ENDPOINT_URL at its moto server)."""
    return build_client("sqs")  # type: ignore[no-any-return]


def send_continuation(queue_url: str, job_id: str) -> None:
    """Queue the next invocation of a job that stopped to continue (the import queue, which the import reads)."""
    _sqs(os.environ.get("AWS_ENDPOINT_URL")).send_message(
        QueueUrl=queue_url, MessageBody=json.dumps({"tradeprice": CONTINUATION, "job_id": job_id})
    )
