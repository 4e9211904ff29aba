"""The imports bucket: streaming reads of dropped files, their manifests, error reports, and presigned links."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from tradeprice.data.aws import s3
from tradeprice.errors import InvalidFile, NotFound

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK = 1 << 16
"""Bytes read from S3 at a time: memory does not grow with the file."""

_MISSING = frozenset({"NoSuchKey", "NoSuchVersion", "404", "NotFound"})


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    bucket: str
    key: str
    version_id: str | None
    size: int
    metadata: dict[str, str]
    """User metadata (x-amz-meta-*), names lower-cased as S3 keeps them."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    bucket: str
    key: str
    version_id: str | None
    size: int
    metadata: dict[str, str]
    chunks: Iterator[bytes]
    close: Callable[[], None]


def _request(bucket: str, key: str, version_id: str | None) -> dict[str, Any]:
    return {"Bucket": bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING


def head_object(bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
    """An object's version, size and metadata, without its body. NotFound when it (or that version) is gone."""
    try:
        response = s3().head_object(**_request(bucket, key, version_id))
    except ClientError as error:
        if _missing(error):
            raise NotFound(f"s3://{bucket}/{key} no longer exists", key=key) from error
        raise
    return ObjectInfo(
        bucket=bucket,
        key=key,
        version_id=response.get("VersionId"),
        size=response["ContentLength"],
        metadata={name.lower(): value for name, value in response.get("Metadata", {}).items()},
    )


def open_object(bucket: str, key: str, version_id: str | None = None) -> StoredObject:
    """Open an object (one version of it) for streaming; the body is read in chunks, never whole."""
    try:
        response = s3().get_object(**_request(bucket, key, version_id))
    except ClientError as error:
        if _missing(error):
            raise NotFound(f"s3://{bucket}/{key} no longer exists", key=key) from error
        raise
    return StoredObject(
        bucket=bucket,
        key=key,
        version_id=response.get("VersionId"),
        size=response["ContentLength"],
        metadata={name.lower(): value for name, value in response.get("Metadata", {}).items()},
        chunks=response["Body"].iter_chunks(chunk_size=CHUNK),
        close=response["Body"].close,
    )


def read_text(bucket: str, key: str, *, max_bytes: int | None = None) -> str | None:
    """A small text object (a manifest, a report), or None when there is none. UTF-8, with or without a BOM."""
    try:
        response = s3().get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _missing(error):
            return None
        raise
    body = response["Body"]
    try:
        if max_bytes is not None and response["ContentLength"] > max_bytes:
            raise InvalidFile(f"s3://{bucket}/{key} is {response['ContentLength']:,} bytes; at most {max_bytes:,}")
        data = body.read()
    finally:
        body.close()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidFile(f"s3://{bucket}/{key} is not UTF-8 text") from error


def put_text(bucket: str, key: str, text: str, content_type: str) -> None:
    s3().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8-sig"), ContentType=content_type)


def put_file(bucket: str, key: str, file: IO[bytes], content_type: str) -> None:
    """Upload an open binary file from its start (a spooled report): streamed, not read into memory first."""
    file.seek(0)
    s3().put_object(Bucket=bucket, Key=key, Body=file, ContentType=content_type)


# Presigned links ---------------------------------------------------------------------------------------------------


@cache
def _presigner(endpoint: str | None) -> "S3Client":
    """A client for signing links. On AWS, virtual-hosted and regional (a new bucket's global name may redirect,
    which breaks a signed PUT); against a local endpoint (moto), path-style."""
    config = Config(signature_version="s3v4", s3={"addressing_style": "path" if endpoint else "virtual"})
    return cast("S3Client", botocore.session.get_session().create_client("s3", config=config))


def _signer() -> "S3Client":
    return _presigner(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"))


def presign_put(bucket: str, key: str, metadata: dict[str, str], expires_seconds: int) -> str:
    """A URL that uploads exactly this key with exactly this metadata: the x-amz-meta-* headers are signed, so the
    uploader must send them as given and cannot change them."""
    return _signer().generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key, "Metadata": metadata}, ExpiresIn=expires_seconds
    )


def presign_get(bucket: str, key: str, expires_seconds: int) -> str:
    return _signer().generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_seconds
    )


def bucket_origin(bucket: str) -> str:
    """The origin (scheme://host[:port]) the bucket's presigned links point at, so a page's Content-Security-Policy
    can let a browser reach that one origin and no other. Signing makes no request."""
    url = urlsplit(_signer().generate_presigned_url("head_bucket", Params={"Bucket": bucket}, ExpiresIn=60))
    return f"{url.scheme}://{url.netloc}"
