"""Response shapes: domain results → JSON documents. Money leaves as decimal strings with its currency."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # The lookup imports this module for its views and never imports pydantic (docs/operations.md, Cold start);
    # the record views only call the records' own methods.
    from pydantic import BaseModel

    from tradeprice.domain.models import Price, PriceList
    from tradeprice.logic.lookup import LineAnswer, LookupAnswer


def record_view(record: "BaseModel") -> dict[str, Any]:
    """A stored record as the API returns it: its JSON form, money as decimal strings, nulls left out."""
    return record.model_dump(mode="json", exclude_none=True)


def price_list_view(price_list: "PriceList") -> dict[str, Any]:
    return price_list.model_dump(mode="json", exclude_none=True)


def price_view(price: "Price") -> dict[str, Any]:
    return price.model_dump(mode="json", exclude_none=True)


def lookup_view(answer: "LookupAnswer") -> dict[str, Any]:
    view: dict[str, Any] = {
        "customer_id": answer.customer_id,
        "currency": answer.currency,
        "at": answer.at.isoformat(),
        "lines": [line_view(line) for line in answer.lines],
    }
    if answer.as_of is not None:
        view["as_of"] = answer.as_of.isoformat()
        view["source"] = "history"  # priced with the data as it was then, not as it is now
    return view


def line_view(line: "LineAnswer") -> dict[str, Any]:
    """One cart line as docs/api.md shows it; `not_orderable_because` and `reason` say why when it is not."""
    priced, rule, check = line.priced, line.rule, line.orderability
    view: dict[str, Any] = {
        "sku": line.sku,
        "qty": line.qty,
        "found": priced.found,
        "unit_price": _money(priced.unit_price),
        "line_total": _money(priced.line_total),
        "currency": priced.currency,
        "tax_inclusive": priced.tax_inclusive,
        "price_list": priced.price_list,
        "tier_min_qty": priced.tier_min_qty,
        "tiers": [{"min_qty": min_qty, "unit_price": str(price)} for min_qty, price in priced.tiers],
        "next_tier": None,
        "pack_size": rule.pack_size,
        "min_qty": rule.min_qty,
        "max_qty": rule.max_qty,
        "display": rule.display is not False,
        "orderable": check.orderable,
        "suggested_qty": check.suggested_qty,
    }
    if priced.next_tier is not None:
        min_qty, unit_price, add_qty = priced.next_tier
        view["next_tier"] = {"min_qty": min_qty, "unit_price": str(unit_price), "add_qty": add_qty}
    if check.reasons:
        view["not_orderable_because"] = list(check.reasons)
    if priced.reason:
        view["reason"] = priced.reason
    if priced.explain:
        view["explain"] = priced.explain
    return view


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
