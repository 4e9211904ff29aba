"""The lookup reads stored records into plain dataclasses (data/lookup_reads.py), not the pydantic models: for
every field resolution uses, a record must read back as the model reads the same item, and a malformed item must
be refused, never priced from."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradeprice.data import lookup_reads, reference
from tradeprice.domain.models import Customer, CustomerGroup, CustomerStatus, DerivationRule, PriceList, ProductRule
from tradeprice.domain.models import Rounding as RoundingModel

LISTS = [
    PriceList(slug="trade", name="Trade", currency="GBP"),
    PriceList(
        slug="eu",
        name="EU",
        currency="EUR",
        tax_inclusive=True,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        rules=DerivationRule(
            source="trade",
            adjustment_percent=Decimal("-12.5"),
            fx_rate=Decimal("1.1712"),
            rounding=RoundingModel(increment=Decimal("0.05"), mode="up"),
        ),
        source_version=Decimal(7),
    ),
    PriceList(slug="promo", name="Promo", currency="GBP", rules=DerivationRule(source="trade")),
]
GROUPS = [
    CustomerGroup(slug="base", name="Everyone"),
    CustomerGroup(slug="trade", name="Trade", price_lists=["trade", "promo"]),
    CustomerGroup(slug="gold", name="Gold", parent="trade"),
]
CUSTOMERS = [
    Customer(id="C-1"),
    Customer(
        id="C-2",
        email="Buyer@Example.com",
        status=CustomerStatus.INACTIVE,
        group="gold",
        price_lists=["eu"],
        discount_percent=Decimal("2.5"),
        currency="EUR",
        tags=["vip"],
    ),
]
RULES = [
    ProductRule(sku="BOLT-M8"),
    ProductRule(group="gold", sku="BOLT-M8", pack_size=5, min_qty=10, max_qty=500, sell=False, display=True),
]


def _fields(record: object, names: tuple[str, ...]) -> dict[str, object]:
    return {name: getattr(record, name) for name in names}


@pytest.mark.parametrize("model", LISTS, ids=lambda model: model.slug)
def test_a_list_reads_as_the_model_reads_it(model):
    item = reference.PRICE_LISTS.to_item(model)
    record = lookup_reads.list_record(item)
    stored = reference.PRICE_LISTS.from_item(item)

    assert _fields(record, ("slug", "currency", "tax_inclusive", "valid_from", "valid_until")) == _fields(
        stored, ("slug", "currency", "tax_inclusive", "valid_from", "valid_until")
    )
    if stored.rules is None:
        assert record.rules is None
    else:
        assert record.rules is not None
        names = ("source", "adjustment_percent", "fx_rate")
        assert _fields(record.rules, names) == _fields(stored.rules, names)
        assert (record.rules.rounding is None) == (stored.rules.rounding is None)
        if stored.rules.rounding is not None:
            assert _fields(record.rules.rounding, ("increment", "mode")) == _fields(
                stored.rules.rounding, ("increment", "mode")
            )
    at = datetime(2026, 6, 1, tzinfo=UTC)
    assert record.is_valid_at(at) == stored.is_valid_at(at)


@pytest.mark.parametrize("model", GROUPS, ids=lambda model: model.slug)
def test_a_group_reads_as_the_model_reads_it(model):
    item = reference.GROUPS.to_item(model)

    record = lookup_reads.group_record(item)

    assert (record.slug, record.parent, list(record.price_lists)) == (model.slug, model.parent, model.price_lists)


@pytest.mark.parametrize("model", CUSTOMERS, ids=lambda model: model.id)
def test_a_customer_reads_as_the_model_reads_it(model):
    item = reference.CUSTOMERS.to_item(model)

    record = lookup_reads.customer_record(item)

    names = ("id", "status", "group", "discount_percent", "currency")
    assert _fields(record, names) == _fields(model, names)
    assert record.status is model.status
    assert list(record.price_lists) == model.price_lists


@pytest.mark.parametrize("model", RULES, ids=lambda model: model.group)
def test_a_rule_reads_as_the_model_reads_it(model):
    item = reference.RULES.to_item(model)

    record = lookup_reads.rule_record(item)

    names = ("group", "sku", "pack_size", "min_qty", "max_qty", "sell", "display")
    assert _fields(record, names) == _fields(model, names)


@pytest.mark.parametrize(
    ("decode", "item"),
    [
        (lookup_reads.list_record, {"slug": {"S": "trade"}}),
        (lookup_reads.list_record, {"slug": {"S": "trade"}, "currency": {"N": "826"}}),
        (lookup_reads.list_record, {"slug": {"S": "t"}, "currency": {"S": "GBP"}, "valid_from": {"S": "2026-01-01"}}),
        (lookup_reads.list_record, {"slug": {"S": "t"}, "currency": {"S": "GBP"}, "rules": {"M": {}}}),
        (lookup_reads.customer_record, {"id": {"S": "C-1"}, "status": {"S": "suspended"}}),
        (lookup_reads.customer_record, {"id": {"S": "C-1"}, "price_lists": {"L": [{"N": "1"}]}}),
        (lookup_reads.customer_record, {"id": {"S": "C-1"}, "discount_percent": {"BOOL": True}}),
        (lookup_reads.rule_record, {"sku": {"S": "BOLT-M8"}, "group": {"S": "base"}, "pack_size": {"S": "5"}}),
        (lookup_reads.rule_record, {"sku": {"S": "BOLT-M8"}, "group": {"S": "base"}, "pack_size": {"BOOL": True}}),
        (lookup_reads.rule_record, {"sku": {"S": "BOLT-M8"}, "group": {"S": "base"}, "sell": {"S": "no"}}),
        (lookup_reads.group_record, {"name": {"S": "Trade"}}),
    ],
)
def test_a_malformed_item_is_refused(decode, item):
    with pytest.raises(ValueError):  # noqa: PT011 - MalformedItem, or the enum's or datetime's own ValueError
        decode(item)
