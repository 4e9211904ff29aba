"""The lookup reads its requests without pydantic on the common path (api/lookup_requests.py); the request models
(api/lookup_schemas.py) stay the contract. Whatever a client sends, the two must answer alike: the same values for
what is accepted, the same errors (field, reason, value) for what is not."""

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tradeprice.api.lookup_requests import LineError, read_line, read_lookup, read_sku_lookup
from tradeprice.api.lookup_schemas import LookupIn, LookupLineIn, SkuLookupIn
from tradeprice.logic.pricing import LineRequest
from tradeprice.logic.records import describe

Outcome = tuple[str, Any]


def _context(request: Any) -> dict[str, Any]:
    return {name: getattr(request, name) for name in ("customer_id", "price_list", "currency", "at", "as_of")} | {
        "explain": request.explain
    }


def _by_model(model: Any, document: Any, root: str = "body") -> Outcome:
    try:
        request = model.model_validate(document)
    except ValidationError as error:
        return "refused", describe(error, root=root)  # as api/problems.py (a body) and the handler (a line) do
    return "accepted", request


def _lookup_by_model(document: Any) -> Outcome:
    verdict, request = _by_model(LookupIn, document)
    return (verdict, request) if verdict == "refused" else (verdict, (_context(request), list(request.lines)))


def _lookup_read(document: Any) -> Outcome:
    try:
        request = read_lookup(document)
    except ValidationError as error:
        return "refused", describe(error, root="body")
    return "accepted", (_context(request.context), request.lines)


def _line_by_model(raw: Any) -> Outcome:
    verdict, line = _by_model(LookupLineIn, raw, root="record")
    return (verdict, line) if verdict == "refused" else (verdict, LineRequest(line.sku, line.qty, line.tier_group))


def _line_read(raw: Any) -> Outcome:
    line = read_line(7, raw)
    if isinstance(line, LineError):
        assert line.view["index"] == 7
        assert line.view["found"] is False
        return "refused", line.view["errors"]
    return "accepted", line


def _sku_lookup_by_model(sku: str, query: dict[str, str]) -> Outcome:
    verdict, request = _by_model(SkuLookupIn, {**query, "sku": sku})
    return (verdict, request) if verdict == "refused" else (verdict, (_context(request), request.sku, request.qty))


def _sku_lookup_read(sku: str, query: dict[str, str]) -> Outcome:
    try:
        request = read_sku_lookup(sku, query)
    except ValidationError as error:
        return "refused", describe(error, root="body")
    return "accepted", (_context(request.context), request.sku, request.qty)


LINE = {"sku": "BOLT-M8", "qty": 3}

LINES = [
    LINE,
    {"sku": "BOLT-M8", "qty": 3, "tier_group": "kits"},
    {"sku": "BOLT-M8", "qty": 3, "tier_group": None},
    {"sku": "BOLT-M8", "qty": 3, "tier_group": ""},
    {"sku": "BOLT-M8", "qty": 3, "tier_group": "é" * 128},
    {"sku": "BOLT-M8", "qty": 3, "tier_group": "k" * 129},
    {"sku": "BOLT M8/10", "qty": 1},
    {"sku": "S" * 128, "qty": 1},
    {"sku": "S" * 129, "qty": 1},
    {"sku": " BOLT", "qty": 1},
    {"sku": "BOLT ", "qty": 1},
    {"sku": "BOLT\n", "qty": 1},
    {"sku": "BOLT\u00a0", "qty": 1},
    {"sku": "SKÜ-é", "qty": 1},
    {"sku": "", "qty": 1},
    {"sku": 12, "qty": 1},
    {"sku": None, "qty": 1},
    {"qty": 1},
    {"sku": "BOLT-M8"},
    {"sku": "BOLT-M8", "qty": 0},
    {"sku": "BOLT-M8", "qty": -1},
    {"sku": "BOLT-M8", "qty": 10**9},
    {"sku": "BOLT-M8", "qty": 10**9 + 1},
    {"sku": "BOLT-M8", "qty": True},
    {"sku": "BOLT-M8", "qty": "5"},
    {"sku": "BOLT-M8", "qty": Decimal("2.0")},
    {"sku": "BOLT-M8", "qty": Decimal("2.5")},
    {"sku": "BOLT-M8", "qty": "x"},
    {"sku": "BOLT-M8", "qty": None},
    {"sku": "BOLT-M8", "qty": 1, "price": "1.00"},
    "BOLT-M8",
    5,
    None,
    [LINE],
]


@pytest.mark.parametrize("raw", LINES, ids=repr)
def test_a_line_is_read_as_the_model_reads_it(raw):
    assert _line_read(raw) == _line_by_model(raw)


AT = "2026-06-01T12:00:00Z"

