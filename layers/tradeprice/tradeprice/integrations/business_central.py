"""Microsoft Dynamics 365 Business Central: price list lines (one line per minimum quantity) and customers on a
customer price group.

The standard API does not expose price list lines, so tenants publish a custom API page: fields are read by name
case-, space- and punctuation-insensitively, so the camelCase of such a page (`minimumQuantity`) and the page
captions (`Minimum Quantity`) both work, and OData's `_x0020_` in enum values (`All_x0020_Customers`) is a space.
Records come in OData's `{"value": [...], "@odata.nextLink": …}` (the link is ignored: send each page).

Lists, by the line's `Source Type` and currency (blank `Currency Code` is the local currency, `?currency=`):

    All Customers            bc-all-customers-<currency>
    Customer Price Group X   bc-group-<x>-<currency>
    Customer C               bc-customer-<c>-<currency>

Lines differing only in `Minimum Quantity` form one ladder (the `Price List Code` that groups lines in Business
Central does not name a tradeprice list: who the price is for does). Customers are grouped by (price group,
currency): group
`bc-<x>-<currency>` with [its group list, the all-customers list], or `bc-all-customers-<currency>` without a
price group; a customer with prices of their own gets their list first. Lines of other sources (campaigns,
contacts, vendors, discount groups), of other asset types, discount lines, variant lines and lines of draft or
inactive price lists are not carried, and say so.
"""

from typing import Any

from tradeprice.integrations.base import (
    Adapter,
    Ladders,
    ListSpec,
    Mapped,
    NativeValueError,
    Options,
    Row,
    currency_code,
    flag,
    group_write,
    header_key,
    moment,
    money,
    objects,
    read,
    records_of,
    slug,
    version_of,
    whole,
)
from tradeprice.integrations.records import CustomerNames, add_customer

SYSTEM = "business-central"
ENVELOPES = ("value",)

_PRICE_SOURCES = {"allcustomers", "customerpricegroup", "customer"}


def all_customers_list(currency: str) -> str:
    return f"bc-all-customers-{currency.lower()}"


def group_list(price_group: str, currency: str) -> str:
    return slug("bc-group", price_group, currency.lower())


def customer_list(customer_no: str, currency: str) -> str:
    return slug("bc-customer", customer_no, currency.lower(), exact=True)


def group_slug(price_group: str | None, currency: str) -> str:
    return slug("bc", price_group, currency.lower()) if price_group else all_customers_list(currency)


def group_chain(price_group: str | None, currency: str) -> list[str]:
    return [*([group_list(price_group, currency)] if price_group else []), all_customers_list(currency)]


def _enum(value: str | None) -> str:
    return header_key((value or "").replace("_x0020_", " "))


def _currency(value: str | None, options: Options) -> str:
    if value is None:
        if options.currency is None:
            raise NativeValueError("is blank (the local currency) and no ?currency= says which currency that is")
        return options.currency
    return currency_code(value)


SKU_FIELDS = ("assetNo", "Asset No.", "itemNo", "Item No.", "itemNumber")
SOURCE_TYPE_FIELDS = ("sourceType", "Source Type", "assignToType", "salesType", "Sales Type")
SOURCE_NO_FIELDS = ("sourceNo", "Source No.", "assignToNo", "salesCode", "Sales Code")


def records(payload: Any) -> list[Any]:
    """OData's `{"value": [...]}`, a bare array, or one entity as a single GET answers it (`{"@odata.context",
    "@odata.etag", ...fields}`, no `value`)."""
    if isinstance(payload, dict) and "value" not in payload:
        return [payload]
    return records_of(payload, ENVELOPES)


def price_list_lines(payload: Any, options: Options) -> Mapped:
    """Price list lines (`priceListCode, sourceType, sourceNo, assetType, assetNo, …`) or the older Sales Price
    records (`itemNo, salesType, salesCode, …`, table 7002): the same facts under older names. A Sales Price's
    `salesType` is Customer, Customer Price Group, All Customers or Campaign; campaign prices are not carried."""
    return _prices(payload, options, "price-list-lines")


def sales_prices(payload: Any, options: Options) -> Mapped:
    """The older Sales Price shape (`itemNo`/`itemNumber`, `salesType`, `salesCode`, `minimumQuantity`, `unitPrice`,
    `startingDate`, `endingDate`, `currencyCode`, `variantCode`, `unitOfMeasureCode`, `priceIncludesVAT`)."""
    return _prices(payload, options, "sales-prices")


