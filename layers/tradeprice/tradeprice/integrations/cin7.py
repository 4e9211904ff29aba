"""Cin7 Core (formerly DEAR Systems): ten price tiers on the product, named per tenant; customer prices.

Lists:

    cin7-tier-<tier name>      a product's `PriceTiers` entry (keyed by the tenant's tier names), in the base
                               currency (`?currency=`)
    cin7-customer-<id>         `CustomPrices` of a product for one customer, or a customer's `ProductPrices`, in
                               the customer's currency

Customers are grouped by their `PriceTier` (group `cin7-tier-<tier name>`, whose only list is that tier); a
customer with prices of their own gets [their list, their tier's list]. Cin7 Core has no quantity breaks (its
promotions live in "Deals", not on products) and no sales pack rules: `CartonQuantity` is a shipping carton.
"""

from typing import Any

from tradeprice.integrations.base import (
    Adapter,
    ListSpec,
    Mapped,
    Options,
    currency_code,
    decimal,
    group_write,
    objects,
    read,
    records_of,
    required_text,
    single_price,
    slug,
    text,
    version_of,
)
from tradeprice.integrations.records import CustomerNames, add_customer, customer_objects, is_zero, optional

SYSTEM = "cin7"
TIER_SLOTS = 10
NO_TIER_GROUP = "cin7-no-tier"


def tier_list(name: str) -> str:
    return slug("cin7-tier", name)


def customer_list(customer_id: str) -> str:
    return slug("cin7-customer", customer_id, exact=True)


def _tier_spec(name: str, native_field: str) -> ListSpec:
    return ListSpec(tier_list(name), f"Cin7 Core {name}", named_by=native_field)


def products(payload: Any, options: Options) -> Mapped:
    """`{"Products": [...]}` (a page of GET /Product) or a bare array.

    `PriceTiers` — `{"Retail": 0.50, "Trade": 0.42}` — is read by name. Without it the numbered `PriceTier1`…`10`
    stand for the tenant's default tier names `Tier 1`…`Tier 10`. A tier price of 0 is Cin7 Core's "no price on
    this tier" (its tiers are plain numbers that default to 0), so it removes the SKU from that list rather than
    selling at zero.
    """
    mapped = Mapped(SYSTEM, "products")
    for index, product in objects(mapped, records_of(payload, ("Products",)), lambda p: text(p.get("SKU"))):
        sku = read(mapped, index, "SKU", product.get("SKU"), required_text)
        version = version_of(mapped, index, "LastModifiedOn", product.get("LastModifiedOn"))
        unit = read(mapped, index, "UOM", product.get("UOM"), text)
        if sku is None:
            continue
        named = product.get("PriceTiers")
        tiers: list[tuple[str, Any, str]] = []
        if isinstance(named, dict):
            tiers = [(str(name), value, f"PriceTiers.{name}") for name, value in named.items()]
        elif named is not None:
            mapped.error(index, "PriceTiers", "must be an object of tier name → price")
        else:
            tiers = [
                (f"Tier {number}", product[f"PriceTier{number}"], f"PriceTier{number}")
                for number in range(1, TIER_SLOTS + 1)
                if f"PriceTier{number}" in product
            ]
        seen: dict[str, str] = {}
        for name, value, native in tiers:
            price_list = tier_list(name)
            if price_list in seen:
                mapped.error(index, native, f"names the same tier as {seen[price_list]}")
                continue
            seen[price_list] = native
            mapped.need_list(_tier_spec(name, native), index)
            single_price(
                mapped,
                index,
                price_list,
                sku,
                None if is_zero(value) else value,
                native,
                unit_of_measure=unit,
                source_version=version,
            )
        custom = product.get("CustomPrices") or []
        if not isinstance(custom, list):
            mapped.error(index, "CustomPrices", "must be an array")
            continue
        for position, entry in enumerate(custom):
            native = f"CustomPrices[{position}]"
            if not isinstance(entry, dict):
                mapped.error(index, native, "must be an object")
                continue
            customer_id = read(mapped, index, f"{native}.CustomerID", entry.get("CustomerID"), required_text)
            code = optional(mapped, index, f"{native}.CustomerCurrency", entry.get("CustomerCurrency"), currency_code)
            if customer_id is None:
                continue
            name = text(entry.get("CustomerName")) or customer_id
            price_list = mapped.need_list(
                ListSpec(customer_list(customer_id), f"Cin7 Core customer {name}", currency=code, named_by=native),
                index,
            )
            mapped.relink[customer_id] = price_list
            single_price(mapped, index, price_list, sku, entry.get("Price"), f"{native}.Price", source_version=version)
        # CartonQuantity is the shipping carton, not an orderable multiple: never a sales rule.
    return mapped


