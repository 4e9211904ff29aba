"""Unleashed: fixed price slots on the product, quantity breaks and customer prices as ProductPrices rows.

Lists (all in the Unleashed base currency, `?currency=`: Unleashed tier prices are not currency specific):

    unleashed-default              DefaultSellPrice
    unleashed-tier-<tier name>     SellPriceTier1…10 by the tenant's tier *name* (`Name`, or `Sell Price Tier N`)
    unleashed-breaks               ProductPrices rows for all customers (quantity breaks)
    unleashed-customer-<code>      ProductPrices rows for one customer

A customer's chain follows Unleashed's resolution order: their own prices, quantity breaks, their tier, the default
sell price. Customers are grouped by tier (group `unleashed-tier-<tier name>`, or `unleashed-no-tier`).
"""

from decimal import Decimal
from typing import Any

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
    RowRule,
    blank,
    currency_code,
    decimal,
    dig,
    flag,
    group_write,
    moment,
    money,
    objects,
    read,
    records_of,
    required_text,
    single_price,
    slug,
    text,
    version_of,
    whole,
)
from tradeprice.integrations.records import CustomerNames, add_customer, customer_objects, is_zero, optional

SYSTEM = "unleashed"
ENVELOPES = ("Items",)
DEFAULT_LIST = "unleashed-default"
BREAKS_LIST = "unleashed-breaks"
NO_TIER_GROUP = "unleashed-no-tier"
TIER_SLOTS = 10


def tier_list(name: str) -> str:
    return slug("unleashed-tier", name)


def customer_list(code: str) -> str:
    return slug("unleashed-customer", code, exact=True)


def _default_spec() -> ListSpec:
    return ListSpec(DEFAULT_LIST, "Unleashed default sell price", named_by="DefaultSellPrice")


def _breaks_spec() -> ListSpec:
    return ListSpec(BREAKS_LIST, "Unleashed quantity breaks", named_by="ProductPrices")


def _tier_spec(name: str, native_field: str) -> ListSpec:
    return ListSpec(tier_list(name), f"Unleashed {name}", named_by=native_field)


def _customer_spec(code: str, native_field: str) -> ListSpec:
    return ListSpec(customer_list(code), f"Unleashed customer {code}", named_by=native_field)


def chain(tier: str | None) -> list[str]:
    """Unleashed's order after the customer's own prices: quantity break → customer's tier → default sell price."""
    return [BREAKS_LIST, *([tier_list(tier)] if tier else []), DEFAULT_LIST]


# -- products ------------------------------------------------------------------------------------------------------


def products(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "products")
    for index, product in objects(mapped, records_of(payload, ENVELOPES), lambda p: text(p.get("ProductCode"))):
        sku = read(mapped, index, "ProductCode", product.get("ProductCode"), required_text)
        version = version_of(mapped, index, "LastModifiedOn", product.get("LastModifiedOn"))
        unit = read(mapped, index, "UnitOfMeasure.Name", dig(product, "UnitOfMeasure.Name"), text)
        obsolete = read(mapped, index, "Obsolete", product.get("Obsolete"), flag)
        if sku is None:
            continue
        if obsolete:
            mapped.skip(index, "Obsolete", "an obsolete product is no longer sold: its prices are not carried")
            continue
        if "DefaultSellPrice" in product:
            mapped.need_list(_default_spec(), index)
            single_price(
                mapped,
                index,
                DEFAULT_LIST,
                sku,
                product["DefaultSellPrice"],
                "DefaultSellPrice",
                unit_of_measure=unit,
                source_version=version,
            )
        slots: dict[str, str] = {}
        for number in range(1, TIER_SLOTS + 1):
            native = f"SellPriceTier{number}"
            slot = product.get(native)
            if slot is None:
                continue
            if not isinstance(slot, dict):
                mapped.error(index, native, "must be an object {Name, Value}")
                continue
            name = read(mapped, index, f"{native}.Name", slot.get("Name"), text) or f"Sell Price Tier {number}"
            price_list = tier_list(name)
            if price_list in slots:
                mapped.error(index, f"{native}.Name", f"names the same tier as {slots[price_list]}", name)
                continue
            slots[price_list] = native
            mapped.need_list(_tier_spec(name, f"{native}.Name"), index)
            # An unused slot reads 0 ("0.0000"): no tier price, so Unleashed sells at the default sell price.
            # Removing the SKU from the tier's list makes the lookup fall through to `unleashed-default` too.
            value = slot.get("Value")
            single_price(
                mapped,
                index,
                price_list,
                sku,
                None if is_zero(value) else value,
                f"{native}.Value",
                unit_of_measure=unit,
                source_version=version,
            )
        if "MinimumSaleQuantity" in product:
            _minimum_rule(mapped, index, sku, product["MinimumSaleQuantity"], version)
        # MinimumOrderQuantity is a purchasing minimum (what Unleashed orders from suppliers): never a sales rule.
        # MinimumSellPrice is a floor for sales staff, not a price anyone pays: not carried.
    return mapped


