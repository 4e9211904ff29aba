"""File imports (docs/imports.md): a file in the imports bucket becomes records through the write
path the API uses (catalog, customers), and is never half-applied by surprise.

This module is where a file meets its job: which job an object version is (one per version; the one POST
/v1/imports made for a presigned upload), with which options (object metadata, then a sidecar manifest, then
the key), and which invocation holds it (a lease). The work on the file itself — validate, write, remove, with
checkpoints — is logic/import_run/ (a module per phase). The imports API's operations are at the end.
"""

import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

from aws_lambda_powertools import Logger

from tradeprice.config import get_settings
from tradeprice.data import jobs, objects
from tradeprice.data.jobs import JobState, StoredJob
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.models import ImportJob, ImportKind, ImportMode, ImportStatus
from tradeprice.domain.types import SLUG_PATTERN, utc_now
from tradeprice.errors import Conflict, InvalidFile, InvalidInput, NotFound
from tradeprice.integrations import files
from tradeprice.logic.import_native import check_native
from tradeprice.logic.import_profile import check_profile
from tradeprice.logic.import_run import Budget, ImportRun, JobTaken

__all__ = [
    "MANIFEST_SUFFIX",
    "Budget",
    "JobView",
    "Options",
    "Target",
    "Upload",
    "continue_job",
    "describe_job",
    "import_object",
    "job_id_for",
    "page_jobs",
    "parse_key",
    "resolve_options",
    "start_upload",
]

logger = Logger(child=True)

MANIFEST_SUFFIX = ".manifest.json"
"""`<file>.manifest.json` next to a file sets its options (for tools that cannot set object metadata)."""
MANIFEST_MAX_BYTES = 64 * 1024
TERMINAL = frozenset({ImportStatus.SUCCEEDED, ImportStatus.PARTIALLY_SUCCEEDED, ImportStatus.FAILED})

_TRUE = frozenset({"true", "yes", "1", "y", "on"})
_FALSE = frozenset({"false", "no", "0", "n", "off", ""})
_MODES = {"upsert": ImportMode.UPSERT, "replace": ImportMode.REPLACE, "dry_run": ImportMode.DRY_RUN}


# Where a file goes and how -----------------------------------------------------------------------------------------


