"""The history routes: one record's changes, newest first, as the change-stream function recorded them."""

from datetime import datetime
from typing import Any

from tradeprice.data import history
from tradeprice.logic.changes import change_view


def page(
    record: str,
    key: dict[str, str],
    limit: int,
    cursor: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of a record's changes (a deleted record keeps its history; an unknown one has none)."""
    entries, next_cursor = history.page(record, key, limit, cursor, since, until)
    return [change_view(entry) for entry in entries], next_cursor
