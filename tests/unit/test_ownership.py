"""Field ownership as a pure rule: what a source's write changes of a stored customer, and what it reports."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tradeprice.domain.models import Customer, CustomerStatus
from tradeprice.logic.ownership import Ownership, restrict

STORED = Customer(
    id="C-1",
    email="old@example.com",
    company="Old Ltd",
    group="trade",
    discount_percent=Decimal(5),
    status=CustomerStatus.ACTIVE,
)
RULES = Ownership.model_validate({"customers": {"identity": "platform", "group": "erp", "pricing": "erp"}})


def test_a_new_record_takes_every_field_its_first_writer_sends():
    incoming = Customer(id="C-1", email="new@example.com", group="web")

    assert restrict(None, incoming, "platform", RULES).customer == incoming


def test_fields_another_source_owns_are_kept_and_reported_the_rest_applied():
    incoming = Customer.model_validate({"id": "C-1", "email": "new@example.com", "group": "web", "status": "inactive"})

    applied = restrict(STORED, incoming, "platform", RULES)

    assert applied.customer.email == "new@example.com"  # identity: the platform's
    assert applied.customer.status == "inactive"  # nobody owns status: the last write wins
    assert applied.customer.group == "trade"  # the ERP's
    assert applied.warnings == [
        {"field": "group", "reason": "owned by 'erp': not applied from 'platform'", "value": "web"}
    ]


def test_sending_the_stored_value_of_a_field_one_does_not_own_is_no_conflict():
    incoming = Customer.model_validate({"id": "C-1", "email": "x@example.com", "group": "trade"})

    assert restrict(STORED, incoming, "platform", RULES).warnings == []


def test_fields_a_write_does_not_carry_keep_their_stored_values():
    incoming = Customer.model_validate({"id": "C-1", "email": "old@example.com", "company": "New Ltd"})

    applied = restrict(STORED, incoming, "platform", RULES).customer

    assert (applied.company, applied.discount_percent, applied.group) == ("New Ltd", Decimal(5), "trade")


def test_no_ownership_means_the_last_write_wins_for_every_carried_field():
    incoming = Customer.model_validate({"id": "C-1", "email": "new@example.com", "group": "web"})

    applied = restrict(STORED, incoming, "platform", Ownership())

    assert (applied.customer.email, applied.customer.group, applied.warnings) == ("new@example.com", "web", [])


@pytest.mark.parametrize(
    "document",
    [
        {"customers": {"identity": "Platform"}},  # a source is lower case
        {"customers": {"names": "platform"}},  # no such field group
        {"prices": {"identity": "erp"}},  # no such record kind
    ],
)
def test_a_malformed_ownership_document_is_refused(document):
    with pytest.raises(ValidationError):
        Ownership.model_validate(document)
