"""Brightpearl: price lists (each with its currency and gross/net flag), quantity-break prices per product and
list, and contacts that name their price list.

Lists and groups:

    brightpearl-<price list id>    a SELL price list; also the customer group of the contacts on it

Brightpearl answers inside `{"response": [...]}`. BUY lists are purchase costs: they are skipped, and product
prices for a list that was never synced as SELL are skipped too (with a warning), so cost prices never reach a
store. Sync the price lists first; nothing here creates a Brightpearl list implicitly.
"""

from typing import Any

from tradeprice.domain.models import BASE_GROUP
from tradeprice.integrations.base import (
    Adapter,
    ListSpec,
    Mapped,
    NativeValueError,
    Options,
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
    text,
    version_of,
    whole,
)

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


def product_prices(payload: Any, options: Options) -> Mapped:
    """`{"response": [{productId, priceLists: [{priceListId, currencyCode, sku, quantityPrice}]}]}`.

    `quantityPrice` keys are the break quantities as strings (`{"1": "10", "5": "9.555"}`); an empty map removes
    the SKU from that list.
    """
    mapped = Mapped(SYSTEM, "product-prices")
    for index, product in objects(mapped, records_of(payload, ENVELOPES), _product_key):
        entries = product.get("priceLists")
        if not isinstance(entries, list):
            mapped.error(index, "priceLists", "must be an array")
            continue
        version = version_of(mapped, index, "updatedOn", product.get("updatedOn"))
        seen: set[str] = set()
        for position, entry in enumerate(entries):
            native = f"priceLists[{position}]"
            if not isinstance(entry, dict):
                mapped.error(index, native, "must be an object")
                continue
            slug_ = read(mapped, index, f"{native}.priceListId", entry.get("priceListId"), list_slug)
            sku = read(mapped, index, f"{native}.sku", entry.get("sku", product.get("sku")), text)
            currency_raw = entry.get("currencyCode")
            currency = (
                None
                if blank(currency_raw)
                else read(mapped, index, f"{native}.currencyCode", currency_raw, currency_code)
            )
            if slug_ is None:
                continue
            if sku is None:
                mapped.error(index, f"{native}.sku", "is required: tradeprice prices SKUs, not product ids")
                continue
            if slug_ in seen:
                mapped.error(index, f"{native}.priceListId", "repeats a list of this product")
                continue
            seen.add(slug_)
            mapped.need_list(
                ListSpec(slug_, slug_, currency=currency, when_missing="skip", named_by=f"{native}.priceListId"), index
            )
            breaks = entry.get("quantityPrice")
            if not isinstance(breaks, dict):
                mapped.error(index, f"{native}.quantityPrice", "must be an object of quantity → price")
                continue
            if not breaks:
                mapped.add(Write("price", {"price_list": slug_, "sku": sku, "tiers": []}, (index,)))
                continue
            tiers: list[dict[str, Any]] = []
            fields = {"": f"{native}.quantityPrice", "tiers": f"{native}.quantityPrice"}
            for key, value in breaks.items():
                quantity = read(mapped, index, f"{native}.quantityPrice", key, whole)
                price = read(mapped, index, f"{native}.quantityPrice.{key}", value, money)
                if quantity is not None and price is not None:
                    fields[f"tiers.{len(tiers)}"] = f"{native}.quantityPrice.{key}"
                    tiers.append({"min_qty": quantity, "price": price})
            if mapped.failed(index):
                continue
            if not any(tier["min_qty"] == 1 for tier in tiers):
                mapped.error(
                    index, f"{native}.quantityPrice", 'needs a break at quantity 1 ("1"): a ladder starts at 1'
                )
                continue
            document: dict[str, Any] = {"price_list": slug_, "sku": sku, "tiers": tiers}
            if version is not None:
                document["source_version"] = version
            mapped.add_checked("price", document, (index,), fields, lists=(slug_,))
    return mapped


