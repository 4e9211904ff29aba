"""`tradeprice import`: a merchant's file, imported through the API, with a progress bar and a summary.

    tradeprice import prices.csv --price-list trade [--mode replace|dry-run] [--force] --api URL --key KEY

It asks POST /v1/imports for an upload URL (the options are signed into it), uploads the file there, follows
GET /v1/imports/{id} until the job finishes, prints what happened and where the error report is. The API URL
includes the stage (http://127.0.0.1:3000/dev locally); TRADEPRICE_API_URL and TRADEPRICE_API_KEY may stand in for
--api and --key. Exit status: 0 imported, 1 rows were rejected or the import failed, 2 the import could not be
started or followed (arguments, credentials, network), 3 it was still running when --timeout ran out.

Only the standard library talks HTTP here, so the CLI needs nothing beyond the package's own dependencies.
"""

import argparse
import json
import mimetypes
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

KINDS = ("prices", "price-lists", "customer-groups", "customers", "product-rules")
MODES = ("upsert", "replace", "dry-run")
PROFILES = ("unleashed", "cin7", "katana", "brightpearl", "linnworks", "netsuite", "business-central")
TERMINAL = frozenset({"succeeded", "partially_succeeded", "failed"})
BAR_WIDTH = 30

OK, REJECTED, UNUSABLE, TIMED_OUT = 0, 1, 2, 3


