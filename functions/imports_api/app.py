"""Imports API: merchants' tools upload files through presigned URLs and follow their import jobs (docs/imports.md).

POST /v1/imports makes a queued job and a presigned PUT with the job's options signed in; the file's arrival in
the bucket starts the import (the import function finds the job by the upload's x-amz-meta-job-id).
GET /v1/imports pages every job; GET /v1/imports/{id} shows one, with links to its reports. A customers job's
plan and error report quote customers' fields, so only a write (or admin) key gets their links; a read key sees
the job's status and counts.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api import paging
from tradeprice.api.access import Caller, Scope, caller_from
from tradeprice.api.imports import ImportIn, job_out, upload_out
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.resolver import new_resolver
from tradeprice.logic import imports

logger = Logger()
app = new_resolver(logger)

READERS = (Scope.READ, Scope.WRITE)


def caller(*scopes: Scope) -> Caller:
    """The authenticated caller, refused (403) unless it holds one of `scopes`."""
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    who.require_any(*scopes)
    return who


@app.post("/v1/imports")
def create_import() -> Response[str]:
    who = caller(Scope.WRITE)
    request = ImportIn.model_validate(parse_json(app.current_event.body))
    upload = imports.start_upload(request.to_options(), request.filename, started_by=who.principal)
    document = upload_out(upload).model_dump(mode="json")
    return Response(status_code=201, content_type="application/json", body=dump_json(document))


@app.get("/v1/imports")
def list_imports() -> Response[str]:
    who = caller(*READERS)
    query = paging.page_query(app.current_event.query_string_parameters)
    views, next_cursor = imports.page_jobs(
        query.limit, query.cursor, query.updated_since, personal_data=who.holds_any(Scope.WRITE)
    )
    items = [job_out(view).model_dump(mode="json") for view in views]
    return paging.page_response(app.current_event, items, next_cursor)


@app.get("/v1/imports/<id>")
def get_import(id: str) -> dict[str, Any]:
    who = caller(*READERS)
    return job_out(imports.describe_job(id, personal_data=who.holds_any(Scope.WRITE))).model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
