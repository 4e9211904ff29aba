"""Now, as every record and lookup sees it: an aware UTC instant."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
