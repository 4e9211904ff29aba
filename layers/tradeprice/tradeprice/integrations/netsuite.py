"""Oracle NetSuite: price levels, the item pricing matrix (currency × level × quantity), customers on a level.

Lists and groups, one per (price level, currency):

    netsuite-<level name>-<currency>    e.g. `netsuite-base-price-gbp`, `netsuite-trade-usd`

A level with a `discountPct` (NetSuite's "Markup/Discount %": -10 is 10 % below the base price) derives from the
`Base Price` list of its currency at read time; prices stored on it from the matrix win over the rule per SKU, as in
NetSuite. The matrix's cells are grouped into one ladder per (level, currency): each cell's `quantity` is a break,
0 being the base quantity (tradeprice's 1).

Lists are named by level *name* (`refName` of the references, as NetSuite's REST API returns them, and the
`Price Level` column of files) so the API and files fill the same lists. Currency references are resolved to ISO
codes: a `refName`/`symbol` that is an ISO code, else `?currency_map=<id or name>:<ISO>,…`; a matrix without
currency pages is in `?currency=`.

Customers are grouped by (price level, currency) and get, in NetSuite's order, their own item prices (a
`netsuite-customer-<id>-<currency>` list from `itemPricing` entries that carry a price), their level, and the
base price. Group pricing (a level per *item pricing group*) is not carried: tradeprice has no item groups.
`minimumQuantity`/`maximumQuantity` are sales rules and become the base group's product rule.
"""

from typing import Any

from tradeprice.domain.currencies import MINOR_UNITS
from tradeprice.domain.models import BASE_GROUP
from tradeprice.integrations.base import (
    Adapter,
    Ladders,
    Layout,
    ListSpec,
    Mapped,
    NativeValueError,
    Options,
    Row,
    RowPrice,
    RowResult,
    Write,
    blank,
    dig,
    flag,
    group_write,
    money,
    objects,
    percent,
    read,
    records_of,
    required_text,
    single_price,
    slug,
    text,
    version_of,
    whole,
)
from tradeprice.integrations.records import CustomerNames, add_customer, customer_objects, optional

SYSTEM = "netsuite"
ENVELOPES = ("items",)
BASE_LEVEL = "Base Price"


def level_list(level: str, currency: str) -> str:
    return slug("netsuite", level, currency.lower())


def customer_list(customer_id: str, currency: str) -> str:
    return slug("netsuite-customer", customer_id, currency.lower(), exact=True)


def _level_spec(level: str, currency: str, native_field: str) -> ListSpec:
    return ListSpec(
        level_list(level, currency), f"NetSuite {level} ({currency})", currency=currency, named_by=native_field
    )


def _is_base(level: str) -> bool:
    return level.strip().lower() == BASE_LEVEL.lower()


def currency_of(reference: Any, options: Options) -> str:
    """An ISO code for a NetSuite currency reference (`{id, refName}`, or the text of a file cell)."""
    if blank(reference) or (isinstance(reference, dict) and all(blank(v) for v in reference.values())):
        if options.currency is None:
            raise NativeValueError("is missing and no ?currency= gives the default currency")
        return options.currency
    if isinstance(reference, dict):
        candidates = [reference.get("refName"), reference.get("symbol"), reference.get("id")]
    else:
        candidates = [reference]
    names = [str(candidate).strip() for candidate in candidates if not blank(candidate)]
    for name in names:
        if name in options.currency_map:
            return options.currency_map[name]
    for name in names:
        if name.upper() in MINOR_UNITS and len(name) == 3:
            return name.upper()
    raise NativeValueError(
        f"'{names[0] if names else reference}' is not an ISO 4217 code; map it with ?currency_map=<id or name>:<ISO>"
    )


BASE_LEVEL_ID = "1"
"""NetSuite's internal id of the Base Price level, the same in every account."""


def _ref_name(reference: Any) -> str:
    """The name of a NetSuite reference (`{id, refName}`) or plain text."""
    name = text(reference.get("refName")) if isinstance(reference, dict) else text(reference)
    if name is None:
        raise NativeValueError("needs its refName (lists are named by price level name)")
    return name


def _level_name(reference: Any) -> str:
    """A price level's name: its `refName`, or for a level referenced by id alone (`{"id": "1"}`, or a `refName`
    that only repeats the id, as some REST responses give) the Base Price, whose id is 1 in every account. Other
    levels are named by their `refName`: their ids differ per account."""
    if isinstance(reference, dict):
        identifier = text(reference.get("id"))
        name = text(reference.get("refName"))
        if identifier is not None and (name is None or name == identifier):
            if identifier == BASE_LEVEL_ID:
                return BASE_LEVEL
            raise NativeValueError(
                f"names price level {identifier} by id only; only id {BASE_LEVEL_ID} (Base Price) is the same in "
                "every account: send the level's refName"
            )
    return _ref_name(reference)


# -- price levels --------------------------------------------------------------------------------------------------


