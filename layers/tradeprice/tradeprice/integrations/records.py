"""The canonical records every adapter builds, built once: the customer document and its native-field map, and
"read this field only when the system sent it".

    NAMES = CustomerNames(id="CustomerCode", email="Email", company="CustomerName", discount="DiscountRate")
    for index, customer in customer_objects(mapped, payload, ENVELOPES, NAMES):
        code, email, name = NAMES.identity(mapped, index, customer)
        discount = NAMES.optional(mapped, index, customer, "discount", decimal)
        add_customer(mapped, index, NAMES, code, email=email, company=name, discount=discount)

A customer's email is optional in every system (Unleashed, Cin7 Core and Business Central all hold customers
without one): a record without it is passed on without it, never refused for that alone.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tradeprice.integrations.base import (
    Mapped,
    NativeValueError,
    blank,
    decimal,
    dig,
    objects,
    read,
    records_of,
    required_text,
    text,
)


def optional(mapped: Mapped, origin: int, native_field: str, value: Any, parse: Any, *args: Any, **kwargs: Any) -> Any:
    """`read` for a field the system may leave out: None when absent or blank, else `parse(value)` (a value that
    does not parse is the record's error, naming `native_field`)."""
    if blank(value):
        return None
    return read(mapped, origin, native_field, value, parse, *args, **kwargs)


def is_zero(value: Any) -> bool:
    """A price slot that reads 0 (`0`, `"0.0000"`): Unleashed's and Cin7 Core's "no price in this slot" (their
    slots are plain numbers that default to 0), never a price of zero."""
    try:
        return not blank(value) and decimal(value) == 0
    except NativeValueError:
        return False


def present(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that have a value: a canonical field is set only when the native one is present."""
    return {name: value for name, value in fields.items() if value is not None}


@dataclass(frozen=True, slots=True)
class CustomerNames:
    """The system's name for each customer field it carries, so errors the domain model or the write path raise
    name the field the way the system's users know it."""

    id: str
    email: str
    company: str | None = None
    group: str | None = None
    status: str | None = None
    discount: str | None = None
    currency: str | None = None
    credit_limit: str | None = None
    net_days: str | None = None
    price_lists: str | None = None

    def read(self, mapped: Mapped, origin: int, customer: Mapping[str, Any], field: str, parse: Any, *args: Any) -> Any:
        """`read` of a customer field (`id`, `email`, `company`, …) where this system keeps it (a dotted name is
        dug for): the native name is written once, here, so the value read and the field its errors name cannot
        drift apart."""
        native = getattr(self, field)
        return read(mapped, origin, native, dig(customer, native), parse, *args)

    def optional(self, mapped: Mapped, origin: int, customer: Mapping[str, Any], field: str, parse: Any) -> Any:
        """`optional` of a customer field where this system keeps it (see `read`)."""
        native = getattr(self, field)
        return optional(mapped, origin, native, dig(customer, native), parse)

    def identity(
        self, mapped: Mapped, origin: int, customer: Mapping[str, Any], id_parse: Any = required_text
    ) -> tuple[Any, str | None, str | None]:
        """(id, email, company): what every system's customer carries, read in that order (email and company may
        be absent)."""
        customer_id = self.read(mapped, origin, customer, "id", id_parse)
        email = self.read(mapped, origin, customer, "email", text)
        company = self.read(mapped, origin, customer, "company", text) if self.company else None
        return customer_id, email, company

    def with_group(self, native_field: str) -> "CustomerNames":
        """The same names, the group read from `native_field` (systems that group by one of several fields)."""
        return replace(self, group=native_field)

    def fields(self) -> dict[str, str]:
        """Canonical field path → native field (`Write.fields`)."""
        return present(
            {
                "id": self.id,
                "email": self.email,
                "company": self.company,
                "group": self.group,
                "status": self.status,
                "discount_percent": self.discount,
                "currency": self.currency,
                "payment_terms": self.credit_limit or self.net_days,
                "payment_terms.credit_limit": self.credit_limit,
                "payment_terms.net_days": self.net_days,
                "price_lists": self.price_lists,
            }
        )


def customer_objects(
    mapped: Mapped, payload: Any, envelopes: Sequence[str], names: CustomerNames
) -> Iterator[tuple[int, dict[str, Any]]]:
    """The payload's customer objects (in `envelopes` or a bare array), each registered under its id."""
    return objects(mapped, records_of(payload, envelopes), lambda customer: text(dig(customer, names.id)))


def customer_document(
    customer_id: str,
    *,
    email: str | None = None,
    group: str | None = None,
    status: str | None = None,
    company: str | None = None,
    discount: Any = None,
    currency: str | None = None,
    credit_limit: Any = None,
    net_days: int | None = None,
    price_lists: list[str] | None = None,
    version: Any = None,
) -> dict[str, Any]:
    """The canonical customer: `id`, then every field the system sent (company names cut to the model's 200)."""
    document: dict[str, Any] = {"id": customer_id}
    document |= present(
        {
            "email": email,
            "status": status,
            "group": group,
            "price_lists": price_lists,
            "company": company[:200] if company else None,
            "discount_percent": discount,
            "currency": currency,
        }
    )
    terms = present({"credit_limit": None if blank(credit_limit) else credit_limit, "net_days": net_days})
    if terms:
        document["payment_terms"] = terms
    if version is not None:
        document["source_version"] = version
    return document


def add_customer(
    mapped: Mapped,
    origin: int,
    names: CustomerNames,
    customer_id: str,
    *,
    lists: tuple[str, ...] = (),
    specific_list: str | None = None,
    **values: Any,
) -> bool:
    """Validate and add the customer write of one native record (`values`: `customer_document`'s fields)."""
    document = customer_document(customer_id, **values)
    return mapped.add_checked("customer", document, (origin,), names.fields(), lists=lists, specific_list=specific_list)
