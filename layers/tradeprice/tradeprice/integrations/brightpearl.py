"""Brightpearl: price lists (each with its currency and gross/net flag), quantity-break prices per product and
list, and contacts that name their price list.

Lists and groups:

    brightpearl-<price list id>    a SELL price list; also the customer group of the contacts on it

Brightpearl answers inside `{"response": [...]}`. BUY lists are purchase costs: they are skipped, and product
prices for a list that was never synced as SELL are skipped too (with a warning), so cost prices never reach a
store. Sync the price lists first; nothing here creates a Brightpearl list implicitly. Product prices name the
product by id; its SKU comes from the products sent beside them (a price list's own `sku` is a per-list alias).
"""

from typing import Any

from tradeprice.domain.models import BASE_GROUP
from tradeprice.integrations.base import (
    Adapter,
    ListSpec,
    Mapped,
    NativeValueError,
    Options,
    PayloadError,
    Write,
    blank,
    currency_code,
    decimal,
    dig,
    flag,
    group_write,
    money,
    objects,
    read,
    records_of,
    side_list,
    text,
    version_of,
    whole,
)
from tradeprice.integrations.records import CustomerNames, add_customer, optional

SYSTEM = "brightpearl"
ENVELOPES = ("response",)


def list_slug(price_list_id: Any) -> str:
    identifier = text(price_list_id)
    if identifier is None or not identifier.isdigit():
        raise NativeValueError("must be a Brightpearl price list id (a whole number)")
    return f"brightpearl-{identifier}"


def price_lists(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "price-lists")
    for index, entry in objects(mapped, records_of(payload, ENVELOPES), lambda e: text(e.get("id"))):
        slug_ = read(mapped, index, "id", entry.get("id"), list_slug)
        kind = read(mapped, index, "priceListTypeCode", entry.get("priceListTypeCode"), text)
        name = entry.get("name")
        title = read(mapped, index, "name.text", name.get("text") if isinstance(name, dict) else name, text)
        code = read(mapped, index, "code", entry.get("code"), text)
        currency = read(mapped, index, "currencyCode", entry.get("currencyCode"), currency_code)
        gross = read(mapped, index, "gross", entry.get("gross"), flag)
        if slug_ is None or currency is None:
            continue
        if kind is not None and kind.upper() == "BUY":
            mapped.skip(index, "priceListTypeCode", "a BUY list holds purchase costs; only SELL lists are carried")
            continue
        mapped.need_list(
            ListSpec(
                slug_,
                (title or code or slug_)[:200],
                currency=currency,
                tax_inclusive=bool(gross),
                define=True,
                named_by="id",
            ),
            index,
        )
    return mapped


COST_LIST = "0"
"""Brightpearl's cost price list: always id 0, always BUY."""


def product_prices(payload: Any, options: Options) -> Mapped:
    """`{"response": [{productId, priceLists: [{priceListId, currencyCode, sku?, quantityPrice}]}],
    "products": [{id, identity: {sku}}]}`.

    A price list's `sku` is the product's optional SKU *for that list* (an alias, per list, often absent): the
    SKU a price is stored under is the product's own `identity.sku`, from the Brightpearl products sent beside the
    prices (GET /product-service/product/{ids}), as Katana rows name variants by id. `quantityPrice` keys are the
    break quantities as strings (`{"1": "10", "5": "9.555"}`); an empty map removes the SKU from that list. The
    cost list (id 0) and lists never synced as SELL lists are purchase prices: skipped with a warning.
    """
    mapped = Mapped(SYSTEM, "product-prices")
    skus = _product_skus(payload)
    for index, product in objects(mapped, records_of(payload, ENVELOPES), lambda p: _product_key(p, skus)):
        product_id = read(mapped, index, "productId", product.get("productId"), _product_id)
        entries = product.get("priceLists")
        if product_id is None:
            continue
        if not isinstance(entries, list):
            mapped.error(index, "priceLists", "must be an array")
            continue
        sku = skus.get(product_id)
        if sku is None:
            mapped.error(
                index,
                "productId",
                "names no product of the payload's 'products' (send the products, GET /product-service/product/"
                "{ids}, beside their prices: a price list's sku is an alias, not the product's SKU)",
                product_id,
            )
            continue
        version = version_of(mapped, index, "updatedOn", product.get("updatedOn"))
        seen: set[str] = set()
        for position, entry in enumerate(entries):
            native = f"priceLists[{position}]"
            if not isinstance(entry, dict):
                mapped.error(index, native, "must be an object")
                continue
            slug_ = read(mapped, index, f"{native}.priceListId", entry.get("priceListId"), list_slug)
            currency = optional(mapped, index, f"{native}.currencyCode", entry.get("currencyCode"), currency_code)
            if slug_ is None:
                continue
            if slug_ in seen:
                mapped.error(index, f"{native}.priceListId", "repeats a list of this product")
                continue
            seen.add(slug_)
            if text(entry.get("priceListId")) == COST_LIST:
                mapped.warn(
                    index, f"{native}.priceListId", "the cost price list (0) holds purchase prices: not carried"
                )
                continue
            mapped.need_list(
                ListSpec(slug_, slug_, currency=currency, when_missing="skip", named_by=f"{native}.priceListId"), index
            )
            _list_prices(mapped, index, native, entry, slug_, sku, version)
        if not mapped.failed(index) and not any(index in write.origins for write in mapped.writes):
            mapped.records[index].skipped = True  # only cost prices: each one's warning says why
    return mapped


