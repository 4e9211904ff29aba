"""The EventBridge bus change events are published on."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from tradeprice.config import get_settings
from tradeprice.data.aws import build_client
from tradeprice.data.batch import chunks
from tradeprice.errors import StoreUnavailable

SOURCE = "tradeprice"
PUT_EVENTS_LIMIT = 10
"""PutEvents takes at most 10 entries a call."""
_ROUNDS = 3


@cache
def events() -> Any:  # no type stubs for EventBridge are installed; only put_events is called
    return build_client("events")


def publish(entries: Sequence[tuple[str, str]]) -> int:
    """Put (detail-type, detail JSON) entries on the bus, 10 a call; returns the calls made.

    PutEvents may accept a call yet fail some of its entries (throttling, an internal error): those are put
    again, and if any still fail the call raises, so the stream batch is retried (events are at least once).
    """
    bus = get_settings().event_bus_name
    calls = 0
    for chunk in chunks(list(entries), PUT_EVENTS_LIMIT):
        pending: list[Any] = [
            {"Source": SOURCE, "DetailType": kind, "Detail": detail, "EventBusName": bus} for kind, detail in chunk
        ]
        for _ in range(_ROUNDS):
            response = events().put_events(Entries=pending)
            calls += 1
            if not response.get("FailedEntryCount"):
                break
            pending = [
                entry for entry, result in zip(pending, response["Entries"], strict=True) if result.get("ErrorCode")
            ]
        else:
            raise StoreUnavailable("EventBridge kept refusing events", unsent=len(pending))
    return calls