def job_id_for(bucket: str, key: str, version_id: str | None) -> str:
    """One job per object version: a duplicate S3 event for the same version maps to the same job."""
    return hashlib.sha256(f"{bucket}\n{key}\n{version_id or ''}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Target:
    """What a key says: imports/<kind>/[<price list>/]<file> (a list folder applies to prices only)."""

    kind: ImportKind
    price_list: str | None


def parse_key(key: str) -> Target:
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != "imports" or not parts[-1]:
        raise InvalidFile(f"'{key}' is not a file under imports/<kind>/")
    try:
        kind = ImportKind(parts[1])
    except ValueError:
        raise InvalidFile(
            f"unknown import kind '{parts[1]}'; use one of {', '.join(k.value for k in ImportKind)}"
        ) from None
    price_list = parts[2] if kind is ImportKind.PRICES and len(parts) >= 4 else None
    return Target(kind, price_list)


@dataclass(frozen=True, slots=True)
class Options:
    kind: ImportKind
    mode: ImportMode = ImportMode.UPSERT
    price_list: str | None = None
    force: bool = False
    sheet: str | None = None
    profile: str | None = None
    """An ERP's file: its rows go through that system's file adapter (logic/import_profile.py)."""
    profile_options: dict[str, Any] = field(default_factory=dict)
    """The adapter's options: `currency`, `tier_names`, `currency_map`; for a native JSON payload also `resource`
    (the integrations API's resource, logic/import_native.py) and `currencies` (NetSuite price levels)."""


def parse_mode(text: str) -> ImportMode:
    mode = _MODES.get(text.strip().lower().replace("-", "_").replace(" ", "_"))
    if mode is None:
        raise InvalidFile(f"mode '{text}' is not one of upsert, replace, dry_run")
    return mode


def _flag(text: Any, name: str) -> bool:
    if isinstance(text, bool):
        return text
    lowered = str(text).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise InvalidFile(f"{name} '{text}' is not true or false")


def resolve_options(key: str, metadata: dict[str, str], manifest: dict[str, Any] | None) -> Options:
    """A dropped file's options: object metadata first (it belongs to this very upload, and a presigned upload
    signs it), then the sidecar manifest (it may be older than the file), then the key (kind and list folder),
    then the defaults. Metadata or a manifest contradicting the key's kind or list folder fails the job: a file
    under imports/prices/trade/ is never written to another list."""
    target = parse_key(key)
    manifest = manifest or {}

    def pick(*names: str) -> Any:
        for name in names:
            if name in metadata:
                return unquote(metadata[name])
        for name in names:
            if name in manifest and manifest[name] is not None:
                return manifest[name]
        return None

    kind_text = pick("kind")
    if kind_text is not None and str(kind_text) != target.kind.value:
        raise InvalidFile(f"the file is under imports/{target.kind.value}/ but its options say kind '{kind_text}'")
    price_list = pick("price-list", "price_list")
    if price_list is not None:
        price_list = str(price_list)
        if target.kind is not ImportKind.PRICES:
            raise InvalidFile("a price list applies to price files only")
        if target.price_list is not None and price_list != target.price_list:
            raise InvalidFile(
                f"the file is under imports/prices/{target.price_list}/ but its options say price list '{price_list}'"
            )
        if not _slug(price_list):
            raise InvalidFile(f"'{price_list}' is not a price list slug")
    mode_text = pick("mode")
    mode = parse_mode(str(mode_text)) if mode_text is not None else ImportMode.UPSERT
    force_text = pick("force")
    sheet = pick("sheet")
    profile = pick("profile")
    profile_options: dict[str, Any] = {}
    if profile not in (None, ""):
        profile = str(profile).strip().lower()
        currency = pick("currency")
        if currency not in (None, ""):
            profile_options["currency"] = str(currency).strip().upper()
        for option in ("tier_names", "currency_map"):
            value = pick(option.replace("_", "-"), option)
            if value not in (None, ""):
                profile_options[option] = _text_map(value, option)
        resource = pick("resource")
        if resource not in (None, ""):
            profile_options["resource"] = str(resource).strip().lower()
        elif target_is_json(key) and profile not in files.PROFILES:
            raise InvalidFile(
                f"a native JSON payload with profile '{profile}' needs its resource: set `resource` in the file's "
                "metadata or manifest (the resource of POST /v1/integrations/{system}/{resource})"
            )
        currencies = pick("currencies")
        if currencies not in (None, ""):
            profile_options["currencies"] = _codes(currencies)
    elif pick("resource") not in (None, ""):
        raise InvalidFile("resource applies to native JSON payloads read with a profile: set profile too")
    options = Options(
        kind=target.kind,
        mode=mode,
        price_list=price_list or target.price_list,
        force=_flag(force_text, "force") if force_text is not None else False,
        sheet=str(sheet) if sheet not in (None, "") else None,
        profile=profile or None,
        profile_options=profile_options,
    )
    check_options(options)
    return options


def target_is_json(name: str) -> bool:
    """A .json or .jsonl file: with a profile that has no documented export file, it can only be the system's
    native payload, so it needs a resource (a file profile's .jsonl without one is read as rows)."""
    return name.lower().endswith((".json", ".jsonl"))


def _codes(value: Any) -> list[str]:
    """Currency codes: a manifest's JSON array, or metadata's comma-separated text."""
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip().upper() for item in items if str(item).strip()]


def _text_map(value: Any, name: str) -> dict[str, str]:
    """A manifest's JSON object, or metadata's JSON text of one, of text to text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidFile(f"{name} must be a JSON object of text to text") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InvalidFile(f"{name} must be a JSON object of text to text")
    return {str(k): v for k, v in value.items()}


def check_options(options: Options) -> None:
    if options.profile is not None:
        resource = options.profile_options.get("resource")
        if resource is None:
            check_profile(options.profile)
        else:
            check_native(options.profile, str(resource))
            if options.mode is ImportMode.DRY_RUN:
                raise InvalidFile(
                    "dry_run is not available for a native JSON payload (profile with resource): it is written "
                    "as POST /v1/integrations writes it; use upsert"
                )
        if options.kind is not ImportKind.PRICES:
            raise InvalidFile(
                f"a profile reads an ERP's price file: put it under imports/prices/, not imports/{options.kind.value}/"
            )
        if options.mode is ImportMode.REPLACE:
            raise InvalidFile(
                "replace is not available with a profile: an ERP's file may fill several lists; use upsert"
            )
    if options.mode is ImportMode.REPLACE and (options.kind is not ImportKind.PRICES or options.price_list is None):
        raise InvalidFile("replace is a full sync of one price list: it needs a price file and its list")


def _slug(text: str) -> bool:
    return re.fullmatch(SLUG_PATTERN, text) is not None


def _manifest(bucket: str, key: str) -> dict[str, Any] | None:
    text = objects.read_text(bucket, key + MANIFEST_SUFFIX, max_bytes=MANIFEST_MAX_BYTES)
    if text is None:
        return None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise InvalidFile(f"{key}{MANIFEST_SUFFIX} is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise InvalidFile(f"{key}{MANIFEST_SUFFIX} must be a JSON object")
    return document


# Entry points of the import function --------------------------------------------------------------------------------


def import_object(
    bucket: str, key: str, version_id: str | None, budget: Budget, *, attempt: int = 1
) -> ImportJob | None:
    """Import one object version once: a file's own faults fail its job; AWS faults raise (the queue retries)."""
    if key.endswith(MANIFEST_SUFFIX):
        logger.info("manifest stored; it applies to its file when that arrives", extra={"key": key})
        return None
    if key.endswith("/"):
        return None  # a "folder" made in the console
    try:
        info = objects.head_object(bucket, key, version_id)
    except NotFound:
        logger.info("object gone before it was imported", extra={"key": key, "version_id": version_id})
        return None
    stored = _job_for_object(info)
    return _take_and_run(stored, info, budget, attempt)


