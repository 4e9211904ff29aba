"""Grouping of change events: how many events a large write becomes.

These tests run the change-stream function's grouping (`group` + `compose`) over history entries built in memory,
with an in-memory stand-in for the per-group counter the history table keeps (one atomic ADD per group and
batch). They do not write 100,000 rows through DynamoDB or read a real stream: they cover the arithmetic that bounds
the event count, fed batch by batch as the stream would feed it. The end-to-end path (write → stream → function →
EventBridge → queue) is covered by tests/integration/test_change_events.py.
"""

from collections import Counter

from tests.asyncapi_validation import assert_valid_event
from tradeprice.config import Settings
from tradeprice.data.history import Entry
from tradeprice.logic.changes import compose, group

SETTINGS = Settings(event_max_changes=100, event_max_per_group=10)


def _entry(sequence: int, *, price_list: str = "trade", request: str | None = "job-1") -> Entry:
    author = {"kind": "import", "id": "job-1"} | ({"request": request} if request else {})
    after = {
        "price_list": {"S": price_list},
        "sku": {"S": f"SKU-{sequence}"},
        "tiers": {"S": "1:1.00"},
        "updated_at": {"S": "2026-12-01T10:00:00.000000Z"},
    }
    return Entry(
        "price",
        {"price_list": price_list, "sku": f"SKU-{sequence}"},
        "created",
        "2026-12-01T10:00:00.000000Z",
        str(sequence),
        author,
        None,
        after,
    )


class Budget:
    """The history table's per-group counter, in memory: returns the count before adding."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, name: str, count: int) -> int:
        before = self.counts[name]
        self.counts[name] += count
        return before


def test_a_100000_row_import_is_a_bounded_number_of_events() -> None:
    # Given a 100,000-row import on one list, arriving as the stream delivers it: batches of 1,000 records
    budget = Budget()
    events = []
    for start in range(0, 100_000, 1_000):
        batch = [_entry(sequence) for sequence in range(start, start + 1_000)]
        events.extend(compose(group(batch), SETTINGS, budget))

    # Then it is 10 detailed events of 100 SKUs each, then one pointer to the job, then nothing
    assert len(events) == 11
    for detail_type, detail in events:
        assert_valid_event(detail_type, detail)
    detailed, pointer = events[:10], events[10]
    assert all(detail["count"] == 100 and not detail["truncated"] for _, detail in detailed)
    assert pointer[1]["truncated"] is True
    assert pointer[1]["changes"] == []
    assert pointer[1]["links"]["job"] == "/v1/imports/job-1"
    assert pointer[1]["links"]["changed_since"].startswith("/v1/price-lists/trade/prices?updated_since=")


def test_each_list_of_an_import_has_its_own_budget() -> None:
    budget = Budget()
    batch = [_entry(i, price_list="trade" if i % 2 else "retail") for i in range(4_000)]
    events = compose(group(batch), SETTINGS, budget)
    assert Counter(detail["price_list"] for _, detail in events) == {"trade": 11, "retail": 11}


def test_a_small_api_batch_is_one_event_naming_every_change() -> None:
    events = compose(group([_entry(i, request="req-1") for i in range(40)]), SETTINGS, Budget())
    assert len(events) == 1
    assert events[0][1]["count"] == 40


def test_changes_without_a_request_are_never_silenced() -> None:
    # A write with no request or job to group by (a script) is announced in full, 100 changes an event
    events = compose(group([_entry(i, request=None) for i in range(2_500)]), SETTINGS, Budget())
    assert len(events) == 25
    assert not any(detail["truncated"] for _, detail in events)
