"""Who is changing the data: set once where a request or a job starts, stamped by the data layer on every write.

Every write path already knows its author (the API key behind a request, the import job, the integration a
native payload came through), but threading an `author` argument through every logic and data function would
touch dozens of signatures for a value none of them decide on. So the entry point says who is acting, for the
extent of a `with acting_as(...)` block, and the data layer reads `current()` when it builds an item
(`changed_by`). A context variable is per thread and per asyncio task; the data layer's worker threads copy the
caller's context (data/batch.parallel_map), so writes made in parallel carry the same author.

The change-stream function reads `changed_by` from each stored item's image, which is how every change event and
history entry names its author, whichever path wrote it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Literal

from tradeprice.domain.records import record

AuthorKind = Literal["api_key", "staff", "import", "integration", "system"]


@record
class Author:
    kind: AuthorKind
    id: str
    """The API key's id, the staff member's email, the import job's id, the integration's system name, or what a
    system actor is."""
    name: str | None = None
    """A readable name: the API key's name (also for an integration, whose payload came with a key)."""
    request: str | None = None
    """What groups changes into one event: the API request id, or the import job id."""

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"kind": self.kind, "id": self.id}
        if self.name is not None:
            document["name"] = self.name
        if self.request is not None:
            document["request"] = self.request
        return document

    def through(self, system: str) -> "Author":
        """The same caller, acting through an integration adapter (`system`): the key's name is kept."""
        return replace(self, kind="integration", id=system)


UNATTRIBUTED = Author("system", "unattributed")
"""A write made outside any entry point that says who (a script, a test)."""

_current: ContextVar[Author] = ContextVar("tradeprice_author", default=UNATTRIBUTED)


def current() -> Author:
    return _current.get()


@contextmanager
def acting_as(author: Author) -> Iterator[Author]:
    token = _current.set(author)
    try:
        yield author
    finally:
        _current.reset(token)