def continue_job(job_id: str, budget: Budget, *, attempt: int = 1) -> ImportJob | None:
    """The next invocation of a job that stopped to continue."""
    stored = jobs.load(job_id)
    if stored is None:
        logger.warning("continuation for an unknown job dropped", extra={"job_id": job_id})
        return None
    return _take_and_run(stored, None, budget, attempt)


def _job_for_object(info: objects.ObjectInfo) -> StoredJob:
    """The job of this object version: the one POST /v1/imports made for the upload (x-amz-meta-job-id), else one
    derived from bucket, key and version, created on first sight."""
    presigned: StoredJob | None = None
    named = info.metadata.get("job-id")
    if named:
        presigned = jobs.load(named)
        if presigned is not None and (presigned.job.bucket, presigned.job.key) != (info.bucket, info.key):
            presigned = None  # a job id copied onto another object: not that job's file
        if presigned is not None and presigned.job.version_id in (None, info.version_id):
            return presigned
    job_id = job_id_for(info.bucket, info.key, info.version_id)
    existing = jobs.load(job_id)
    if existing is not None:
        return existing
    now = utc_now()
    job = ImportJob(
        id=job_id,
        bucket=info.bucket,
        key=info.key,
        version_id=info.version_id,
        kind=ImportKind.PRICES,
        created_at=now,
        started_by=presigned.job.started_by if presigned is not None else "s3",
        bytes_total=info.size,
    )
    state = JobState()
    try:
        if presigned is not None:  # a second upload through one presigned URL: the same options, its own job
            options = Options(
                presigned.job.kind,
                presigned.job.mode,
                presigned.job.price_list,
                presigned.state.force,
                presigned.state.sheet,
                presigned.state.profile,
                dict(presigned.state.profile_options),
            )
        else:
            options = resolve_options(info.key, info.metadata, _manifest(info.bucket, info.key))
        job = job.model_copy(update={"kind": options.kind, "mode": options.mode, "price_list": options.price_list})
        state = state.model_copy(
            update={
                "force": options.force,
                "sheet": options.sheet,
                "profile": options.profile,
                "profile_options": options.profile_options,
            }
        )
    except InvalidFile as error:
        try:
            kind = parse_key(info.key).kind
        except InvalidFile:
            kind = ImportKind.PRICES
        job = job.model_copy(
            update={"kind": kind, "status": ImportStatus.FAILED, "failure": error.detail, "finished_at": now}
        )
        logger.info("import refused", extra={"job_id": job_id, "key": info.key, "reason": error.detail})
    candidate = StoredJob(job=job, state=state)
    jobs.create(candidate)  # False: a duplicate delivery created it a moment ago; either way, read what is stored
    return jobs.load(job_id) or candidate


def _take_and_run(stored: StoredJob, info: objects.ObjectInfo | None, budget: Budget, attempt: int) -> ImportJob:
    job = stored.job
    if job.status in TERMINAL:
        logger.info("import already finished; delivery skipped", extra={"job_id": job.id, "status": job.status})
        return job
    now = time.time()
    if stored.leased(now):
        logger.info("import running in another invocation; delivery skipped", extra={"job_id": job.id})
        return job
    crashed = stored.state.runs > 0 and not stored.state.handoff
    update: dict[str, Any] = {"status": ImportStatus.RUNNING, "started_at": job.started_at or utc_now()}
    if info is not None:
        update |= {"version_id": info.version_id, "bytes_total": info.size}
    try:
        taken = jobs.save(
            replace(
                stored,
                job=job.model_copy(update=update),
                state=stored.state.model_copy(update={"runs": stored.state.runs + 1, "handoff": False}),
                lease_token=uuid.uuid4().hex,
                lease_until=now + budget.lease_seconds(),
            )
        )
    except Conflict:
        logger.info("another invocation took the import first", extra={"job_id": job.id})
        return job
    logger.append_keys(job_id=job.id)
    run = ImportRun(taken, budget, crashed=crashed)
    try:
        with acting_as(Author("import", job.id, name=job.started_by, request=job.id)):
            return run.execute()
    except JobTaken:
        logger.warning("import taken by another invocation; this one stops", extra={"job_id": job.id})
        return run.stored.job
    except Exception as error:
        run.abandon(error, give_up=attempt >= get_settings().import_max_attempts, attempt=attempt)
        raise
    finally:
        logger.remove_keys(["job_id"])


