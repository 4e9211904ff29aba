"""What every adapter shares: exact values, ERP dates, slugs, envelopes, ladders, the record builders."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradeprice.errors import InvalidInput
from tradeprice.integrations.base import (
    Ladders,
    Mapped,
    NativeValueError,
    Write,
    decimal,
    moment,
    money,
    percent,
    records_of,
    slug,
    whole,
)
from tradeprice.integrations.records import (
    CustomerNames,
    add_customer,
    customer_document,
    customer_objects,
    is_zero,
    optional,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("0.4200"), "0.4200"), ("0.4200", "0.4200"), (3, "3"), ("1.50000000", "1.5"), (" 2.5 ", "2.5")],
)
def test_money_is_exact_as_sent(value, expected):
    assert str(money(value)) == expected


@pytest.mark.parametrize("value", [0.1, "abc", -1, True, None, "1.0000001", "NaN", Decimal("1e12")])
def test_money_refuses_what_it_cannot_carry_exactly(value):
    with pytest.raises(NativeValueError):
        money(value)


@pytest.mark.parametrize(("value", "expected"), [(50, 50), (Decimal("50.0"), 50), ("50.0000", 50), ("0", 1)])
def test_whole_quantities_accept_erp_decimals(value, expected):
    assert whole(value, zero_is=1) == expected


@pytest.mark.parametrize("value", ["2.5", -1, 0])
def test_whole_quantities_refuse_fractions_and_non_positive(value):
    with pytest.raises(NativeValueError):
        whole(value)


def test_percentages_may_carry_a_percent_sign():
    assert percent("-10.0%") == Decimal("-10.0")


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("/Date(1767225600000)/", False, datetime(2026, 1, 1, tzinfo=UTC)),
        ("/Date(1767225600000)/", True, datetime(2026, 1, 2, tzinfo=UTC)),  # a midnight end date: through its end
        ("2026-12-31", True, datetime(2027, 1, 1, tzinfo=UTC)),
        ("31/12/2026", False, datetime(2026, 12, 31, tzinfo=UTC)),
        ("2026-01-04T08:00:00Z", False, datetime(2026, 1, 4, 8, tzinfo=UTC)),
        ("2026-01-04T08:00:00", False, datetime(2026, 1, 4, 8, tzinfo=UTC)),  # naive: UTC
        ("0001-01-01", False, None),  # Business Central's blank date
        ("", False, None),
    ],
)
def test_erp_dates(text, end_of_day, expected):
    assert moment(text, end_of_day=end_of_day) == expected


def test_slugs_are_deterministic_bounded_and_distinguish_ids():
    assert slug("unleashed-tier", "Sell Price Tier 3") == "unleashed-tier-sell-price-tier-3"
    assert slug("netsuite", "Base Price", "gbp") == "netsuite-base-price-gbp"
    assert slug("x", "C-1", exact=True) == "x-c-1"  # lossless but for case: no digest
    assert slug("x", "C 1", exact=True).startswith("x-c-1-")
    long = slug("unleashed-customer", "A" * 100, exact=True)
    assert len(long) == 64
    assert long == slug("unleashed-customer", "A" * 100, exact=True)
    assert slug("x", "!!!").startswith("x-")


def test_records_come_from_a_bare_array_or_the_named_envelope():
    assert records_of([1], ("Items",)) == [1]
    assert records_of({"Pagination": {}, "Items": [2]}, ("Items",)) == [2]
    with pytest.raises(InvalidInput, match="'Items'"):
        records_of({"items": []}, ("Items",))
    with pytest.raises(InvalidInput, match="at most 1,000"):
        records_of([{}] * 1001, ("Items",))


def test_a_ladder_with_a_failed_row_is_written_by_none_of_its_rows():
    mapped = Mapped("x", "y")
    for index in range(3):
        mapped.record(index, "SKU")
    ladders = Ladders()
    ladders.add("l", "SKU", 1, Decimal(1), 0, "p0", quantity_field="q0")
    ladders.add("l", "SKU", 10, Decimal("0.9"), 1, "p1", quantity_field="q1")
    ladders.taint("l", "SKU", 2)
    mapped.error(2, "p2", "not a number")

    ladders.emit(mapped, ladder_field="ladder")

    assert mapped.writes == []
    assert [record.errors[0]["field"] for record in mapped.records] == ["q0", "q1", "p2"]


def test_a_ladder_repeating_a_quantity_fails():
    mapped = Mapped("x", "y")
    for index in range(2):
        mapped.record(index, "SKU")
    ladders = Ladders()
    ladders.add("l", "SKU", 1, Decimal(1), 0, "p0", quantity_field="q0")
    ladders.add("l", "SKU", 1, Decimal(2), 1, "p1", quantity_field="q1")

    ladders.emit(mapped, ladder_field="ladder")

    assert mapped.writes == []
    assert mapped.records[1].errors[0]["field"] == "q1"


# -- shared record builders (integrations.records) ----------------------------------------------------------------


def test_the_customer_document_sets_only_the_fields_the_system_sent():
    document = customer_document(
        "C1", email=None, group="base", company="x" * 250, discount=Decimal(5), credit_limit="", net_days=30
    )

    assert document == {
        "id": "C1",
        "group": "base",
        "company": "x" * 200,
        "discount_percent": Decimal(5),
        "payment_terms": {"net_days": 30},
    }


def test_customer_errors_name_the_systems_fields():
    batch = Mapped("test", "customers")
    batch.record(0, "C1")
    names = CustomerNames(id="CustomerCode", email="Email", discount="DiscountRate", credit_limit="CreditLimit")

    assert not add_customer(batch, 0, names, "C1", email="a@example.com", discount=Decimal(150))

    assert [error["field"] for error in batch.records[0].errors] == ["DiscountRate"]
    assert names.fields()["payment_terms"] == "CreditLimit"


def test_customer_fields_are_read_where_the_names_say_and_their_errors_name_that_field():
    names = CustomerNames(id="Code", email="Contact.Email", company="Name", discount="Discount")
    payload = {"Items": [{"Code": " C1 ", "Contact": {"Email": "a@example.com"}, "Discount": "lots"}, {"Name": "B"}, 7]}
    batch = Mapped("test", "customers")

    read = [
        (names.identity(batch, index, customer), names.optional(batch, index, customer, "discount", decimal))
        for index, customer in customer_objects(batch, payload, ("Items",), names)
    ]

    assert read == [(("C1", "a@example.com", None), None), ((None, None, "B"), None)]
    assert [record.key for record in batch.records] == ["C1", None, None]
    assert [[e["field"] for e in record.errors] for record in batch.records] == [["Discount"], ["Code"], ["record"]]


def test_optional_reads_nothing_when_the_field_is_absent_and_errors_when_it_does_not_parse():
    batch = Mapped("test", "products")
    batch.record(0, "X")

    assert optional(batch, 0, "Price", None, money) is None
    assert optional(batch, 0, "Price", "  ", money) is None
    assert optional(batch, 0, "Price", "1.50", money) == Decimal("1.50")
    assert optional(batch, 0, "Price", "abc", money) is None
    assert batch.records[0].errors == [{"field": "Price", "reason": "not a number", "value": "abc"}]


@pytest.mark.parametrize(
    ("value", "zero"),
    [(0, True), ("0.0000", True), (Decimal("0.00"), True), ("0.01", False), (None, False), ("", False), ("abc", False)],
)
def test_a_slot_reading_zero_is_no_price(value, zero):
    assert is_zero(value) is zero


def test_a_record_that_gave_nothing_is_skipped_with_a_word_never_dropped():
    batch = Mapped("test", "things")
    for index in range(3):
        batch.record(index, str(index))
    batch.error(0, "field", "bad")
    batch.add(Write("price", {"price_list": "l", "sku": "1", "tiers": []}, (1,)))

    batch.account()

    assert [(r.skipped, bool(r.errors)) for r in batch.records] == [(False, True), (False, False), (True, False)]
    assert batch.records[2].warnings == [
        {"field": "record", "reason": "nothing in this record is carried by tradeprice"}
    ]
