"""Price lists and their prices: the one write path the API, file imports and integrations share."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeprice.data import codec, reference
from tradeprice.data import prices as price_store
from tradeprice.data.batch import Item
from tradeprice.domain.models import Price, PriceList
from tradeprice.domain.types import utc_now
from tradeprice.errors import Conflict, InvalidInput, NotFound
from tradeprice.logic import pricing
from tradeprice.logic.records import RecordResult


def put_price_list(price_list: PriceList) -> tuple[PriceList, bool]:
    """Create or replace a list definition. A rule's source must exist and no chain may loop or run too deep."""
    if price_list.rules is not None:
        lists = reference.all_price_lists()
        lists[price_list.slug] = price_list
        _check_derivation(price_list.slug, lists)
    stamped = price_list.model_copy(update={"updated_at": utc_now()})
    created = reference.put_price_list(stamped)
    return stamped, created


def _check_derivation(slug: str, lists: dict[str, PriceList]) -> None:
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
            results[write.index] = RecordResult(
                write.index,
                write.sku,
                "error",
                [
                    {
                        "field": "sku",
                        "reason": f"repeats record {first_index[write.sku]} of this batch",
                        "value": write.sku,
                    }
                ],
            )
            continue
        first_index[write.sku] = write.index
        unique.append(write)

    stored = price_store.get_many((slug, write.sku) for write in unique)
    now = utc_now()
    puts: list[Item] = []
    deletes: list[tuple[str, str]] = []
    for write in unique:
        existing = stored.get((slug, write.sku))
        if write.price is None:
            if existing is None:
                results[write.index] = RecordResult(write.index, write.sku, "unchanged")
            else:
                deletes.append((slug, write.sku))
                results[write.index] = RecordResult(write.index, write.sku, "deleted")
            continue
        version = codec.source_version_key(write.price.source_version)
        if _is_stale(existing, version):
            results[write.index] = RecordResult(write.index, write.sku, "stale")
            continue
        item = price_store.to_item(write.price, now, version)
        if existing is not None and price_store.same_content(existing, item):
            results[write.index] = RecordResult(write.index, write.sku, "unchanged")
            continue
        puts.append(item)
        results[write.index] = RecordResult(write.index, write.sku, "updated" if existing else "created")
    price_store.put_many(puts)
    price_store.delete_many(deletes)
    return [results[write.index] for write in writes]


def _is_stale(existing: Item | None, version: Decimal | None) -> bool:
    if existing is None or version is None or "version_key" not in existing:
        return False
    return version < Decimal(existing["version_key"]["N"])


def get_price(slug: str, sku: str) -> Price:
    get_price_list(slug)
    item = price_store.get_many([(slug, sku)]).get((slug, sku))
    if item is None:
        raise NotFound(f"'{sku}' has no price on list '{slug}'", price_list=slug, sku=sku)
    return price_store.from_item(item)


def page_price_lists(limit: int, cursor: str | None) -> tuple[list[PriceList], str | None]:
    return reference.page_price_lists(limit, cursor)