# What the imports API does -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobView:
    """A job as the API shows it: the record, its state, and links to its reports."""

    stored: StoredJob
    report_url: str | None = None
    plan_url: str | None = None
    links_expire_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Upload:
    view: JobView
    url: str
    headers: dict[str, str]
    expires_at: datetime


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-.")[:100]
    return cleaned or "upload"


def start_upload(options: Options, filename: str, started_by: str) -> Upload:
    """POST /v1/imports: a queued job and a presigned PUT for its file, the options signed into the upload."""
    try:
        check_options(options)
    except InvalidFile as error:
        raise InvalidInput(error.detail, [{"field": "mode", "reason": error.detail}]) from None
    settings = get_settings()
    job_id = uuid.uuid4().hex
    folder = f"imports/{options.kind.value}/" + (f"{options.price_list}/" if options.price_list else "")
    key = f"{folder}{job_id}-{_safe_filename(filename)}"
    now = utc_now()
    expires_at = now + timedelta(seconds=settings.import_upload_url_seconds)
    metadata = {"job-id": job_id, "kind": options.kind.value, "mode": options.mode.value}
    if options.price_list:
        metadata["price-list"] = options.price_list
    if options.force:
        metadata["force"] = "true"
    if options.sheet:
        metadata["sheet"] = quote(options.sheet, safe="")
    if options.profile:
        metadata["profile"] = options.profile
        if "currency" in options.profile_options:
            metadata["currency"] = options.profile_options["currency"]
        if "resource" in options.profile_options:
            metadata["resource"] = options.profile_options["resource"]
    stored = StoredJob(
        job=ImportJob(
            id=job_id,
            bucket=settings.imports_bucket,
            key=key,
            kind=options.kind,
            mode=options.mode,
            price_list=options.price_list,
            status=ImportStatus.QUEUED,
            created_at=now,
            started_by=started_by,
        ),
        state=JobState(
            force=options.force,
            sheet=options.sheet,
            profile=options.profile,
            profile_options=options.profile_options,
            upload_expires_at=expires_at,
        ),
    )
    if not jobs.create(stored):  # pragma: no cover - a random 128-bit id
        raise Conflict("job id collision; retry", job_id=job_id)
    url = objects.presign_put(settings.imports_bucket, key, metadata, settings.import_upload_url_seconds)
    headers = {f"x-amz-meta-{name}": value for name, value in metadata.items()}
    logger.info("upload handed out", extra={"job_id": job_id, "key": key, "started_by": started_by})
    return Upload(view=_view(stored), url=url, headers=headers, expires_at=expires_at)


def describe_job(job_id: str, *, personal_data: bool = True) -> JobView:
    """One job. Without `personal_data` (a read key), a customers job comes without its report links."""
    stored = jobs.load(job_id)
    if stored is None:
        raise NotFound(f"import job '{job_id}' does not exist", job_id=job_id)
    return _view(stored, personal_data=personal_data)


def page_jobs(
    limit: int, cursor: str | None, updated_since: datetime | None, *, personal_data: bool = True
) -> tuple[list[JobView], str | None]:
    found, next_cursor = jobs.page(limit, cursor, updated_since)
    return [_view(stored, personal_data=personal_data) for stored in found], next_cursor


PERSONAL_DATA_NOTE = (
    "this job's plan and error report quote customers' fields: they are linked for write and admin keys only"
)


def _view(stored: StoredJob, *, personal_data: bool = True) -> JobView:
    settings = get_settings()
    job, state = stored.job, stored.state
    seconds = settings.import_report_url_seconds
    report_key, plan_key = job.error_report_key, state.plan_report_key
    withheld = job.kind is ImportKind.CUSTOMERS and not personal_data and bool(report_key or plan_key)
    if withheld:
        report_key = plan_key = None
    report_url = objects.presign_get(job.bucket, report_key, seconds) if report_key else None
    plan_url = objects.presign_get(job.bucket, plan_key, seconds) if plan_key else None
    note = PERSONAL_DATA_NOTE if withheld else None
    now = utc_now()
    expires = state.upload_expires_at
    if job.status is ImportStatus.QUEUED and job.version_id is None and expires is not None and now > expires:
        note = f"no file arrived before the upload link expired at {expires.isoformat()}"
    elif (
        job.status is ImportStatus.RUNNING and not stored.leased(time.time()) and not state.handoff and state.last_error
    ):
        note = f"retrying after: {state.last_error}"
    links_expire = now + timedelta(seconds=seconds) if report_url or plan_url else None
    return JobView(stored, report_url=report_url, plan_url=plan_url, links_expire_at=links_expire, note=note)
