"""One owner per field: the ERP (a key tagged `erp`) and the platform (Shopify's webhook) write one customer.

Ownership: identity (email, company, tags, addresses) ← platform; group, pricing, terms, status ← erp. Whatever
the order, and when both write at the same moment, each field ends with its owner's value; a write of a field
the other owns is not applied and is reported as a warning, the rest of the record applied.
"""

import copy
import json
import threading
from decimal import Decimal

import pytest

from functions.ingest_api import app as ingest_api
from tests.conftest import load_event, reset_caches
from tests.integration.platforms import fixture
from tradeprice.data import reference
from tradeprice.domain.models import CustomerGroup
from tradeprice.logic import customers

OWNERSHIP = {"customers": {"identity": "platform", "group": "erp", "pricing": "erp", "terms": "erp", "status": "erp"}}
CUSTOMER = "shopify-706405506930370084"


@pytest.fixture
def owned(monkeypatch, platform_secrets):
    monkeypatch.setenv("FIELD_OWNERSHIP", json.dumps(OWNERSHIP))
    monkeypatch.setenv("SHOPIFY_MAPPING", json.dumps({"tag_rules": [{"tag": "wholesale", "group": "web"}]}))
    reset_caches()
    for slug in ("trade", "gold", "web"):
        customers.put_group(CustomerGroup(slug=slug, name=slug.title()))


def erp_writes(lambda_context, record, source="erp"):
    """POST /v1/customers:batch with a key created with `--source erp`."""
    event = copy.deepcopy(load_event("ingest_api/post-customers-batch"))
    event["requestContext"]["authorizer"] = {"principal": "key:erp", "scopes": "write", "source": source}
    event["headers"].pop("Idempotency-Key", None)
    event["body"] = json.dumps({"customers": [{"id": CUSTOMER, **record}]})
    response = ingest_api.lambda_handler(event, lambda_context)
    return json.loads(response["body"])["results"][0]


def platform_writes(deliver, version, **changes):
    payload = fixture("shopify", "customers-create.json")
    payload.update({"updated_at": version, **changes})
    return deliver("shopify-customers-create", body=payload, webhook_id=f"delivery-{version}")["json"]


ERP_RECORD = {
    "email": "accounts@biller-erp.example",
    "company": "BILLER INC (ERP)",
    "group": "trade",
    "discount_percent": "7.5",
    "status": "active",
    "payment_terms": {"net_days": 30},
    "source_version": 17,
}


def assert_each_field_has_its_owners_value(company="Biller Inc", group="trade", discount="7.5"):
    stored = reference.get_customer(CUSTOMER)
    # the platform's: identity
    assert stored.email == "bob@biller.com"
    assert stored.company == company
    assert stored.tags == ["wholesale"]
    assert stored.addresses[0].line1 == "151 O'Connor Street"
    # the ERP's: group, pricing, terms, status
    assert stored.group == group
    assert stored.discount_percent == Decimal(discount)
    assert stored.payment_terms.net_days == 30
    assert stored.status == "active"  # the platform's "disabled" is not applied: the ERP owns status


PLATFORM_CHANGES = {
    "tags": "wholesale",
    "default_address": {**fixture("shopify", "customers-create.json")["default_address"], "company": "Biller Inc"},
}


def test_erp_first_then_platform(owned, deliver, lambda_context):
    first = erp_writes(lambda_context, ERP_RECORD)
    answer = platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)

    assert first["status"] == "created"
    assert answer["status"] == "updated"
    fields = {warning["field"] for warning in answer["warnings"]}
    assert fields == {"group", "status"}  # the platform's web group and disabled state: not applied
    assert_each_field_has_its_owners_value()


def test_platform_first_then_erp(owned, deliver, lambda_context):
    platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)
    result = erp_writes(lambda_context, ERP_RECORD)

    assert result["status"] == "updated"
    # only what the record carries is compared: it has no tags or addresses, so those are not its to refuse
    assert {warning["field"] for warning in result["warnings"]} == {"email", "company"}
    assert all("owned by 'platform'" in warning["reason"] for warning in result["warnings"])
    assert_each_field_has_its_owners_value()


def test_sources_keep_their_own_order(owned, deliver, lambda_context):
    """The ERP's version 17 and Shopify's updated_at are different clocks: each is compared with its own."""
    erp_writes(lambda_context, ERP_RECORD)
    platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)

    newer = erp_writes(lambda_context, {**ERP_RECORD, "group": "gold", "source_version": 18})
    older = erp_writes(lambda_context, {**ERP_RECORD, "group": "trade", "source_version": 16})
    late = platform_writes(deliver, "2021-06-01T00:00:00Z", **{**PLATFORM_CHANGES, "default_address": None})

    assert (newer["status"], older["status"], late["status"]) == ("updated", "stale", "stale")
    assert_each_field_has_its_owners_value(group="gold")


def test_concurrent_writes_each_end_with_their_owners_values(owned, deliver, lambda_context):
    erp_writes(lambda_context, ERP_RECORD)
    platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)
    for round_ in range(1, 9):
        company = f"Biller Inc {round_}"
        discount = f"{round_}.5"
        changes = {**PLATFORM_CHANGES, "default_address": {**PLATFORM_CHANGES["default_address"], "company": company}}
        threads = [
            threading.Thread(
                target=erp_writes,
                args=(lambda_context, {**ERP_RECORD, "discount_percent": discount, "source_version": 17 + round_}),
            ),
            threading.Thread(
                target=platform_writes, args=(deliver, f"2022-01-0{round_ + 1}T00:00:00Z"), kwargs=changes
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert_each_field_has_its_owners_value(company=company, discount=discount)


def test_without_ownership_the_last_write_wins_but_a_webhook_never_resets_what_it_does_not_carry(
    platform_secrets, deliver, lambda_context, monkeypatch
):
    customers.put_group(CustomerGroup(slug="trade", name="Trade"))
    erp_writes(lambda_context, ERP_RECORD)
    platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)

    stored = reference.get_customer(CUSTOMER)
    assert (stored.email, stored.group, stored.status) == ("bob@biller.com", "base", "inactive")  # the last write
    assert stored.discount_percent == Decimal("7.5")  # not carried by the webhook: left as the ERP wrote it
    assert stored.payment_terms.net_days == 30


def test_an_untagged_key_is_the_merchants_own_hand_and_not_restricted(owned, deliver, lambda_context):
    platform_writes(deliver, "2022-01-01T00:00:00Z", **PLATFORM_CHANGES)

    result = erp_writes(lambda_context, {**ERP_RECORD, "source_version": None}, source="")

    assert "warnings" not in result
    assert reference.get_customer(CUSTOMER).company == "BILLER INC (ERP)"
