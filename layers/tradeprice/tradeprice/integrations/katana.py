"""Katana: price lists with one row per variant, linked to customers; variants carry the sales price.

Lists:

    katana-<price list id>     a Katana price list (`name`; `is_active: false` closes it at its `updated_at`)
    katana-default             variants' `sales_price`

Katana's list envelopes are `{"data": [...]}`. Price-list rows name variants by id, so the rows payload carries the
variants it needs beside them: `{"data": [rows], "variants": [{id, sku}, ...]}`. A customer's chain is the lists
linked to them (`price_list_customers`, in the order sent), then `katana-default`.

Only `adjustment_method: fixed` rows are carried: Katana does not state what `percentage` and `markup` are taken
of (sales or purchase price), so such rows are reported, never guessed. `minimum_order_quantity` is a supplier
minimum, not a sales rule.
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
    blank,
    currency_code,
    decimal,
    flag,
    moment,
    objects,
    read,
    records_of,
    required_text,
    side_list,
    single_price,
    text,
    version_of,
)
from tradeprice.integrations.records import CustomerNames, add_customer, customer_objects, optional

SYSTEM = "katana"
ENVELOPES = ("data",)
DEFAULT_LIST = "katana-default"


def _id(value: Any) -> str:
    identifier = text(value)
    if identifier is None or not identifier.isdigit():
        raise NativeValueError("must be a Katana id (a whole number)")
    return identifier


def _needed_list(price_list_id: str, native_field: str) -> ListSpec:
    return ListSpec(f"katana-{price_list_id}", f"Katana price list {price_list_id}", named_by=native_field)


def _default_spec() -> ListSpec:
    return ListSpec(DEFAULT_LIST, "Katana sales price", named_by="sales_price")


def price_lists(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "price-lists")
    for index, entry in objects(mapped, records_of(payload, ENVELOPES), lambda e: text(e.get("id"))):
        identifier = read(mapped, index, "id", entry.get("id"), _id)
        name = read(mapped, index, "name", entry.get("name"), text)
        active = read(mapped, index, "is_active", entry.get("is_active"), flag)
        updated = read(mapped, index, "updated_at", entry.get("updated_at"), moment)
        currency = optional(mapped, index, "currency", entry.get("currency"), currency_code)
        if identifier is None:
            continue
        spec = ListSpec(
            f"katana-{identifier}",
            (name or f"Katana price list {identifier}")[:200],
            currency=currency,
            define=True,
            named_by="id",
            # An inactive list stops applying; it is closed rather than deleted, so its prices stay readable.
            valid_until=(updated or options.now) if active is False else None,
        )
        mapped.need_list(spec, index)
    return mapped


def variants(payload: Any, options: Options) -> Mapped:
    """Variants' `sales_price` → `katana-default` (purchase_price and minimum_order_quantity are supplier-side)."""
    mapped = Mapped(SYSTEM, "variants")
    for index, variant in objects(mapped, records_of(payload, ENVELOPES), lambda v: text(v.get("sku"))):
        sku = read(mapped, index, "sku", variant.get("sku"), required_text)
        version = version_of(mapped, index, "updated_at", variant.get("updated_at"))
        if sku is None:
            continue
        if "sales_price" not in variant:
            mapped.skip(index, "sales_price", "absent: purchase_price and minimum_order_quantity are supplier-side")
            continue
        mapped.need_list(_default_spec(), index)
        single_price(mapped, index, DEFAULT_LIST, sku, variant["sales_price"], "sales_price", source_version=version)
    return mapped