class ApiError(Exception):
    """The API (or the upload) answered with an error, or could not be reached."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.api or not args.key:
        _err("tradeprice: give --api and --key (or TRADEPRICE_API_URL and TRADEPRICE_API_KEY)")
        return UNUSABLE
    try:
        return run_import(args)
    except ApiError as error:
        _err(f"tradeprice: {error}")
        return UNUSABLE
    except KeyboardInterrupt:
        _err("\ntradeprice: stopped following; the import goes on (see GET /v1/imports)")
        return UNUSABLE


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tradeprice", description="tradeprice from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser(
        "import",
        help="import a CSV, XLSX or JSON Lines file through the API",
        description="Upload a file through the API, follow its import job, print the summary and the error report.",
    )
    command.add_argument("file", type=Path, help="the CSV, XLSX or JSON Lines file")
    command.add_argument("--kind", choices=KINDS, default="prices", help="what the file holds (default: prices)")
    command.add_argument("--price-list", help="prices: the list the rows go to (else a price_list column names it)")
    command.add_argument("--mode", choices=MODES, default="upsert", help="default upsert; replace syncs the list")
    command.add_argument("--force", action="store_true", help="import even where a guardrail would stop it")
    command.add_argument("--sheet", help="XLSX: the sheet to read (default: the first)")
    command.add_argument(
        "--profile", choices=PROFILES, help="prices: an ERP's export file, read through that system's file adapter"
    )
    command.add_argument(
        "--resource", help="with --profile: the file is that resource's native JSON payload (.json or .jsonl)"
    )
    command.add_argument("--currency", help="with --profile: the currency of lists the file needs that do not exist")
    command.add_argument("--api", default=os.environ.get("TRADEPRICE_API_URL"), help="API URL with its stage")
    command.add_argument("--key", default=os.environ.get("TRADEPRICE_API_KEY"), help="an API key with 'write'")
    command.add_argument("--no-wait", action="store_true", help="upload and print the job id; do not follow it")
    command.add_argument("--timeout", type=float, default=3600, help="seconds to follow the job (default 3600)")
    command.add_argument("--poll", type=float, default=1.0, help=argparse.SUPPRESS)
    return parser


def run_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise ApiError(f"{path} is not a file")
    api = Api(args.api.rstrip("/"), args.key)
    request: dict[str, Any] = {"kind": args.kind, "mode": args.mode.replace("-", "_"), "filename": path.name}
    if args.price_list:
        request["price_list"] = args.price_list
    if args.force:
        request["force"] = True
    if args.sheet:
        request["sheet"] = args.sheet
    if args.profile:
        request["profile"] = args.profile
    if args.resource:
        request["resource"] = args.resource
    if args.currency:
        request["currency"] = args.currency.upper()
    created = api.call("POST", "/v1/imports", request)
    job_id = created["job_id"]
    size = path.stat().st_size
    _err(f"Uploading {path.name} ({size:,} bytes) as import {job_id}")
    with path.open("rb") as file:
        upload(created["upload"], file, size, mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    if args.no_wait:
        sys.stdout.write(job_id + "\n")
        return OK
    job = follow(api, job_id, timeout=args.timeout, poll=args.poll, out=sys.stderr)
    sys.stdout.write(summary(job) + "\n")
    if job["status"] not in TERMINAL:
        return TIMED_OUT
    return OK if job["status"] == "succeeded" and not job["counts"]["rows_rejected"] else REJECTED


class Api:
    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL the merchant gave, http(s) checked below
            _http_url(self.base_url + path),
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "tradeprice-cli",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  # nosec B310  # as above
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise ApiError(f"{method} {path}: {error.code} {_problem(error.read())}") from None
        except urllib.error.URLError as error:
            raise ApiError(f"cannot reach {self.base_url}: {error.reason}") from None


def _http_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ApiError(f"{url} is not an http(s) URL")
    return url


def _problem(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return body.decode(errors="replace")[:300]
    if not isinstance(document, dict):
        return str(document)[:300]
    detail = str(document.get("detail") or document.get("message") or document)
    errors = document.get("errors") or []
    fields = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in errors if isinstance(e, dict))
    return f"{detail} ({fields})" if fields and fields not in detail else detail


def upload(instructions: dict[str, Any], file: IO[bytes], size: int, content_type: str) -> None:
    """PUT the file to the presigned URL with exactly the headers it was signed with, streamed from disk."""
    headers = {**instructions["headers"], "Content-Length": str(size), "Content-Type": content_type}
    request = urllib.request.Request(  # noqa: S310 - the presigned URL the API returned, http(s) checked
        _http_url(instructions["url"]), data=file, method=instructions.get("method", "PUT"), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310  # nosec B310  # as above
            response.read()
    except urllib.error.HTTPError as error:
        raise ApiError(f"the upload was refused: {error.code} {error.read().decode(errors='replace')[:300]}") from None
    except urllib.error.URLError as error:
        raise ApiError(f"the upload failed: {error.reason}") from None


def follow(api: Api, job_id: str, *, timeout: float, poll: float, out: IO[str]) -> dict[str, Any]:
    """GET the job until it finishes (or `timeout`), drawing its progress on `out`."""
    deadline = time.monotonic() + timeout
    bar = ProgressBar(out)
    wait = poll
    while True:
        job: dict[str, Any] = api.call("GET", f"/v1/imports/{job_id}")
        bar.show(job)
        if job["status"] in TERMINAL or time.monotonic() >= deadline:
            bar.done()
            return job
        time.sleep(wait)
        wait = min(wait * 1.5, 5.0)


class ProgressBar:
    """Plain text on stderr: redrawn in place on a terminal, a line per phase and step of 10 % elsewhere (CI logs)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.live = out.isatty()
        self._width = 0
        self._step: tuple[str, int] | None = None

    def show(self, job: dict[str, Any]) -> None:
        progress = job["progress"]
        percent = int(progress["percent"])
        filled = BAR_WIDTH * percent // 100
        detail = progress["phase"]
        if progress["phase"] == "validating" and progress["bytes_total"]:
            detail += f" {progress['bytes_read']:,}/{progress['bytes_total']:,} bytes"
        elif progress["phase"] == "writing" and progress["records_total"]:
            detail += f" {progress['records_done']:,}/{progress['records_total']:,} records"
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {percent:3d}% {detail}"
        if self.live:
            self.out.write("\r" + line.ljust(self._width))
            self.out.flush()
            self._width = len(line)
            return
        step = (progress["phase"], percent // 10)
        if step != self._step:
            self.out.write(line + "\n")
            self._step = step

    def done(self) -> None:
        if self.live:
            self.out.write("\n")
            self.out.flush()


def summary(job: dict[str, Any]) -> str:
    counts = job["counts"]
    dry_run = job["mode"] == "dry_run"
    took = ""
    if job.get("started_at") and job.get("finished_at"):
        from datetime import datetime

        seconds = (
            datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["started_at"])
        ).total_seconds()
        took = f" in {seconds:.1f} s"
    status = job["status"] if job["status"] in TERMINAL else f"still {job['status']} (stopped following)"
    lines = [f"Import {job['id']} ({job['kind']}, {job['mode']}): {status}{took}"]
    would = "would be " if dry_run else ""
    lines.append(
        f"  rows read {counts['rows_read']:,} · {would}written {counts['rows_written']:,} · "
        f"unchanged {counts['rows_unchanged']:,} · rejected {counts['rows_rejected']:,} · "
        f"{would}removed {counts['rows_removed']:,}"
    )
    if dry_run and counts["rows_removed"]:
        lines.append("  (removals happen only with --mode replace; an upsert leaves those SKUs alone)")
    if job.get("failure") or job.get("summary"):
        lines.append(f"  {job.get('failure') or job['summary']}")
    if job.get("report"):
        lines.append(f"  error report: s3://{job['bucket']}/{job['report']['key']}")
        lines.append(f"    download: {job['report']['url']}")
    if job.get("plan"):
        lines.append(f"  dry-run plan: s3://{job['bucket']}/{job['plan']['key']}")
        lines.append(f"    download: {job['plan']['url']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