def _minimum_rule(mapped: Mapped, index: int, sku: str, value: Any, version: Any) -> None:
    minimum = optional(mapped, index, "MinimumSaleQuantity", value, whole, zero_is=0)
    if minimum is None and not blank(value):
        return
    document: dict[str, Any] = {"group": BASE_GROUP, "sku": sku, "min_qty": minimum or None}
    if version is not None:
        document["source_version"] = version
    mapped.add_checked(
        "rule", document, (index,), {"": "MinimumSaleQuantity", "min_qty": "MinimumSaleQuantity"}, owns=("min_qty",)
    )


# -- product prices (quantity breaks, customer prices) -------------------------------------------------------------


def product_prices(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "product-prices")
    ladders = Ladders()
    for index, row in objects(mapped, records_of(payload, ENVELOPES), lambda r: text(dig(r, "Product.ProductCode"))):
        sku = read(mapped, index, "Product.ProductCode", dig(row, "Product.ProductCode"), required_text)
        customer = row.get("Customer")
        code = None
        if customer is not None:
            raw_code = customer.get("CustomerCode") if isinstance(customer, dict) else customer
            code = read(mapped, index, "Customer.CustomerCode", raw_code, required_text)
        if sku is None or (customer is not None and code is None):
            continue
        if code is None:
            price_list = mapped.need_list(_breaks_spec(), index)
        else:
            price_list = mapped.need_list(_customer_spec(code, "Customer.CustomerCode"), index)
            mapped.relink[code] = price_list
        price_type = read(mapped, index, "PriceType", row.get("PriceType"), text)
        if price_type is not None and price_type.lower().replace(" ", "") == "discount%":
            mapped.error(
                index,
                "PriceType",
                "a 'Discount %' row discounts a base price that is not in this row; tradeprice stores the prices "
                "customers pay: send 'Fixed price' rows",
                price_type,
            )
        elif price_type is not None and price_type.lower() != "fixed price":
            mapped.error(index, "PriceType", "must be 'Fixed price' or 'Discount %'", price_type)
        quantity = (
            1
            if blank(row.get("MinimumQuantity"))
            else read(mapped, index, "MinimumQuantity", row.get("MinimumQuantity"), whole, zero_is=1)
        )
        price = None
        if mapped.failed(index):
            pass
        elif blank(row.get("CustomerPrice")):
            mapped.error(index, "CustomerPrice", "is required for a 'Fixed price' row")
        else:
            price = read(mapped, index, "CustomerPrice", row.get("CustomerPrice"), money)
        valid_from = read(mapped, index, "ValidFrom", row.get("ValidFrom"), moment)
        valid_until = read(mapped, index, "ValidTo", row.get("ValidTo"), moment, end_of_day=True)
        if mapped.failed(index) or quantity is None or price is None:
            ladders.taint(price_list, sku, index)
            continue
        ladders.add(
            price_list,
            sku,
            quantity,
            price,
            index,
            "CustomerPrice",
            window=(valid_from, valid_until),
            window_field="ValidFrom/ValidTo",
            quantity_field="MinimumQuantity",
        )
    ladders.emit(mapped, ladder_field="MinimumQuantity")
    return mapped


# -- customers -----------------------------------------------------------------------------------------------------


NAMES = CustomerNames(
    id="CustomerCode",
    email="Email",
    company="CustomerName",
    group="SellPriceTier",
    status="Obsolete",
    discount="DiscountRate",
    currency="Currency.CurrencyCode",
)


def customers(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "customers")
    for index, customer in customer_objects(mapped, payload, ENVELOPES, NAMES):
        code, email, company = NAMES.identity(mapped, index, customer)
        tier = NAMES.read(mapped, index, customer, "group", text)
        reference = dig(customer, "SellPriceTierReference.Reference")
        if tier is None and not blank(reference):
            # The reference names a slot (SellPriceTier2), and slots are renamed per tenant: only the name is safe.
            mapped.error(index, "SellPriceTier", "is blank but SellPriceTierReference names a tier: send its name")
        discount = NAMES.optional(mapped, index, customer, "discount", _fraction)
        currency = NAMES.optional(mapped, index, customer, "currency", currency_code)
        obsolete = NAMES.read(mapped, index, customer, "status", flag)
        version = version_of(mapped, index, "LastModifiedOn", customer.get("LastModifiedOn"))
        if code is None:
            continue
        lists = chain(tier)
        for price_list in lists:
            if price_list == DEFAULT_LIST:
                mapped.need_list(_default_spec(), index)
            elif price_list == BREAKS_LIST:
                mapped.need_list(_breaks_spec(), index)
            else:
                mapped.need_list(_tier_spec(tier or "", "SellPriceTier"), index)
        group = tier_list(tier) if tier else NO_TIER_GROUP
        group_write(
            mapped,
            group,
            f"Unleashed {tier}" if tier else "Unleashed: no sell price tier",
            lists,
            index,
            "SellPriceTier",
        )
        if currency is not None and options.currency is not None and currency != options.currency:
            mapped.warn(
                index,
                "Currency.CurrencyCode",
                f"this customer trades in {currency} but the Unleashed lists are in {options.currency}: "
                "their lookups find no price until you give them lists in their currency (e.g. derived with "
                "an fx_rate)",
            )
        add_customer(
            mapped,
            index,
            NAMES,
            code,
            email=email,
            status="inactive" if obsolete else "active",
            group=group,
            company=company,
            discount=discount,
            currency=currency,
            version=version,
            specific_list=customer_list(code),
        )
    return mapped


