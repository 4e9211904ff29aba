"""Linnworks: an order and inventory system that prices by sales channel, not by customer.

Lists (in the channel's currency, `?currency=`):

    linnworks-<tag>                        a channel price's `Tag` (also the price push's `Tag`)
    linnworks-<source>-<subsource>         a channel price without a Tag, by its `Source` and `SubSource`
    ?price_list=<slug>                     prices with neither

Linnworks has no customer price groups, so nothing here writes customers: give trade customers (or their group)
the channel lists in tradeprice. A rule of a channel price becomes a quantity break only when its `Type` says it
is one (`QUANTITY`, `QUANTITY_BREAK`, …): Linnworks does not document the types, so any other rule is reported as
not carried, and the price is written without it. `RetailPrice` is a reference price and `SupplierMinOrderQty` a
purchasing minimum: neither is carried.
"""

from typing import Any

from tradeprice.integrations.base import (
    Adapter,
    Ladders,
    Layout,
    ListSpec,
    Mapped,
    NativeValueError,
    Options,
    PayloadError,
    Row,
    RowPrice,
    RowResult,
    blank,
    header_key,
    money,
    objects,
    read,
    records_of,
    required_text,
    side_list,
    single_price,
    slug,
    text,
    whole,
)

SYSTEM = "linnworks"
QUANTITY_RULE_TYPES = frozenset({"quantity", "quantitybreak", "quantitybreaks", "qtybreak", "qty"})


def channel_list(tag: str | None, source: str | None, subsource: str | None, default: str | None) -> ListSpec | None:
    """The list a channel price (or a pushed price) belongs to; None when nothing names one."""
    if tag:
        return ListSpec(slug("linnworks", tag), f"Linnworks {tag}", named_by="Tag")
    if source:
        name = f"{source} {subsource}" if subsource else source
        return ListSpec(
            slug("linnworks", source, *([subsource] if subsource else [])), f"Linnworks {name}", named_by="Source"
        )
    if default:
        return ListSpec(default, f"Linnworks {default}", named_by="Tag")
    return None


def _price_lists(
    mapped: Mapped, index: int, prefix: str, entry: dict[str, Any], sku: str, options: Options, ladders: Ladders
) -> None:
    tag = read(mapped, index, f"{prefix}Tag", entry.get("Tag"), text)
    source = read(mapped, index, f"{prefix}Source", entry.get("Source"), text)
    subsource = read(mapped, index, f"{prefix}SubSource", entry.get("SubSource"), text)
    spec = channel_list(tag, source, subsource, options.price_list)
    if spec is None:
        mapped.error(index, f"{prefix}Tag", "no Tag, Source or ?price_list= names the list for this price")
        return
    price_list = mapped.need_list(spec, index)
    if blank(entry.get("Price")):
        mapped.error(index, f"{prefix}Price", "is required")
        ladders.taint(price_list, sku, index)
        return
    price = read(mapped, index, f"{prefix}Price", entry.get("Price"), money)
    if price is not None:
        ladders.add(price_list, sku, 1, price, index, f"{prefix}Price")
    rules = entry.get("Rules") or []
    if not isinstance(rules, list):
        mapped.error(index, f"{prefix}Rules", "must be an array")
        rules = []
    for position, rule in enumerate(rules):
        native = f"{prefix}Rules[{position}]"
        if not isinstance(rule, dict):
            mapped.error(index, native, "must be an object")
            continue
        kind = text(rule.get("Type")) or ""
        if header_key(kind) not in QUANTITY_RULE_TYPES:
            mapped.warn(index, f"{native}.Type", f"rule type '{kind}' is not a quantity break; not carried")
            continue
        bound = read(mapped, index, f"{native}.LowerBound", rule.get("LowerBound"), whole)
        value = read(mapped, index, f"{native}.Value", rule.get("Value"), money)
        if bound is not None and value is not None:
            ladders.add(price_list, sku, bound, value, index, f"{native}.Value", quantity_field=f"{native}.LowerBound")
    if mapped.failed(index):
        ladders.taint(price_list, sku, index)


PRICE_ARRAYS = ("ItemChannelPrices", "StockItemPrices")
"""Where a stock item carries its channel prices: `ItemChannelPrices`, as Linnworks' full stock item has them
(`StockItemFull`, `StockItemFullExtended`: Stock/GetStockItemsFull, Stock/GetStockItemsFullByIds);
`StockItemPrices` is accepted too."""


def stock_items(payload: Any, options: Options) -> Mapped:
    """Stock items with their channel prices: a bare array, `{"StockItemsFullExtended": [...]}` (the answer of
    Stock/GetStockItemsFullByIds) or `{"StockItems": [...]}`. Each item's channel prices (`ItemChannelPrices`, or
    `StockItemPrices`) become prices of its `ItemNumber`."""
    mapped = Mapped(SYSTEM, "stock-items")
    ladders = Ladders()
    envelopes = ("StockItemsFullExtended", "StockItems")
    for index, item in objects(mapped, records_of(payload, envelopes), lambda i: text(i.get("ItemNumber"))):
        sku = read(mapped, index, "ItemNumber", item.get("ItemNumber"), required_text)
        native = next((name for name in PRICE_ARRAYS if item.get(name) is not None), PRICE_ARRAYS[0])
        prices = item.get(native)
        if sku is None:
            continue
        if not prices:
            mapped.skip(index, native, "no channel prices: RetailPrice is a reference price and is not carried")
            continue
        if not isinstance(prices, list):
            mapped.error(index, native, "must be an array")
            continue
        for position, entry in enumerate(prices):
            if not isinstance(entry, dict):
                mapped.error(index, f"{native}[{position}]", "must be an object")
                continue
            _price_lists(mapped, index, f"{native}[{position}].", entry, sku, options, ladders)
    ladders.emit(mapped, ladder_field="ItemChannelPrices")
    return mapped


