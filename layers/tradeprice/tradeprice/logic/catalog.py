"""Price lists and their prices: the one write path the API, file imports and integrations share."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tradeprice.data import customers as customer_store
from tradeprice.data import prices as price_store
from tradeprice.data import reference
from tradeprice.data.paging import decode_cursor, encode_cursor
from tradeprice.data.reference import GROUPS, PRICE_LISTS
from tradeprice.data.versioned import Outcome
from tradeprice.domain.models import Price, PriceList
from tradeprice.domain.types import utc_now
from tradeprice.errors import Conflict, InvalidInput, NotFound
from tradeprice.logic import pricing
from tradeprice.logic.records import RecordResult

# Price lists ------------------------------------------------------------------------------------------------------


def put_price_list(price_list: PriceList) -> tuple[PriceList, Outcome]:
    """Create or replace a list definition. A rule's source must exist and no chain may loop or run too deep."""
    if price_list.rules is not None:
        lists = reference.all_price_lists()
        lists[price_list.slug] = price_list
        _check_derivation(price_list.slug, lists)
    stamped = price_list.model_copy(update={"updated_at": utc_now()})
    outcome = reference.put_price_list(stamped)
    if outcome in {"stale", "unchanged"}:  # what is stored stands: answer it, not the values refused
        return get_price_list(price_list.slug), outcome
    return stamped, outcome


def _check_derivation(slug: str, lists: dict[str, PriceList]) -> None:
    _check_chain(slug, lists)
    derived = lists[slug]
    assert derived.rules is not None
    source = lists[derived.rules.source]
    if derived.rules.fx_rate is None and source.currency != derived.currency:
        raise InvalidInput(
            f"'{slug}' is in {derived.currency} and its source '{source.slug}' in {source.currency}: "
            "rules.fx_rate is required",
            [{"field": "rules.fx_rate", "reason": "required when the source's currency differs"}],
        )


def _check_chain(slug: str, lists: dict[str, PriceList]) -> None:
    walked = [slug]
    current = lists[slug]
    while current.rules is not None:
        source = current.rules.source
        if source in walked:
            raise Conflict(f"rules form a cycle: {' → '.join([*walked, source])}", field="rules.source")
        if source not in lists:
            raise InvalidInput(
                f"rules.source '{source}' is not a price list",
                [{"field": "rules.source", "reason": "unknown price list", "value": source}],
            )
        walked.append(source)
        if len(walked) - 1 > pricing.MAX_CHAIN_DEPTH:
            raise InvalidInput(
                f"a list may derive at most {pricing.MAX_CHAIN_DEPTH} steps from stored prices",
                [{"field": "rules.source", "reason": "chain too deep", "value": source}],
            )
        current = lists[source]


def get_price_list(slug: str) -> PriceList:
    price_list = reference.get_price_list(slug)
    if price_list is None:
        raise NotFound(f"price list '{slug}' does not exist", price_list=slug)
    return price_list


def page_price_lists(
    limit: int, cursor: str | None, updated_since: datetime | None
) -> tuple[list[PriceList], str | None]:
    return reference.page(PRICE_LISTS, limit, cursor, updated_since)


def delete_price_list(slug: str) -> int:
    """Delete a list and its prices. Refused while another list derives from it; returns the prices removed."""
    get_price_list(slug)
    dependants = sorted(p.slug for p in reference.all_price_lists().values() if p.rules and p.rules.source == slug)
    if dependants:
        raise Conflict(
            f"{', '.join(dependants)} derive from '{slug}'; change their rules first",
            price_list=slug,
            dependants=dependants,
        )
    users = sorted(g.slug for g in reference.scan_all(GROUPS) if slug in g.price_lists)
    if users:
        raise Conflict(
            f"customer groups {', '.join(users)} use '{slug}'; remove it from them first", price_list=slug, groups=users
        )
    named_by = customer_store.customers_naming_list(slug)
    if named_by:
        raise Conflict(
            f"customers {', '.join(named_by)} name '{slug}' in their own price_lists; remove it from them first",
            price_list=slug,
            customers=named_by,
        )
    removed = price_store.delete_all(slug)
    reference.write(PRICE_LISTS, [((slug,), None)])
    return removed


# Prices -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceWrite:
    """A validated record of a batch: a price to store, or (tiers empty) a SKU to remove."""

    index: int
    sku: str
    price: Price | None


def put_prices(slug: str, writes: Sequence[PriceWrite]) -> list[RecordResult]:
    """Replace each SKU's ladder on one list; other SKUs are untouched. Unchanged SKUs are not rewritten."""
    get_price_list(slug)
    results: dict[int, RecordResult] = {}
    first_index: dict[str, int] = {}
    unique: list[PriceWrite] = []
    for write in writes:
        if write.sku in first_index:
            reason = f"repeats record {first_index[write.sku]} of this batch"
            error = {"field": "sku", "reason": reason, "value": write.sku}
            results[write.index] = RecordResult(write.index, write.sku, "error", [error])
            continue
        first_index[write.sku] = write.index
        unique.append(write)
    now = utc_now()
    outcomes = price_store.write_many([(slug, write.sku, write.price, now) for write in unique])
    for write, outcome in zip(unique, outcomes, strict=True):
        results[write.index] = RecordResult(write.index, write.sku, outcome)
    return [results[write.index] for write in writes]


def put_prices_across_lists(writes: Sequence[tuple[str, PriceWrite]]) -> list[RecordResult]:
    """POST /v1/prices:batch — records name their list; a record for an unknown list is that record's error."""
    known = reference.all_price_lists()
    results: dict[int, RecordResult] = {}
    by_list: dict[str, list[PriceWrite]] = {}
    for slug, write in writes:
        if slug not in known:
            error = {"field": "price_list", "reason": "unknown price list", "value": slug}
            results[write.index] = RecordResult(write.index, write.sku, "error", [error])
        else:
            by_list.setdefault(slug, []).append(write)
    for slug, list_writes in by_list.items():
        for write, result in zip(list_writes, put_prices(slug, list_writes), strict=True):
            results[write.index] = result
    return [results[write.index] for _, write in writes]


def get_price(slug: str, sku: str) -> Price:
    get_price_list(slug)
    item = price_store.get_many([(slug, sku)]).get((slug, sku))
    if item is None:
        raise NotFound(f"'{sku}' has no price on list '{slug}'", price_list=slug, sku=sku)
    return price_store.from_item(item)


def delete_price(slug: str, sku: str) -> None:
    get_price(slug, sku)
    price_store.write_many([(slug, sku, None, utc_now())])


def page_prices(
    slug: str, limit: int, cursor: str | None, updated_since: datetime | None
) -> tuple[list[Price], str | None]:
    get_price_list(slug)
    listing = f"prices:{slug}"
    items, next_position = price_store.page_list(slug, limit, decode_cursor(listing, cursor), updated_since)
    return [price_store.from_item(item) for item in items], encode_cursor(listing, next_position)


def prices_of_sku(sku: str) -> list[Price]:
    """The SKU's stored price on every list (derived prices are computed by the lookup, not stored)."""
    lists = sorted(reference.all_price_lists())
    found = price_store.get_many([(slug, sku) for slug in lists])
    return [price_store.from_item(found[(slug, sku)]) for slug in lists if (slug, sku) in found]