def price_list_rows(payload: Any, options: Options) -> Mapped:
    mapped = Mapped(SYSTEM, "price-list-rows")
    skus: dict[str, str] = {}
    for position, variant in enumerate(side_list(payload, "variants")):
        if not isinstance(variant, dict) or blank(variant.get("id")) or blank(variant.get("sku")):
            raise PayloadError(f"variants[{position}] needs an id and a sku")
        skus[str(variant["id"]).strip()] = str(variant["sku"]).strip()
    rows = records_of(payload, (*ENVELOPES, "price_list_rows"))
    seen: dict[tuple[str, str], int] = {}
    for index, row in objects(mapped, rows, lambda r: skus.get(str(r.get("variant_id")).strip(), text(r.get("id")))):
        list_id = read(mapped, index, "price_list_id", row.get("price_list_id"), _id)
        variant_id = read(mapped, index, "variant_id", row.get("variant_id"), _id)
        method = read(mapped, index, "adjustment_method", row.get("adjustment_method"), text)
        version = version_of(mapped, index, "updated_at", row.get("updated_at"))
        if list_id is None or variant_id is None:
            continue
        sku = skus.get(variant_id)
        if sku is None:
            mapped.error(index, "variant_id", "no variant with this id in the payload's 'variants'", variant_id)
            continue
        if method is None or method.lower() != "fixed":
            mapped.error(
                index,
                "adjustment_method",
                "only 'fixed' rows are carried: Katana does not state what a percentage or markup is taken of",
                method,
            )
            continue
        if (list_id, sku) in seen:
            mapped.error(index, "variant_id", f"repeats record {seen[(list_id, sku)]} of this batch (same list)")
            continue
        seen[(list_id, sku)] = index
        price_list = mapped.need_list(_needed_list(list_id, "price_list_id"), index)
        if blank(row.get("amount")):
            mapped.error(index, "amount", "is required")
            continue
        single_price(mapped, index, price_list, sku, row.get("amount"), "amount", source_version=version)
    return mapped


NAMES = CustomerNames(
    id="id",
    email="email",
    company="name",
    discount="discount_rate",
    currency="currency",
    price_lists="price_list_customers",
)


def customers(payload: Any, options: Options) -> Mapped:
    """`{"data": [customers], "price_list_customers": [{price_list_id, customer_id}]}`.

    A link to a customer the payload does not hold is not applied, and the answer's `warnings` say so (send the
    customer with its links). A `discount_rate` of 100 would price everything at zero: it is not carried, with a
    warning on the customer.
    """
    mapped = Mapped(SYSTEM, "customers")
    linked: dict[str, list[str]] = {}
    link_fields: dict[str, list[int]] = {}
    for position, link in enumerate(side_list(payload, "price_list_customers")):
        if not isinstance(link, dict):
            raise PayloadError(f"price_list_customers[{position}] must be an object")
        try:
            list_id, customer_id = _id(link.get("price_list_id")), _id(link.get("customer_id"))
        except NativeValueError as problem:
            raise PayloadError(f"price_list_customers[{position}]: {problem.reason}") from None
        chain = linked.setdefault(customer_id, [])
        link_fields.setdefault(customer_id, []).append(position)
        if list_id not in chain:
            chain.append(list_id)
    held: set[str] = set()
    for index, customer in customer_objects(mapped, payload, ENVELOPES, NAMES):
        customer_id, email, name = NAMES.identity(mapped, index, customer, _id)
        currency = NAMES.optional(mapped, index, customer, "currency", currency_code)
        discount = NAMES.optional(mapped, index, customer, "discount", decimal)
        version = version_of(mapped, index, "updated_at", customer.get("updated_at"))
        if customer_id is None:
            continue
        held.add(customer_id)
        if discount == 100:
            mapped.warn(
                index,
                "discount_rate",
                "a discount of 100 % would price every item at zero: not carried (set the customer's "
                "discount_percent in tradeprice if it is meant)",
            )
            discount = None
        chain = [
            mapped.need_list(_needed_list(list_id, "price_list_customers.price_list_id"), index)
            for list_id in linked.get(customer_id, [])
        ]
        chain.append(mapped.need_list(_default_spec(), index))
        add_customer(
            mapped,
            index,
            NAMES,
            customer_id,
            email=email,
            group=BASE_GROUP,
            price_lists=chain,
            company=name,
            discount=discount,  # Katana's discount_rate is already a percentage (0–100)
            currency=currency,
            version=version,
            lists=tuple(chain),
        )
    for customer_id in sorted(set(linked) - held, key=int):
        for position in link_fields[customer_id]:
            mapped.note(
                f"price_list_customers[{position}].customer_id",
                f"customer {customer_id} is not in this payload's data: the link is not applied (send the customer "
                "with its links)",
            )
    return mapped


RESOURCES: dict[str, Adapter] = {
    "price-lists": price_lists,
    "price-list-rows": price_list_rows,
    "variants": variants,
    "customers": customers,
}
FILE_LAYOUTS = ()