NAMES = CustomerNames(
    id="ID",
    email="Contacts.Email",
    company="Name",
    group="PriceTier",
    status="Status",
    discount="Discount",
    currency="Currency",
    credit_limit="CreditLimit",
)


def customers(payload: Any, options: Options) -> Mapped:
    """`{"CustomerList": [...]}` (a page of GET /Customer) or a bare array."""
    mapped = Mapped(SYSTEM, "customers")
    for index, customer in customer_objects(mapped, payload, ("CustomerList",), NAMES):
        customer_id = NAMES.read(mapped, index, customer, "id", required_text)
        name = NAMES.read(mapped, index, customer, "company", text)
        currency = NAMES.optional(mapped, index, customer, "currency", currency_code)
        tier = NAMES.read(mapped, index, customer, "group", text)
        discount = NAMES.optional(mapped, index, customer, "discount", decimal)
        status = NAMES.read(mapped, index, customer, "status", text)
        version = version_of(mapped, index, "LastModifiedOn", customer.get("LastModifiedOn"))
        email = _email(customer)
        if customer_id is None:
            continue
        chain = [tier_list(tier)] if tier else []
        if tier:
            mapped.need_list(_tier_spec(tier, "PriceTier"), index)
        group = tier_list(tier) if tier else NO_TIER_GROUP
        group_write(
            mapped, group, f"Cin7 Core {tier}" if tier else "Cin7 Core: no price tier", chain, index, "PriceTier"
        )
        specific = customer_list(customer_id)
        prices = customer.get("ProductPrices") or []
        if not isinstance(prices, list):
            mapped.error(index, "ProductPrices", "must be an array")
            prices = []
        if prices:
            mapped.need_list(
                ListSpec(
                    specific, f"Cin7 Core customer {name or customer_id}", currency=currency, named_by="ProductPrices"
                ),
                index,
            )
        for position, entry in enumerate(prices):
            native = f"ProductPrices[{position}]"
            if not isinstance(entry, dict):
                mapped.error(index, native, "must be an object")
                continue
            sku = read(mapped, index, f"{native}.ProductSKU", entry.get("ProductSKU"), required_text)
            if sku is not None:
                single_price(
                    mapped, index, specific, sku, entry.get("Price"), f"{native}.Price", source_version=version
                )
        add_customer(
            mapped,
            index,
            NAMES,
            customer_id,
            email=email,
            status="inactive" if status is not None and status.lower() != "active" else "active",
            group=group,
            company=name,
            discount=discount,
            currency=currency,
            credit_limit=customer.get("CreditLimit"),
            version=version,
            specific_list=specific,
        )
    return mapped


def _email(customer: dict[str, Any]) -> str | None:
    """The default contact's email (`Contacts[{Email, Default}]`), else the first contact with one, else `Email`;
    None when no contact has one (Cin7 Core customers need no email)."""
    contacts = customer.get("Contacts") or []
    if isinstance(contacts, list):
        usable = [c for c in contacts if isinstance(c, dict) and isinstance(c.get("Email"), str) and c["Email"].strip()]
        usable.sort(key=lambda contact: contact.get("Default") is not True)
        if usable:
            return str(usable[0]["Email"]).strip()
    found = customer.get("Email")
    return found.strip() or None if isinstance(found, str) else None


RESOURCES: dict[str, Adapter] = {"products": products, "customers": customers}
FILE_LAYOUTS = ()
