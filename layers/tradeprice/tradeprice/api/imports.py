"""The imports API's request and response shapes (POST /v1/imports, GET /v1/imports[/{id}]), mapped explicitly
from the logic's job views."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator, model_validator

from tradeprice.domain.models import ImportCounts, ImportKind, ImportMode, ImportStatus
from tradeprice.domain.types import Slug

if TYPE_CHECKING:  # the OpenAPI document imports these models; the import logic loads only where it runs
    from tradeprice.logic.imports import JobView, Options, Upload


class ImportIn(BaseModel):
    """POST /v1/imports: what the file is and how to import it; all of it is bound to the upload URL."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ImportKind = ImportKind.PRICES
    mode: ImportMode = ImportMode.UPSERT
    """upsert (default), replace (a full sync of `price_list`), or dry_run (write nothing, report what would change)."""
    price_list: Slug | None = None
    """Prices only: the list the file's rows go to (else each row names its list in a price_list column)."""
    force: StrictBool = False
    """Import even when a guardrail would stop it (a price moving ×100, a replace removing most of a list)."""
    sheet: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    """XLSX: the sheet to read (default: the first)."""
    profile: (
        Literal["unleashed", "cin7", "katana", "brightpearl", "linnworks", "netsuite", "business-central"] | None
    ) = None
    """Prices: the file is an ERP's export (Unleashed pricing or products CSV, NetSuite item pricing, Linnworks
    channel prices), read through that system's file adapter (docs/integrations/<system>.md); with `resource`, the
    system's native JSON payload (.json, or .jsonl one record per line), written as the integrations API writes it."""
    resource: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{0,63}$")] | None = None
    """With a profile: the file is the native payload of this resource (as in /v1/integrations/{system}/{resource})."""
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    """With a profile: the currency of the lists the file's rows need and that do not exist yet."""
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "upload.csv"
    """The file's name; its extension tells CSV, XLSX and JSON Lines apart where the content does not."""

    @field_validator("mode", mode="before")
    @classmethod
    def _dashed_mode(cls, value: object) -> object:
        return value.replace("-", "_") if isinstance(value, str) else value

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if self.price_list is not None and self.kind is not ImportKind.PRICES:
            raise ValueError("price_list applies to price files only")
        if self.mode is ImportMode.REPLACE and (self.kind is not ImportKind.PRICES or self.price_list is None):
            raise ValueError("replace is a full sync of one price list: it needs kind prices and a price_list")
        if self.profile is not None and (self.kind is not ImportKind.PRICES or self.mode is ImportMode.REPLACE):
            raise ValueError("a profile reads an ERP's price file: it needs kind prices and mode upsert or dry_run")
        if self.currency is not None and self.profile is None:
            raise ValueError("currency applies to files with a profile")
        if self.resource is not None and self.profile is None:
            raise ValueError("resource applies to native JSON payloads read with a profile")
        return self

    def to_options(self) -> "Options":
        from tradeprice.logic.imports import Options

        return Options(
            kind=self.kind,
            mode=self.mode,
            price_list=self.price_list,
            force=self.force,
            sheet=self.sheet,
            profile=self.profile,
            profile_options={
                name: value for name, value in (("currency", self.currency), ("resource", self.resource)) if value
            },
        )


class Link(BaseModel):
    key: str
    url: str


class Progress(BaseModel):
    phase: Literal["queued", "validating", "writing", "removing", "done"]
    percent: Annotated[int, Field(ge=0, le=100)]
    bytes_read: int
    bytes_total: int | None
    records_done: int
    records_total: int | None


class ImportJobOut(BaseModel):
    """An import job as merchants follow it. In a dry run, the counts say what the import would do."""

    id: str
    status: ImportStatus
    kind: ImportKind
    mode: ImportMode
    price_list: str | None
    force: bool
    sheet: str | None
    profile: str | None
    """The ERP whose file adapter reads the file, if any."""
    bucket: str
    key: str
    version_id: str | None
    counts: ImportCounts
    progress: Progress
    failure: str | None
    """Why it failed (`failed` only)."""
    summary: str | None
    """`partially_succeeded`: how many rows were rejected, and where they are listed (a failure it is not)."""
    note: str | None
    started_by: str | None
    """The API key's principal for uploads through POST /v1/imports, `s3` for files dropped in the bucket."""
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime | None
    runs: int
    """Invocations that worked on the file (more than one for a file that outlasts one invocation)."""
    report: Link | None
    """The error report: line, column, value, reason (cells made safe to open in Excel)."""
    plan: Link | None
    """dry_run: every record the import would create, change or remove, old → new."""
    links_expire_at: datetime | None


class UploadInstructions(BaseModel):
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    """Send exactly these headers with the file: they are part of the URL's signature."""


class UploadOut(BaseModel):
    job_id: str
    upload: UploadInstructions
    expires_at: datetime
    job: ImportJobOut


def job_out(view: "JobView") -> ImportJobOut:
    job, state = view.stored.job, view.stored.state
    phase: Literal["queued", "validating", "writing", "removing", "done"]
    if job.status is ImportStatus.QUEUED:
        phase, percent = "queued", 0
    elif job.status is not ImportStatus.RUNNING:
        phase, percent = "done", 100
    elif state.phase == "validate":
        share = job.bytes_read / job.bytes_total if job.bytes_total else 0
        phase, percent = "validating", int(40 * min(share, 1))
    elif state.phase == "write":
        share = state.records_done / state.records_total if state.records_total else 1
        phase, percent = "writing", 40 + int(55 * min(share, 1))
    else:
        phase, percent = "removing", 95
    return ImportJobOut(
        id=job.id,
        status=job.status,
        kind=job.kind,
        mode=job.mode,
        price_list=job.price_list,
        force=state.force,
        sheet=state.sheet,
        profile=state.profile,
        bucket=job.bucket,
        key=job.key,
        version_id=job.version_id,
        counts=job.counts,
        progress=Progress(
            phase=phase,
            percent=percent,
            bytes_read=job.bytes_read,
            bytes_total=job.bytes_total,
            records_done=state.records_done,
            records_total=state.records_total,
        ),
        failure=job.failure,
        summary=job.summary,
        note=view.note,
        started_by=job.started_by,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        updated_at=view.stored.updated_at,
        runs=state.runs,
        report=Link(key=job.error_report_key, url=view.report_url)
        if job.error_report_key and view.report_url
        else None,
        plan=Link(key=state.plan_report_key, url=view.plan_url) if state.plan_report_key and view.plan_url else None,
        links_expire_at=view.links_expire_at,
    )


def upload_out(upload: "Upload") -> UploadOut:
    return UploadOut(
        job_id=upload.view.stored.job.id,
        upload=UploadInstructions(url=upload.url, headers=upload.headers),
        expires_at=upload.expires_at,
        job=job_out(upload.view),
    )