def channel_prices(payload: Any, options: Options) -> Mapped:
    """StockItemPrice records (`{Source, SubSource, Price, Tag, Rules, StockItemId}`), as a bare array or
    `{"Prices": [...], "StockItems": [{StockItemId, ItemNumber}]}`: a price names its SKU by `SKU`/`ItemNumber`,
    or by `StockItemId` resolved through `StockItems`."""
    mapped = Mapped(SYSTEM, "channel-prices")
    skus: dict[str, str] = {}
    for position, item in enumerate(side_list(payload, "StockItems")):
        identifier = item.get("StockItemId", item.get("pkStockItemID")) if isinstance(item, dict) else None
        if blank(identifier) or blank(item.get("ItemNumber")):
            raise PayloadError(f"StockItems[{position}] needs a StockItemId and an ItemNumber")
        skus[str(identifier).strip().lower()] = str(item["ItemNumber"]).strip()
    ladders = Ladders()

    def sku_of(entry: dict[str, Any]) -> str | None:
        named = text(entry.get("SKU")) or text(entry.get("ItemNumber"))
        return named or skus.get(str(entry.get("StockItemId") or "").strip().lower())

    for index, entry in objects(mapped, records_of(payload, ("Prices",)), sku_of):
        sku = sku_of(entry)
        if sku is None:
            mapped.error(
                index,
                "StockItemId",
                "names no stock item of the payload's 'StockItems' (or send SKU)",
                text(entry.get("StockItemId")),
            )
            continue
        _price_lists(mapped, index, "", entry, sku, options, ladders)
    ladders.emit(mapped, ladder_field="Price")
    return mapped


def price_push(payload: Any, options: Options) -> Mapped:
    """Linnworks' channel price update: `{"AuthorizationToken": …, "Products": [{SKU, Reference, Price, Tag}]}`.

    Each product's `Tag` (else `?price_list=`) names the list; the price is its whole ladder (one tier at 1).
    `Reference` is Linnworks' own listing reference and is not stored.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("Products"), list):
        raise PayloadError("expected an object with a 'Products' array")
    mapped = Mapped(SYSTEM, "price-update")
    seen: dict[tuple[str, str], int] = {}
    for index, product in objects(mapped, records_of(payload, ("Products",)), lambda p: text(p.get("SKU"))):
        sku = read(mapped, index, "SKU", product.get("SKU"), required_text)
        tag = read(mapped, index, "Tag", product.get("Tag"), text)
        if sku is None:
            continue
        spec = channel_list(tag, None, None, options.price_list)
        if spec is None:
            mapped.error(index, "Tag", "is empty and the endpoint names no default list (?price_list=)")
            continue
        if (spec.slug, sku) in seen:
            mapped.error(index, "SKU", f"repeats product {seen[(spec.slug, sku)]} of this update (same Tag)")
            continue
        seen[(spec.slug, sku)] = index
        if blank(product.get("Price")):
            mapped.error(index, "Price", "is required")
            continue
        price_list = mapped.need_list(spec, index)
        single_price(mapped, index, price_list, sku, product.get("Price"), "Price", remove_when_blank=False)
    return mapped


# -- files ---------------------------------------------------------------------------------------------------------


def channel_price_row(row: Row, options: Options) -> RowResult:
    """A row of a Linnworks channel price export/import: `SKU`, `Source`, `Sub Source`, `Tag`, `Price`."""
    result = RowResult()
    sku_column, sku = row.cell("SKU", "Item Number", "ItemNumber")
    result.key = sku
    if sku is None:
        result.error(sku_column, "is required")
    _, tag = row.cell("Tag")
    _, source = row.cell("Source")
    _, subsource = row.cell("Sub Source", "SubSource")
    spec = channel_list(tag, source, subsource, options.price_list)
    if spec is None:
        result.error("Tag", "no Tag, Source or price_list names the list for this row")
    price_column, price_text = row.cell("Price")
    price = result.read(price_column, price_text, _required_money)
    if sku is not None and spec is not None:
        result.ladder = (spec.slug, sku)
    if result.errors or sku is None or spec is None or price is None:
        return result
    result.lists.append(spec)
    result.prices.append(RowPrice(spec.slug, sku, 1, price, price_column))
    return result


def _required_money(value: str | None) -> Any:
    if value is None:
        raise NativeValueError("is required")
    return money(value)


FILE_LAYOUTS = (Layout("channel-prices", ("SKU", "Price"), ("Tag", "Source"), channel_price_row),)
RESOURCES: dict[str, Adapter] = {"stock-items": stock_items, "channel-prices": channel_prices}
