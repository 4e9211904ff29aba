"""Import job records. The job id is derived from the object version, so a duplicate S3 event finds its job."""

from botocore.exceptions import ClientError

from tradeprice.config import get_settings
from tradeprice.data import codec
from tradeprice.data.aws import dynamodb
from tradeprice.domain.models import ImportJob


def create(job: ImportJob) -> bool:
    """Store a new job; False when a job with this id already exists (a duplicate delivery)."""
    try:
        dynamodb().put_item(
            TableName=get_settings().import_jobs_table,
            Item=codec.to_item(job),
            ConditionExpression="attribute_not_exists(id)",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save(job: ImportJob) -> None:
    dynamodb().put_item(TableName=get_settings().import_jobs_table, Item=codec.to_item(job))


def get(job_id: str) -> ImportJob | None:
    item = dynamodb().get_item(TableName=get_settings().import_jobs_table, Key={"id": {"S": job_id}}).get("Item")
    return codec.from_item(ImportJob, item) if item else None
