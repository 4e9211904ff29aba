"""The imports bucket: streaming reads of dropped files and writes of error reports."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from botocore.exceptions import ClientError

from tradeprice.data.aws import s3
from tradeprice.errors import NotFound


@dataclass(frozen=True, slots=True)
class StoredObject:
    bucket: str
    key: str
    version_id: str | None
    size: int
    metadata: dict[str, str]
    chunks: Iterator[bytes]
    close: Callable[[], None]


def open_object(bucket: str, key: str, version_id: str | None = None) -> StoredObject:
    """Open an object for streaming; the body is read in chunks, never whole."""
    request = {"Bucket": bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
    try:
        response = s3().get_object(**request)  # type: ignore[arg-type]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchVersion", "404"}:
            raise NotFound(f"s3://{bucket}/{key} no longer exists", key=key) from error
        raise
    return StoredObject(
        bucket=bucket,
        key=key,
        version_id=response.get("VersionId"),
        size=response["ContentLength"],
        metadata=response.get("Metadata", {}),
        chunks=response["Body"].iter_chunks(chunk_size=1 << 16),
        close=response["Body"].close,
    )


def put_text(bucket: str, key: str, text: str, content_type: str) -> None:
    s3().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8-sig"), ContentType=content_type)
