"""Native-JSON file imports' outcome: every record is written, unchanged, or a report row saying why not."""

from tradeprice.files import Rejection
from tradeprice.logic.import_native import outcome
from tradeprice.logic.integrations import Applied, NativeResult


def applied(*results: NativeResult) -> Applied:
    return Applied(system="unleashed", resource="products", results=list(results), lists_created=[])


def test_a_skipped_record_is_a_report_row_with_its_reason_not_an_unchanged_one():
    obsolete = {"field": "Obsolete", "reason": "the product is obsolete", "value": True}
    result = applied(
        NativeResult(0, "BOLT-M8", "created"),
        NativeResult(1, "NUT-M8", "unchanged"),
        NativeResult(2, "OLD-1", "skipped", warnings=[obsolete]),
        NativeResult(3, "OLD-2", "skipped"),
        NativeResult(4, "W-1", "stale"),
        NativeResult(5, "BAD", "error", errors=[{"field": "SellPriceTier1", "reason": "not a number", "value": "x"}]),
    )

    written, unchanged, rows = outcome(result, None)

    assert (written, unchanged) == (1, 2)  # stale: what is stored is newer and stands
    assert rows == [
        Rejection(3, "Obsolete", "True", "skipped: the product is obsolete"),
        Rejection(4, "record", "", "skipped: nothing in the record is carried"),
        Rejection(6, "SellPriceTier1", "x", "not a number"),
    ]


def test_json_lines_report_the_files_own_line():
    _, _, rows = outcome(applied(NativeResult(1, "OLD-1", "skipped")), [3, 7])
    assert [row.line for row in rows] == [7]