def price_levels(payload: Any, options: Options) -> Mapped:
    """`{"items": [{id, name, discountPct, isInactive}]}`: a list per level per `?currencies=` (else `?currency=`)."""
    mapped = Mapped(SYSTEM, "price-levels")
    currencies = options.currencies or ((options.currency,) if options.currency else ())
    for index, level in objects(mapped, records_of(payload, ENVELOPES), lambda e: text(e.get("name"))):
        name = read(mapped, index, "name", level.get("name"), required_text)
        adjustment = optional(mapped, index, "discountPct", level.get("discountPct"), percent)
        inactive = read(mapped, index, "isInactive", level.get("isInactive"), flag)
        if name is None:
            continue
        if not currencies:
            mapped.error(index, "name", "which currencies? Pass ?currencies=GBP,USD (or ?currency=GBP)")
            continue
        if inactive:
            mapped.skip(index, "isInactive", "an inactive price level is not carried")
            continue
        base = _is_base(name) or text(level.get("id")) == "1"
        for currency in currencies:
            rules = None
            if not base and adjustment:
                source = mapped.need_list(_level_spec(BASE_LEVEL, currency, "name"), index)
                rules = {"source": source, "adjustment_percent": adjustment}
            spec = _level_spec(name, currency, "name")
            spec.define, spec.rules = True, rules
            mapped.need_list(spec, index)
    return mapped


# -- item pricing --------------------------------------------------------------------------------------------------


def item_pricing(payload: Any, options: Options) -> Mapped:
    """Items with their pricing matrix: `{"items": [{itemId, minimumQuantity, maximumQuantity,
    price: {items: [{currencyPage, priceLevel, quantity: {value}, price}]}}]}`."""
    mapped = Mapped(SYSTEM, "item-pricing")
    ladders = Ladders()
    for index, item in objects(mapped, records_of(payload, ENVELOPES), lambda i: text(i.get("itemId"))):
        sku = read(mapped, index, "itemId", item.get("itemId"), required_text)
        version = version_of(mapped, index, "lastModifiedDate", item.get("lastModifiedDate"))
        if sku is None:
            continue
        matrix = dig(item, "price.items")
        if matrix is None and isinstance(item.get("price"), list):
            matrix = item["price"]
        if matrix is not None and not isinstance(matrix, list):
            mapped.error(index, "price.items", "must be an array")
            matrix = None
        priced: set[str] = set()
        unpriced: set[str] = set()
        for position, cell in enumerate(matrix or []):
            native = f"price.items[{position}]"
            if not isinstance(cell, dict):
                mapped.error(index, native, "must be an object")
                continue
            currency = read(mapped, index, f"{native}.currencyPage", cell.get("currencyPage"), currency_of, options)
            level = read(mapped, index, f"{native}.priceLevel.refName", cell.get("priceLevel"), _level_name)
            if currency is None or level is None:
                continue
            price_list = mapped.need_list(_level_spec(level, currency, f"{native}.priceLevel"), index)
            raw_quantity = cell.get("quantity")
            if isinstance(raw_quantity, dict):
                raw_quantity = raw_quantity.get("value")
            quantity = (
                1
                if blank(raw_quantity)
                else read(mapped, index, f"{native}.quantity.value", raw_quantity, whole, zero_is=1)
            )
            if blank(cell.get("price")):
                unpriced.add(price_list)
                continue
            price = read(mapped, index, f"{native}.price", cell.get("price"), money)
            if quantity is None or price is None:
                ladders.taint(price_list, sku, index)
                continue
            priced.add(price_list)
            ladders.add(
                price_list,
                sku,
                quantity,
                price,
                index,
                f"{native}.price",
                source_version=version,
                quantity_field=f"{native}.quantity.value",
            )
        for price_list in sorted(unpriced - priced):
            # Every cell of this level and currency is empty: the item has no price there any more.
            mapped.add(Write("price", {"price_list": price_list, "sku": sku, "tiers": []}, (index,)))
        _rule(mapped, index, item, sku, version)
    ladders.emit(mapped, ladder_field="price.items")
    return mapped


def _rule(mapped: Mapped, index: int, item: dict[str, Any], sku: str, version: Any) -> None:
    if "minimumQuantity" not in item and "maximumQuantity" not in item:
        return
    bounds: dict[str, int | None] = {}
    for native, canonical in (("minimumQuantity", "min_qty"), ("maximumQuantity", "max_qty")):
        bounds[canonical] = optional(mapped, index, native, item.get(native), whole, zero_is=0) or None
    document: dict[str, Any] = {"group": BASE_GROUP, "sku": sku, **bounds}
    if version is not None:
        document["source_version"] = version
    mapped.add_checked(
        "rule",
        document,
        (index,),
        {"": "minimumQuantity", "min_qty": "minimumQuantity", "max_qty": "maximumQuantity"},
        owns=("min_qty", "max_qty"),
    )


# -- customers -----------------------------------------------------------------------------------------------------


NAMES = CustomerNames(
    id="id",
    email="email",
    company="companyName",
    group="priceLevel",
    status="isInactive",
    currency="currency",
    credit_limit="creditLimit",
)