def _fraction(value: Any) -> Decimal:
    """Unleashed's DiscountRate is a fraction (0.05 is 5 %); tradeprice's discount_percent is 0–100."""
    rate = decimal(value)
    if not 0 <= rate <= 1:
        raise NativeValueError("must be a fraction from 0 to 1 (0.05 is 5 %)")
    return rate * 100


# -- files ---------------------------------------------------------------------------------------------------------

PRICING_QTY = ("Min. Quantity", "Minimum Quantity")
PRICING_FROM = ("Valid From (DD/MM/YYYY)", "Valid From")
PRICING_TO = ("Valid To (DD/MM/YYYY)", "Valid To")


def pricing_row(row: Row, options: Options) -> RowResult:
    """A row of Unleashed's "Import Product Pricing" CSV: one quantity break (or, with `Customer Code`, one
    customer price) of one product."""
    result = RowResult()
    sku_column, sku = row.cell("Product Code")
    result.key = sku
    if sku is None:
        result.error(sku_column, "is required")
    type_column, price_type = row.cell("Price Type")
    if price_type is not None and price_type.lower().replace(" ", "") == "discount%":
        result.error(
            type_column,
            "a 'Discount %' row discounts a base price the file does not carry; send 'Fixed Price' rows",
            price_type,
        )
    elif price_type is not None and price_type.lower() != "fixed price":
        result.error(type_column, "must be 'Fixed Price' or 'Discount %'", price_type)
    qty_column, qty_text = row.cell(*PRICING_QTY)
    quantity = 1 if qty_text is None else result.read(qty_column, qty_text, whole, zero_is=1)
    price_column, price_text = row.cell("Price/Discount", "Price")
    price = result.read(price_column, price_text, money) if price_text is not None else None
    if price_text is None:
        result.error(price_column, "is required")
    from_column, from_text = row.cell(*PRICING_FROM)
    valid_from = result.read(from_column, from_text, _file_date)
    to_column, to_text = row.cell(*PRICING_TO)
    valid_until = result.read(to_column, to_text, _file_date, end_of_day=True)
    customer_column, customer = row.cell("Customer Code")
    spec = _breaks_spec() if customer is None else _customer_spec(customer, customer_column)
    if sku is not None:
        result.ladder = (spec.slug, sku)
    if result.errors or sku is None or quantity is None or price is None:
        return result
    if customer is not None:
        result.relink[customer] = spec.slug
    result.lists.append(spec)
    result.prices.append(RowPrice(spec.slug, sku, quantity, price, price_column, qty_column, valid_from, valid_until))
    return result


def _file_date(value: str | None, *, end_of_day: bool = False) -> Any:
    if value is None:
        return None
    if "/" not in value:
        raise NativeValueError("is not a date (DD/MM/YYYY)")
    return moment(value, end_of_day=end_of_day)


TIER_COLUMNS = tuple(f"Sell Price Tier {number}" for number in range(1, TIER_SLOTS + 1))


def products_row(row: Row, options: Options) -> RowResult:
    """A row of Unleashed's "Import Products" CSV: default sell price, tier columns, minimum sale quantity.

    Its tier columns are headed `Sell Price Tier N` whatever the tenant named the tiers: `Options.tier_names`
    (the manifest's `tier_names`) maps headers to names so file and API fill the same lists. A blank cell
    leaves that price as it is.
    """
    result = RowResult()
    sku_column, sku = row.cell("Product Code")
    result.key = sku
    if sku is None:
        result.error(sku_column, "is required")
        return result
    names = {header.lower(): name for header, name in options.tier_names.items()}
    for header, spec in (
        ("Default Sell Price", _default_spec()),
        *((column, _tier_spec(names.get(column.lower(), column), column)) for column in TIER_COLUMNS),
    ):
        column, value = row.cell(header)
        if value is None:
            continue
        price = result.read(column, value, money)
        if price is not None:
            result.lists.append(spec)
            result.prices.append(RowPrice(spec.slug, sku, 1, price, column))
    column, minimum = row.cell("Minimum Sale Quantity")
    if minimum is not None:
        quantity = result.read(column, minimum, whole, zero_is=0)
        if quantity is not None:
            result.rules.append(
                RowRule({"group": BASE_GROUP, "sku": sku, "min_qty": quantity or None}, ("min_qty",), column)
            )
    return result


FILE_LAYOUTS = (
    Layout("product-pricing", ("Product Code",), ("Price/Discount", "Price Type"), pricing_row),
    Layout("products", ("Product Code",), ("Default Sell Price", *TIER_COLUMNS, "Minimum Sale Quantity"), products_row),
)

RESOURCES: dict[str, Adapter] = {"products": products, "product-prices": product_prices, "customers": customers}