def _product_key(product: dict[str, Any]) -> str | None:
    entries = product.get("priceLists")
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and not blank(entry.get("sku")):
                return str(entry["sku"]).strip()
    return text(product.get("sku")) or text(product.get("productId"))


def customers(payload: Any, options: Options) -> Mapped:
    """Contacts: `{"response": [{contactId, communication{emails{PRI{email}}}, organisation{name},
    financialDetails{priceListId, currencyCode, discountPercentage, creditLimit, creditTermDays}}]}`."""
    mapped = Mapped(SYSTEM, "customers")
    for index, contact in objects(mapped, records_of(payload, ENVELOPES), lambda c: text(c.get("contactId"))):
        contact_id = read(mapped, index, "contactId", contact.get("contactId"), text)
        email = read(mapped, index, "communication.emails.PRI.email", _email(contact), text)
        company = read(mapped, index, "organisation.name", dig(contact, "organisation.name"), text)
        person = " ".join(part for part in (text(contact.get("firstName")), text(contact.get("lastName"))) if part)
        found = contact.get("financialDetails")
        details: dict[str, Any] = found if isinstance(found, dict) else {}
        list_field = "financialDetails.priceListId" if "priceListId" in details else "priceListId"
        list_id = details.get("priceListId", contact.get("priceListId"))
        slug_ = None if blank(list_id) or list_id == 0 else read(mapped, index, list_field, list_id, list_slug)
        currency_raw = details.get("currencyCode")
        currency = (
            None
            if blank(currency_raw)
            else read(mapped, index, "financialDetails.currencyCode", currency_raw, currency_code)
        )
        discount_raw = details.get("discountPercentage")
        discount = (
            None
            if blank(discount_raw)
            else read(mapped, index, "financialDetails.discountPercentage", discount_raw, decimal)
        )
        credit = details.get("creditLimit")
        days_raw = details.get("creditTermDays")
        days = (
            None
            if blank(days_raw)
            else read(mapped, index, "financialDetails.creditTermDays", days_raw, whole, zero_is=0)
        )
        version = version_of(mapped, index, "updatedOn", contact.get("updatedOn"))
        if contact_id is None:
            mapped.error(index, "contactId", "is required")
            continue
        if email is None:
            mapped.error(index, "communication.emails.PRI.email", "is required: tradeprice keys customers by email too")
            continue
        group = BASE_GROUP
        if slug_ is not None:
            mapped.need_list(ListSpec(slug_, slug_, when_missing="error", named_by=list_field), index)
            written = group_write(mapped, slug_, f"Brightpearl price list {slug_[12:]}", [slug_], index, list_field)
            if written is None:
                continue
            group = slug_
        document: dict[str, Any] = {"id": contact_id, "email": email, "group": group}
        if company or person:
            document["company"] = (company or person)[:200]
        if discount is not None:
            document["discount_percent"] = discount
        if currency is not None:
            document["currency"] = currency
        terms: dict[str, Any] = {}
        if not blank(credit):
            terms["credit_limit"] = credit
        if days is not None:
            terms["net_days"] = days
        if terms:
            document["payment_terms"] = terms
        if version is not None:
            document["source_version"] = version
        mapped.add_checked(
            "customer",
            document,
            (index,),
            {
                "id": "contactId",
                "email": "communication.emails.PRI.email",
                "company": "organisation.name",
                "group": list_field,
                "discount_percent": "financialDetails.discountPercentage",
                "currency": "financialDetails.currencyCode",
                "payment_terms.credit_limit": "financialDetails.creditLimit",
                "payment_terms.net_days": "financialDetails.creditTermDays",
            },
        )
    return mapped


def _email(contact: dict[str, Any]) -> Any:
    found = dig(contact, "communication.emails.PRI.email")
    return found if not blank(found) else contact.get("primaryEmail")


RESOURCES: dict[str, Adapter] = {"price-lists": price_lists, "product-prices": product_prices, "customers": customers}
FILE_LAYOUTS = ()