def customers(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "customers")
    for index, customer in customer_objects(mapped, payload, ENVELOPES, NAMES):
        customer_id, email, company = NAMES.identity(mapped, index, customer)
        currency = NAMES.read(mapped, index, customer, "currency", currency_of, options)
        level = optional(mapped, index, "priceLevel.refName", customer.get("priceLevel"), _level_name)
        inactive = NAMES.read(mapped, index, customer, "status", flag)
        version = version_of(mapped, index, "lastModifiedDate", customer.get("lastModifiedDate"))
        if customer_id is None or currency is None:
            continue
        levels = [level] if level and not _is_base(level) else []
        chain = [mapped.need_list(_level_spec(name, currency, "priceLevel"), index) for name in [*levels, BASE_LEVEL]]
        group = chain[0]
        group_write(mapped, group, f"NetSuite {level or BASE_LEVEL} ({currency})", chain, index, "priceLevel")
        if dig(customer, "groupPricing.items"):
            mapped.warn(
                index,
                "groupPricing",
                "group pricing sets a level per item pricing group; tradeprice has no item groups: not carried",
            )
        specific = customer_list(customer_id, currency)
        _item_prices(mapped, index, customer, customer_id, currency, options, version)
        add_customer(
            mapped,
            index,
            NAMES,
            customer_id,
            email=email,
            status="inactive" if inactive else "active",
            group=group,
            currency=currency,
            company=company,
            credit_limit=customer.get("creditLimit"),
            version=version,
            specific_list=specific,
        )
    return mapped


def _item_prices(
    mapped: Mapped,
    index: int,
    customer: dict[str, Any],
    customer_id: str,
    currency: str,
    options: Options,
    version: Any,
) -> None:
    entries = dig(customer, "itemPricing.items") or []
    if not isinstance(entries, list):
        mapped.error(index, "itemPricing.items", "must be an array")
        return
    seen: set[tuple[str, str]] = set()
    for position, entry in enumerate(entries):
        native = f"itemPricing.items[{position}]"
        if not isinstance(entry, dict):
            mapped.error(index, native, "must be an object")
            continue
        sku = read(mapped, index, f"{native}.item.refName", entry.get("item"), _ref_name)
        entry_currency = currency
        if not blank(entry.get("currency")):
            entry_currency = read(mapped, index, f"{native}.currency", entry.get("currency"), currency_of, options)
        if sku is None or entry_currency is None:
            continue
        if blank(entry.get("price")):
            mapped.warn(
                index,
                f"{native}.level",
                f"{sku} is priced at another level for this customer only; not carried (no per-customer level "
                "per item in tradeprice): give it a custom price in NetSuite to carry it",
            )
            continue
        price_list = customer_list(customer_id, entry_currency)
        if (price_list, sku) in seen:
            mapped.error(index, f"{native}.item", "repeats an item of this customer's item pricing")
            continue
        seen.add((price_list, sku))
        mapped.need_list(
            ListSpec(
                price_list,
                f"NetSuite customer {customer_id} ({entry_currency})",
                currency=entry_currency,
                named_by=f"{native}.item",
            ),
            index,
        )
        single_price(mapped, index, price_list, sku, entry.get("price"), f"{native}.price", source_version=version)


# -- files ---------------------------------------------------------------------------------------------------------

ITEM_COLUMNS = ("Item", "Item Name/Number", "Item Name", "Name", "Item ID", "SKU")
QUANTITY_COLUMNS = ("Quantity", "Minimum Quantity", "Min Qty", "Qty", "Quantity Pricing")
PRICE_COLUMNS = ("Unit Price", "Price", "Amount")


def pricing_row(row: Row, options: Options) -> RowResult:
    """A row of a NetSuite item pricing file (one matrix cell per row): `Item`, `Currency`, `Price Level`,
    `Quantity` (0 or blank: the base quantity), `Unit Price`."""
    result = RowResult()
    item_column, sku = row.cell(*ITEM_COLUMNS)
    result.key = sku
    if sku is None:
        result.error(item_column, "is required")
    level_column, level = row.cell("Price Level", "Level")
    if level is None:
        result.error(level_column, "is required")
    currency_column, currency_text = row.cell("Currency")
    currency = result.read(currency_column, currency_text, currency_of, options)
    qty_column, qty_text = row.cell(*QUANTITY_COLUMNS)
    quantity = 1 if qty_text is None else result.read(qty_column, qty_text, whole, zero_is=1)
    price_column, price_text = row.cell(*PRICE_COLUMNS)
    if price_text is None:
        return result  # an empty cell of the matrix: no price at this level and quantity
    price = result.read(price_column, price_text, money)
    if sku is None or level is None or currency is None:
        return result
    spec = _level_spec(level, currency, level_column)
    result.ladder = (spec.slug, sku)
    if result.errors or quantity is None or price is None:
        return result
    result.lists.append(spec)
    result.prices.append(RowPrice(spec.slug, sku, quantity, price, price_column, qty_column))
    return result


FILE_LAYOUTS = (Layout("item-pricing", ("Price Level",), PRICE_COLUMNS, pricing_row),)
RESOURCES: dict[str, Adapter] = {"price-levels": price_levels, "item-pricing": item_pricing, "customers": customers}