def _prices(payload: Any, options: Options, resource: str) -> Mapped:
    mapped = Mapped(SYSTEM, resource)
    ladders = Ladders()
    for index, raw in objects(mapped, records(payload), lambda line: Row(line).cell(*SKU_FIELDS)[1]):
        line = Row(raw)
        sku_field, sku = line.cell(*SKU_FIELDS)
        if sku is None:
            mapped.error(index, sku_field, "is required")
            continue
        status_field, status = line.cell("status", "Status")
        if status is not None and _enum(status) != "active":
            mapped.skip(index, status_field, f"the price list is {status}: only active price lists apply")
            continue
        asset_field, asset_type = line.cell("assetType", "Asset Type", "productType", "Product Type")
        if asset_type is not None and _enum(asset_type) != "item":
            mapped.skip(index, asset_field, f"asset type {asset_type} is not carried (items only)")
            continue
        amount_field, amount_type = line.cell("amountType", "Amount Type")
        if amount_type is not None and _enum(amount_type) == "discount":
            mapped.skip(index, amount_field, "discount lines are not carried (tradeprice stores prices)")
            continue
        discount_field, discount = line.cell("lineDiscount", "Line Discount %", "lineDiscountPercent")
        if discount is not None and read(mapped, index, discount_field, discount, money) not in (None, 0):
            mapped.warn(index, discount_field, "the line discount is not carried; the unit price is")
        variant_field, variant = line.cell("variantCode", "Variant Code")
        if variant is not None:
            mapped.skip(index, variant_field, "variant prices are not carried: tradeprice SKUs are BC items")
            continue
        source_field, source_type = line.cell(*SOURCE_TYPE_FIELDS)
        kind = _enum(source_type)
        if kind == "campaign":
            mapped.skip(index, source_field, "Campaign prices apply only through a campaign's segments: not carried")
            continue
        if kind not in _PRICE_SOURCES:
            mapped.skip(index, source_field, f"source type {source_type or '(blank)'} is not carried")
            continue
        number_field, number = line.cell(*SOURCE_NO_FIELDS)
        currency_field, currency_text = line.cell("currencyCode", "Currency Code")
        currency = read(mapped, index, currency_field, currency_text, _currency, options)
        quantity_field, quantity_text = line.cell("minimumQuantity", "Minimum Quantity")
        quantity = 1 if quantity_text is None else read(mapped, index, quantity_field, quantity_text, whole, zero_is=1)
        price_field, price_text = line.cell("unitPrice", "Unit Price")
        price = None
        if price_text is None:
            mapped.error(index, price_field, "is required")
        else:
            price = read(mapped, index, price_field, price_text, money)
        from_field, from_text = line.cell("startingDate", "Starting Date")
        until_field, until_text = line.cell("endingDate", "Ending Date")
        valid_from = read(mapped, index, from_field, from_text, moment)
        valid_until = read(mapped, index, until_field, until_text, moment, end_of_day=True)
        vat_field, vat_text = line.cell("priceIncludesVAT", "Price Includes VAT", "priceIncludesTax")
        vat = read(mapped, index, vat_field, vat_text, flag)
        unit = line.cell("unitOfMeasureCode", "Unit of Measure Code", "unitofMeasureCode")[1]
        version = version_of(mapped, index, "lastModifiedDateTime", line.cell("lastModifiedDateTime")[1])
        if kind != "allcustomers" and number is None:
            mapped.error(index, number_field, f"is required for source type {source_type}")
            continue
        if currency is None:
            continue
        if kind == "allcustomers":
            spec = ListSpec(all_customers_list(currency), f"Business Central all customers ({currency})")
        elif kind == "customerpricegroup":
            spec = ListSpec(group_list(number or "", currency), f"Business Central price group {number} ({currency})")
        else:
            spec = ListSpec(customer_list(number or "", currency), f"Business Central customer {number} ({currency})")
            mapped.relink[number or ""] = spec.slug
        spec.currency, spec.tax_inclusive, spec.named_by = currency, bool(vat), source_field
        price_list = mapped.need_list(spec, index)
        if mapped.lists[price_list].tax_inclusive != bool(vat):
            mapped.error(index, vat_field, "differs from other lines of the same list (prices net and gross mixed)")
        if mapped.failed(index) or quantity is None or price is None:
            ladders.taint(price_list, sku, index)
            continue
        ladders.add(
            price_list,
            sku,
            quantity,
            price,
            index,
            price_field,
            window=(valid_from, valid_until),
            unit_of_measure=unit,
            source_version=version,
            window_field=f"{from_field}/{until_field}",
            quantity_field=quantity_field,
        )
    ladders.emit(mapped, ladder_field="minimumQuantity")
    return mapped


def customers(payload: Any, options: Options) -> Mapped:
    """Customers: `number`, `displayName`, `email`, `currencyCode`, `customerPriceGroup`, `blocked`."""
    mapped = Mapped(SYSTEM, "customers")
    for index, raw in objects(mapped, records(payload), lambda c: Row(c).cell("number", "No.")[1]):
        customer = Row(raw)
        number_field, number = customer.cell("number", "No.")
        email_field, email = customer.cell("email", "E-Mail", "eMail")
        name_field, name = customer.cell("displayName", "Name")
        currency_field, currency_text = customer.cell("currencyCode", "Currency Code")
        currency = read(mapped, index, currency_field, currency_text, _currency, options)
        group_field, price_group = customer.cell("customerPriceGroup", "Customer Price Group")
        blocked_field, blocked = customer.cell("blocked", "Blocked")
        version = version_of(mapped, index, "lastModifiedDateTime", customer.cell("lastModifiedDateTime")[1])
        if number is None:
            mapped.error(index, number_field, "is required")
            continue
        if currency is None:
            continue
        chain = group_chain(price_group, currency)
        for price_list in chain:
            name_of = f"price group {price_group}" if price_list != all_customers_list(currency) else "all customers"
            mapped.need_list(
                ListSpec(
                    price_list, f"Business Central {name_of} ({currency})", currency=currency, named_by=group_field
                ),
                index,
            )
        group = group_slug(price_group, currency)
        title = f"Business Central {price_group or 'all customers'} ({currency})"
        group_write(mapped, group, title, chain, index, group_field)
        names = CustomerNames(
            id=number_field,
            email=email_field,
            company=name_field,
            currency=currency_field,
            group=group_field,
            status=blocked_field,
        )
        add_customer(
            mapped,
            index,
            names,
            number,
            email=email,
            # Blocked "Ship", "Invoice" or "All" each stop sales to the customer; blank (or " ") is not blocked.
            status="inactive" if blocked is not None and _enum(blocked) not in {"", "none"} else "active",
            group=group,
            currency=currency,
            company=name,
            version=version,
            specific_list=customer_list(number, currency),
        )
    return mapped


RESOURCES: dict[str, Adapter] = {
    "price-list-lines": price_list_lines,
    "sales-prices": sales_prices,
    "customers": customers,
}
FILE_LAYOUTS = ()