LOOKUPS = [
    {"customer_id": "C-1001", "lines": [LINE]},
    {"customer_id": "C-1001", "lines": [LINE, "not a line", {"qty": 0}]},
    {"price_list": "trade", "currency": "GBP", "at": AT, "as_of": AT, "explain": True, "lines": [LINE]},
    {"lines": [LINE]},
    {"customer_id": None, "price_list": "trade", "lines": [LINE]},
    {"customer_id": "C-1001", "price_list": "trade", "lines": [LINE]},
    {"customer_id": " C", "lines": [LINE]},
    {"customer_id": "C" * 129, "lines": [LINE]},
    {"customer_id": "Cü", "lines": [LINE]},
    {"customer_id": 5, "lines": [LINE]},
    {"price_list": "Trade", "lines": [LINE]},
    {"price_list": "t" * 65, "lines": [LINE]},
    {"price_list": "trade\n", "lines": [LINE]},
    {"customer_id": "C-1001", "currency": "XXX", "lines": [LINE]},
    {"customer_id": "C-1001", "currency": "gbp", "lines": [LINE]},
    {"customer_id": "C-1001", "currency": 826, "lines": [LINE]},
    {"customer_id": "C-1001", "currency": "GBP\n", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01T13:00:00.123456+01:00", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01T12:00:00.1234567Z", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01T12:00:00", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-13-01T12:00:00Z", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-02-30T12:00:00Z", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01T24:00:00Z", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01t12:00:00z", "lines": [LINE]},
    {"customer_id": "C-1001", "at": "2026-06-01T12:00:00+24:00", "lines": [LINE]},
    {"customer_id": "C-1001", "at": 1780000000, "lines": [LINE]},
    {"customer_id": "C-1001", "as_of": "2026-06-01T12:00:00-05:30", "lines": [LINE]},
    {"customer_id": "C-1001", "explain": "true", "lines": [LINE]},
    {"customer_id": "C-1001", "explain": None, "lines": [LINE]},
    {"customer_id": "C-1001", "explain": 1, "lines": [LINE]},
    {"customer_id": "C-1001", "explain": False, "lines": [LINE]},
    {"customer_id": "C-1001", "lines": []},
    {"customer_id": "C-1001", "lines": [LINE] * 250},
    {"customer_id": "C-1001", "lines": [LINE] * 251},
    {"customer_id": "C-1001", "lines": "BOLT-M8"},
    {"customer_id": "C-1001", "lines": None},
    {"customer_id": "C-1001"},
    {"customer_id": "C-1001", "lines": [LINE], "foo": 1},
    {"customer_id": 5, "price_list": 7, "currency": "x", "at": "y", "explain": 3, "lines": 3, "z": 1},
    [LINE],
    "lookup",
    None,
]


@pytest.mark.parametrize("document", LOOKUPS, ids=lambda document: repr(document)[:80])
def test_a_lookup_is_read_as_the_model_reads_it(document):
    assert _lookup_read(document) == _lookup_by_model(document)


QUERIES = [
    {"customer_id": "C-1001"},
    {"customer_id": "C-1001", "qty": "12", "at": AT},
    {"price_list": "trade", "qty": "100", "explain": "true"},
    {"price_list": "trade", "explain": "false"},
    {"price_list": "trade", "explain": "yes"},
    {"price_list": "trade", "explain": "TRUE"},
    {"price_list": "trade", "explain": "maybe"},
    {"customer_id": "C-1001", "qty": "abc"},
    {"customer_id": "C-1001", "qty": "0"},
    {"customer_id": "C-1001", "qty": "007"},
    {"customer_id": "C-1001", "qty": " 7"},
    {"customer_id": "C-1001", "qty": "+7"},
    {"customer_id": "C-1001", "qty": "7.0"},
    {"customer_id": "C-1001", "qty": "1000000000"},
    {"customer_id": "C-1001", "qty": "1000000001"},
    {"customer_id": "C-1001", "qty": "99999999999"},
    {"customer_id": "C-1001", "sku": "OTHER"},
    {"customer_id": "C-1001", "foo": "1"},
    {"customer_id": "C-1001", "price_list": "trade"},
    {"customer_id": "C-1001", "currency": "EUR", "at": "2026-06-01T12:00:00+02:00"},
    {},
]


@pytest.mark.parametrize("query", QUERIES, ids=repr)
@pytest.mark.parametrize("sku", ["BOLT-M8", "BOLT M8/10", " BOLT", "SKÜ"])
def test_a_sku_lookup_is_read_as_the_model_reads_it(sku, query):
    assert _sku_lookup_read(sku, query) == _sku_lookup_by_model(sku, query)


_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="ascii"), max_size=130),
    st.text(max_size=8),
    st.sampled_from(["BOLT-M8", "trade", "GBP", "EUR", "XXX", AT, "2026-06-01T12:00:00+01:00", "true", "7"]),
)
_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-2, max_value=10**9 + 2),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    _TEXT,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["sku", "qty", "tier_group", "price"]), _VALUE, max_size=4))
def test_any_line_is_read_as_the_model_reads_it(raw):
    assert _line_read(raw) == _line_by_model(raw)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["customer_id", "price_list", "currency", "at", "as_of", "explain", "sku", "qty", "foo"]),
        _TEXT,
        max_size=5,
    ),
    _TEXT,
)
def test_any_query_string_is_read_as_the_model_reads_it(query, sku):
    assert _sku_lookup_read(sku, query) == _sku_lookup_by_model(sku, query)


def test_a_plain_instant_is_the_same_instant_the_model_reads():
    (_, (context, _)) = _lookup_read({"customer_id": "C-1001", "at": "2026-06-01T13:00:00+01:00", "lines": [LINE]})

    assert context["at"] == datetime.fromisoformat("2026-06-01T12:00:00+00:00")
    assert context["at"].isoformat() == "2026-06-01T13:00:00+01:00"
