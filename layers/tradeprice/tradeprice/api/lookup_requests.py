"""The lookup's requests read without pydantic on the common path, answering exactly as the models would.

The request models (api/lookup_schemas.py) stay the contract: the OpenAPI document is generated from them, and
every error a client sees comes from them. But importing pydantic and building those models would cost the
lookup's cold start more than all the rest of it (docs/operations.md, Cold start). So each request is first read
here by a check that accepts only the plain forms it is certain the models accept with the same values (ASCII
identifiers, JSON integers, RFC 3339 instants with an offset, JSON booleans); anything else (every invalid
request, and the odd valid one such as a quantity sent as "5") goes to the models, which then accept or refuse
it with their own errors. tests/unit/test_lookup_requests.py checks the two agree.
"""

import re
from datetime import datetime
from typing import Any

from tradeprice.domain.constraints import EXTERNAL_ID_MAX_LENGTH, QUANTITY_MAX, SKU_MAX_LENGTH
from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.records import record
from tradeprice.logic.pricing import LineRequest

MAX_LOOKUP_LINES = 250
TIER_GROUP_MAX_LENGTH = 128

# Subsets of the models' constraints, ASCII only: on these, Python's `re` and pydantic's regex engine agree.
_PLAIN_TEXT = re.compile(r"[!-~](?:[ -~]*[!-~])?")  # printable ASCII, no surrounding space (Sku, ExternalId)
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")
_DIGITS = re.compile(r"[1-9]\d{0,9}")

_CONTEXT_FIELDS = frozenset({"customer_id", "price_list", "currency", "at", "as_of", "explain"})
_LOOKUP_FIELDS = _CONTEXT_FIELDS | {"lines"}
_SKU_LOOKUP_FIELDS = _CONTEXT_FIELDS | {"sku", "qty"}
_LINE_FIELDS = frozenset({"sku", "qty", "tier_group"})


class _Unsure(Exception):
    """Not a plain form: the models decide."""


@record
class LookupContext:
    customer_id: str | None = None
    price_list: str | None = None
    currency: str | None = None
    at: datetime | None = None
    as_of: datetime | None = None
    explain: bool = False


@record
class Lookup:
    """POST /v1/pricing/lookup: the context, and the lines still raw (each is read on its own: `read_line`)."""

    context: LookupContext
    lines: list[Any]


@record
class SkuLookup:
    """GET /v1/pricing/{sku}: the context and one line."""

    context: LookupContext
    sku: str
    qty: int


@record
class LineError:
    """A cart line the models refused: its place in the answer (the rest of the cart is still priced)."""

    view: dict[str, Any]


def read_lookup(document: Any) -> Lookup:
    """The POST body, or pydantic's ValidationError exactly as LookupIn raises it."""
    try:
        if not isinstance(document, dict) or not document.keys() <= _LOOKUP_FIELDS:
            raise _Unsure
        lines = document.get("lines")
        if not isinstance(lines, list) or not 1 <= len(lines) <= MAX_LOOKUP_LINES:
            raise _Unsure
        explain = document.get("explain", False)
        if not isinstance(explain, bool):  # a JSON boolean (StrictBool) on the POST
            raise _Unsure
        return Lookup(_context(document, explain), lines)
    except _Unsure:
        from tradeprice.api.lookup_schemas import LookupIn  # the models decide, and name every error

        request = LookupIn.model_validate(document)
        return Lookup(_from_model(request), list(request.lines))


def read_sku_lookup(sku: str, query: dict[str, str]) -> SkuLookup:
    """The GET's path and query string (the path names the SKU, whatever the query says), or SkuLookupIn's error."""
    document = {**query, "sku": sku}
    try:
        if not document.keys() <= _SKU_LOOKUP_FIELDS:
            raise _Unsure
        explain = {None: False, "true": True, "false": False}.get(document.get("explain"))
        if explain is None:
            raise _Unsure
        qty = document.get("qty")
        return SkuLookup(_context(document, explain), _sku(sku), 1 if qty is None else _quantity_text(qty))
    except _Unsure:
        from tradeprice.api.lookup_schemas import SkuLookupIn  # the models decide, and name every error

        request = SkuLookupIn.model_validate(document)
        return SkuLookup(_from_model(request), request.sku, request.qty)


def read_line(index: int, raw: Any) -> LineRequest | LineError:
    """One cart line, or its error entry as the answer shows it: a bad line is that line's error only."""
    try:
        if not isinstance(raw, dict) or not raw.keys() <= _LINE_FIELDS:
            raise _Unsure
        tier_group = raw.get("tier_group")
        if tier_group is not None and not (
            isinstance(tier_group, str) and 1 <= len(tier_group) <= TIER_GROUP_MAX_LENGTH
        ):
            raise _Unsure
        return LineRequest(_sku(raw.get("sku")), _quantity(raw.get("qty")), tier_group)
    except _Unsure:
        return _line_by_model(index, raw)


def _line_by_model(index: int, raw: Any) -> LineRequest | LineError:
    from pydantic import ValidationError

    from tradeprice.api.lookup_schemas import LookupLineIn
    from tradeprice.logic.records import describe

    try:
        line = LookupLineIn.model_validate(raw)
    except ValidationError as error:
        sku = raw.get("sku") if isinstance(raw, dict) else None
        return LineError({"index": index, "sku": sku, "found": False, "errors": describe(error)})
    return LineRequest(line.sku, line.qty, line.tier_group)


def _context(document: dict[str, Any], explain: bool) -> LookupContext:
    customer_id, price_list = document.get("customer_id"), document.get("price_list")
    if customer_id is not None and price_list is not None:
        raise _Unsure  # one or the other: the model says so
    return LookupContext(
        customer_id=None if customer_id is None else _external_id(customer_id),
        price_list=None if price_list is None else _slug(price_list),
        currency=None if document.get("currency") is None else _currency(document["currency"]),
        at=None if document.get("at") is None else _instant(document["at"]),
        as_of=None if document.get("as_of") is None else _instant(document["as_of"]),
        explain=explain,
    )


def _from_model(request: Any) -> LookupContext:
    return LookupContext(
        customer_id=request.customer_id,
        price_list=request.price_list,
        currency=request.currency,
        at=request.at,
        as_of=request.as_of,
        explain=request.explain,
    )


def _sku(value: Any) -> str:
    if not isinstance(value, str) or len(value) > SKU_MAX_LENGTH or not _PLAIN_TEXT.fullmatch(value):
        raise _Unsure
    return value


def _external_id(value: Any) -> str:
    if not isinstance(value, str) or len(value) > EXTERNAL_ID_MAX_LENGTH or not _PLAIN_TEXT.fullmatch(value):
        raise _Unsure
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.fullmatch(value):
        raise _Unsure
    return value


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value) or value not in MINOR_UNITS:
        raise _Unsure
    return value


def _quantity(value: Any) -> int:
    if type(value) is not int or not 1 <= value <= QUANTITY_MAX:  # not a bool, not a Decimal from "2.0"
        raise _Unsure
    return value


def _quantity_text(value: Any) -> int:
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise _Unsure
    return _quantity(int(value))


def _instant(value: Any) -> datetime:
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise _Unsure
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise _Unsure from None