def _list_prices(
    mapped: Mapped, index: int, native: str, entry: dict[str, Any], slug_: str, sku: str, version: Any
) -> None:
    breaks = entry.get("quantityPrice")
    if not isinstance(breaks, dict):
        mapped.error(index, f"{native}.quantityPrice", "must be an object of quantity → price")
        return
    if not breaks:
        mapped.add(Write("price", {"price_list": slug_, "sku": sku, "tiers": []}, (index,)))
        return
    tiers: list[dict[str, Any]] = []
    fields = {"": f"{native}.quantityPrice", "tiers": f"{native}.quantityPrice"}
    for key, value in breaks.items():
        quantity = read(mapped, index, f"{native}.quantityPrice", key, whole)
        price = read(mapped, index, f"{native}.quantityPrice.{key}", value, money)
        if quantity is not None and price is not None:
            fields[f"tiers.{len(tiers)}"] = f"{native}.quantityPrice.{key}"
            tiers.append({"min_qty": quantity, "price": price})
    if mapped.failed(index):
        return
    if not any(tier["min_qty"] == 1 for tier in tiers):
        mapped.error(index, f"{native}.quantityPrice", 'needs a break at quantity 1 ("1"): a ladder starts at 1')
        return
    document: dict[str, Any] = {"price_list": slug_, "sku": sku, "tiers": tiers}
    if version is not None:
        document["source_version"] = version
    mapped.add_checked("price", document, (index,), fields, lists=(slug_,))


def _product_id(value: Any) -> str:
    identifier = text(value)
    if identifier is None or not identifier.isdigit():
        raise NativeValueError("must be a Brightpearl product id (a whole number)")
    return identifier


def _product_skus(payload: Any) -> dict[str, str]:
    """Product id → the product's SKU, from Brightpearl products (`{id, identity: {sku}}`) sent as `products`."""
    skus: dict[str, str] = {}
    for position, product in enumerate(side_list(payload, "products")):
        if not isinstance(product, dict):
            raise PayloadError(f"products[{position}] must be a Brightpearl product object")
        try:
            identifier = text(product.get("id", product.get("productId")))
            sku = text(
                dig(product, "identity.sku") if isinstance(product.get("identity"), dict) else product.get("sku")
            )
        except NativeValueError:
            identifier = sku = None
        if identifier is None or sku is None:
            raise PayloadError(f"products[{position}] needs an id and an identity.sku")
        skus[identifier] = sku
    return skus


def _product_key(product: dict[str, Any], skus: dict[str, str]) -> str | None:
    identifier = text(product.get("productId"))
    return skus.get(identifier or "", identifier)


NAMES = CustomerNames(
    id="contactId",
    email="communication.emails.PRI.email",
    company="organisation.name",
    discount="financialDetails.discountPercentage",
    currency="financialDetails.currencyCode",
    credit_limit="financialDetails.creditLimit",
    net_days="financialDetails.creditTermDays",
)


def customers(payload: Any, options: Options) -> Mapped:
    """Contacts: `{"response": [{contactId, communication{emails{PRI{email}}}, organisation{name},
    financialDetails{priceListId, currencyCode, discountPercentage, creditLimit, creditTermDays}}]}`."""
    mapped = Mapped(SYSTEM, "customers")
    for index, contact in objects(mapped, records_of(payload, ENVELOPES), lambda c: text(c.get("contactId"))):
        contact_id = read(mapped, index, "contactId", contact.get("contactId"), text)
        email = read(mapped, index, NAMES.email, _email(contact), text)
        company = NAMES.read(mapped, index, contact, "company", text)
        person = " ".join(part for part in (text(contact.get("firstName")), text(contact.get("lastName"))) if part)
        found = contact.get("financialDetails")
        details: dict[str, Any] = found if isinstance(found, dict) else {}
        list_field = "financialDetails.priceListId" if "priceListId" in details else "priceListId"
        list_id = details.get("priceListId", contact.get("priceListId"))
        slug_ = None if list_id == 0 else optional(mapped, index, list_field, list_id, list_slug)
        currency = optional(mapped, index, "financialDetails.currencyCode", details.get("currencyCode"), currency_code)
        discount = optional(
            mapped, index, "financialDetails.discountPercentage", details.get("discountPercentage"), decimal
        )
        days = optional(
            mapped, index, "financialDetails.creditTermDays", details.get("creditTermDays"), whole, zero_is=0
        )
        version = version_of(mapped, index, "updatedOn", contact.get("updatedOn"))
        if contact_id is None:
            mapped.error(index, "contactId", "is required")
            continue
        group = BASE_GROUP
        if slug_ is not None:
            mapped.need_list(ListSpec(slug_, slug_, when_missing="error", named_by=list_field), index)
            written = group_write(mapped, slug_, f"Brightpearl price list {slug_[12:]}", [slug_], index, list_field)
            if written is None:
                continue
            group = slug_
        add_customer(
            mapped,
            index,
            NAMES.with_group(list_field),
            contact_id,
            email=email,
            group=group,
            company=company or person or None,
            discount=discount,
            currency=currency,
            credit_limit=details.get("creditLimit"),
            net_days=days,
            version=version,
        )
    return mapped


def _email(contact: dict[str, Any]) -> Any:
    found = dig(contact, "communication.emails.PRI.email")
    return found if not blank(found) else contact.get("primaryEmail")


RESOURCES: dict[str, Adapter] = {"price-lists": price_lists, "product-prices": product_prices, "customers": customers}
FILE_LAYOUTS = ()
