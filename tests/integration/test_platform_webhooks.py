"""The platform webhooks in-process on moto: Shopify and BigCommerce customers, verified, deduplicated, ordered."""

import copy
import json
import os
from decimal import Decimal
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.ingest_api import app as ingest_api
from tests.conftest import load_event, reset_caches
from tests.fake_bigcommerce import ACCESS_TOKEN, STORE_HASH
from tests.integration.platforms import (
    fixture,
    run_sync,
    sqs_event,
)
from tradeprice.data import reference
from tradeprice.domain.models import Customer, CustomerGroup
from tradeprice.logic import customers

SHOPIFY_ID = "shopify-706405506930370084"


def customer(customer_id: str) -> Customer | None:
    return reference.get_customer(customer_id)


def groups(*slugs: str) -> None:
    for slug in slugs:
        customers.put_group(CustomerGroup(slug=slug, name=slug.title()))


def shopify_customer(**changes):
    payload = fixture("shopify", "customers-create.json")
    payload.update(changes)
    return payload


def use_mapping(monkeypatch, variable: str, document: dict[str, Any]) -> None:
    monkeypatch.setenv(variable, json.dumps(document))
    reset_caches()


# -- Shopify: authenticity ---------------------------------------------------------------------------------------


def test_the_vendors_customers_create_sample_becomes_a_customer(deliver):
    response = deliver("shopify-customers-create")

    assert response["statusCode"] == 200
    assert response["json"] == {
        "status": "created",
        "customer_id": SHOPIFY_ID,
        "external_id": "shopify:706405506930370084",
    }
    stored = customer(SHOPIFY_ID)
    assert stored.email == "bob@biller.com"
    assert stored.status == "inactive"  # the sample's state is "disabled"
    assert stored.group == "base"
    assert stored.source_version.isoformat() == "2021-12-31T19:00:00-05:00"
    assert [address.model_dump(exclude_none=True) for address in stored.addresses] == [
        {
            "label": "default",
            "line1": "151 O'Connor Street",
            "city": "Ottawa",
            "region": "ON",
            "postcode": "K2P 2L8",
            "country": "CA",
        }
    ]


@pytest.mark.parametrize("event", ["shopify-forged-signature"])
def test_a_forged_signature_is_refused_before_anything_is_read(deliver, event):
    response = deliver(event)

    assert response["statusCode"] == 401
    assert json.loads(response["body"])["type"].endswith("/unauthorized")
    assert customer(SHOPIFY_ID) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Shopify-Hmac-Sha256": ""},
        {"X-Shopify-Hmac-Sha256": "not base64 at all"},
    ],
)
def test_a_missing_or_malformed_signature_is_a_401(deliver, headers):
    assert deliver("shopify-customers-create", headers=headers)["statusCode"] == 401


def test_a_body_that_is_not_json_and_not_signed_is_a_401_not_a_400(deliver):
    response = deliver("shopify-customers-create", body="{not json", signature="AAAA")

    assert response["statusCode"] == 401


def test_a_signed_body_that_is_not_json_is_a_400(deliver):
    assert deliver("shopify-customers-create", body="{not json")["statusCode"] == 400


def test_a_body_signed_with_another_secret_is_refused(deliver):
    body = json.dumps(shopify_customer())
    from tests.integration.platforms import sign

    assert deliver("shopify-customers-create", body=body, signature=sign(body, "another-app"))["statusCode"] == 401


# -- Shopify: deduplication and order ----------------------------------------------------------------------------


def test_a_redelivered_webhook_id_is_answered_and_not_applied_again(deliver):
    deliver("shopify-customers-create")
    changed = shopify_customer(email="changed@biller.com", updated_at="2022-06-01T00:00:00Z")

    again = deliver("shopify-customers-create", body=changed)  # the same X-Shopify-Webhook-Id

    assert again["json"] == {"status": "duplicate"}
    assert customer(SHOPIFY_ID).email == "bob@biller.com"


def test_a_late_retry_of_an_older_state_cannot_overwrite_a_newer_one(deliver, monkeypatch):
    groups("trade")
    use_mapping(monkeypatch, "SHOPIFY_MAPPING", {"tag_rules": [{"tag": "wholesale", "group": "trade"}]})
    newer = shopify_customer(state="enabled", tags="wholesale", updated_at="2022-03-01T10:00:00-05:00")
    deliver("shopify-customers-create", body=newer, topic="customers/enable", webhook_id="delivery-2")

    late = deliver("shopify-customers-create", webhook_id="delivery-1")  # the older sample, retried late

    assert late["json"]["status"] == "stale"
    stored = customer(SHOPIFY_ID)
    assert (stored.status, stored.group, stored.tags) == ("active", "trade", ["wholesale"])


# -- Shopify: mapping --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "group"),
    [
        ("Wholesale, VIP", "gold"),  # both rules match: the first rule wins, case-insensitively
        ("wholesale", "trade"),
        ("retail, newsletter", "base"),  # no rule matches: the default group
        ("", "base"),
    ],
)
def test_tags_map_to_a_group_by_the_first_matching_rule(deliver, monkeypatch, tags, group):
    groups("gold", "trade")
    rules = {"tag_rules": [{"tag": "vip", "group": "gold"}, {"tag": "wholesale", "group": "trade"}]}
    use_mapping(monkeypatch, "SHOPIFY_MAPPING", rules)

    deliver("shopify-customers-create", body=shopify_customer(tags=tags))

    assert customer(SHOPIFY_ID).group == group


def test_the_older_vendor_sample_with_tags_maps_too(deliver):
    body = fixture("shopify", "customers-update-2012.json")

    response = deliver("shopify-customers-create", body=body, topic="customers/update")

    assert response["json"]["status"] == "created"
    assert customer(SHOPIFY_ID).tags == []


def test_disable_then_enable_sets_the_status(deliver):
    deliver("shopify-customers-create", body=shopify_customer(state="enabled"), webhook_id="d-1")
    assert customer(SHOPIFY_ID).status == "active"

    later = shopify_customer(state="disabled", updated_at="2022-01-02T00:00:00Z")
    deliver("shopify-customers-create", body=later, topic="customers/disable", webhook_id="d-2")

    assert customer(SHOPIFY_ID).status == "inactive"


def test_a_rule_naming_a_group_that_does_not_exist_rejects_the_customer_with_a_reason(deliver, monkeypatch):
    use_mapping(monkeypatch, "SHOPIFY_MAPPING", {"tag_rules": [{"tag": "wholesale", "group": "nowhere"}]})

    response = deliver("shopify-customers-create", body=shopify_customer(tags="wholesale"))

    assert response["statusCode"] == 200  # answering 4xx would only make Shopify retry the same payload
    assert response["json"]["status"] == "rejected"
    assert response["json"]["errors"] == [{"field": "group", "reason": "unknown customer group", "value": "nowhere"}]
    assert customer(SHOPIFY_ID) is None


def test_b2b_company_topics_are_acknowledged_and_not_mapped(deliver):
    response = deliver("shopify-companies-create")

    assert response["statusCode"] == 200
    assert response["json"]["status"] == "ignored"


def test_a_shopify_customer_without_an_email_is_stored_and_found_by_its_external_id(deliver):
    body = fixture("shopify", "customers-create.json") | {"email": None}

    response = deliver("shopify-customers-create", body=body)

    assert response["json"]["status"] == "created", response["json"]
    assert customer(SHOPIFY_ID).email is None


def company_contact_of_the_sample_customer(deliver) -> str:
    """The customers/create sample as the customer Shopify's company_contacts sample names; → its customer id."""
    body = fixture("shopify", "customers-create.json") | {"id": 12123842227812391, "state": "enabled"}
    created = deliver("shopify-customers-create", body=body, webhook_id="customer-of-the-contact")
    assert created["json"]["status"] == "created", created["json"]
    return str(created["json"]["customer_id"])


def test_a_company_contact_sets_its_customers_company(deliver):
    customer_id = company_contact_of_the_sample_customer(deliver)

    response = deliver(
        "shopify-companies-create",
        body=fixture("shopify", "company-contacts-create.json"),
        topic="company_contacts/create",
        webhook_id="contact-3",
    )

    assert response["statusCode"] == 200
    assert response["json"]["status"] == "updated", response["json"]
    assert response["json"]["customer_id"] == customer_id
    assert customer(customer_id).company == "Example Company"
    assert customer(customer_id).email == "bob@biller.com"  # the contact carries the company only


def test_a_later_customer_update_is_not_made_stale_by_the_contacts_clock(deliver):
    customer_id = company_contact_of_the_sample_customer(deliver)
    contact = fixture("shopify", "company-contacts-create.json") | {"updated_at": "2030-01-01T00:00:00Z"}
    deliver("shopify-companies-create", body=contact, topic="company_contacts/update", webhook_id="contact-1")
    update = fixture("shopify", "customers-create.json") | {
        "id": 12123842227812391,
        "email": "bob@new.example",
        "updated_at": "2022-01-01T00:00:00-05:00",
    }

    response = deliver("shopify-customers-create", body=update, topic="customers/update", webhook_id="later")

    assert response["json"]["status"] == "updated", response["json"]
    assert (customer(customer_id).email, customer(customer_id).company) == ("bob@new.example", "Example Company")


def test_a_company_contact_of_a_customer_not_linked_yet_creates_nothing(deliver):
    response = deliver(
        "shopify-companies-create",
        body=fixture("shopify", "company-contacts-create.json"),
        topic="company_contacts/create",
        webhook_id="contact-4",
    )

    assert response["json"]["status"] == "ignored"
    assert response["json"]["warnings"][0]["field"] == "customer"
    assert customer("shopify-12123842227812391") is None


def test_a_removed_company_contact_is_acknowledged_and_not_mapped(deliver):
    customer_id = company_contact_of_the_sample_customer(deliver)
    deliver(
        "shopify-companies-create",
        body=fixture("shopify", "company-contacts-create.json"),
        topic="company_contacts/create",
        webhook_id="contact-5",
    )

    response = deliver(
        "shopify-companies-create",
        body=fixture("shopify", "company-contacts-create.json"),
        topic="company_contacts/delete",
        webhook_id="contact-6",
    )

    assert response["json"]["status"] == "ignored"
    assert customer(customer_id).company == "Example Company"


@pytest.mark.parametrize("gid", ["gid://shopify/Company/1", "12123842227812391", None])
def test_a_company_contact_without_a_customer_id_is_a_422(deliver, gid):
    body = fixture("shopify", "company-contacts-create.json") | {"customer_admin_graphql_api_id": gid}

    response = deliver("shopify-companies-create", body=body, topic="company_contacts/create", webhook_id="contact-2")

    assert response["statusCode"] == 422


# -- linking ----------------------------------------------------------------------------------------------------


def test_a_platform_customer_with_an_erp_customers_email_is_linked_to_it(deliver):
    customers.put_customers([(0, Customer(id="C-1001", email="bob@biller.com", discount_percent=Decimal(5)))])

    response = deliver("shopify-customers-create")

    assert response["json"]["customer_id"] == "C-1001"
    assert customer(SHOPIFY_ID) is None
    linked = customer("C-1001")
    assert linked.status == "inactive"
    assert linked.discount_percent == Decimal(5)  # the webhook carries no discount: it is left as stored


def test_the_storefront_finds_the_customer_by_the_platforms_id(deliver, lambda_context):
    deliver("shopify-customers-create")
    event = copy.deepcopy(load_event("ingest_api/list-customers"))
    event["queryStringParameters"] = {"external_id": "shopify:706405506930370084"}
    event["multiValueQueryStringParameters"] = {"external_id": ["shopify:706405506930370084"]}

    response = ingest_api.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert [item["id"] for item in json.loads(response["body"])["items"]] == [SHOPIFY_ID]


def test_an_external_id_nobody_is_linked_to_is_an_empty_page(deliver, lambda_context):
    event = copy.deepcopy(load_event("ingest_api/list-customers"))
    event["queryStringParameters"] = {"external_id": "shopify:1"}

    response = ingest_api.lambda_handler(event, lambda_context)

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["items"] == []


# -- deletes ----------------------------------------------------------------------------------------------------


def test_a_delete_removes_the_customer_and_a_late_update_cannot_bring_it_back(deliver):
    deliver("shopify-customers-create")

    deleted = deliver("shopify-customers-delete")
    late = deliver("shopify-customers-create", webhook_id="late-retry")

    assert deleted["json"]["status"] == "deleted"
    assert late["json"]["status"] == "stale"
    assert customer(SHOPIFY_ID) is None


def test_a_delete_keeps_a_customer_whose_fields_another_source_owns(deliver, monkeypatch):
    monkeypatch.setenv("FIELD_OWNERSHIP", json.dumps({"customers": {"identity": "platform", "pricing": "erp"}}))
    reset_caches()
    deliver("shopify-customers-create")

    deleted = deliver("shopify-customers-delete")

    assert deleted["json"]["status"] == "kept"
    assert customer(SHOPIFY_ID) is not None
    assert "erp" in deleted["json"]["warnings"][0]["reason"]


# -- BigCommerce ------------------------------------------------------------------------------------------------


def queued_messages() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=os.environ["PLATFORM_SYNC_QUEUE_URL"], MaxNumberOfMessages=10)
    return [json.loads(message["Body"]) for message in found.get("Messages", [])]


def test_a_bigcommerce_callback_is_verified_and_queued(deliver):
    response = deliver("bigcommerce-customer-created")

    assert response["statusCode"] == 200
    assert response["json"] == {"status": "queued", "external_id": "bigcommerce:32"}
    assert queued_messages() == [{"scope": "store/customer/created", "customer_id": "32", "created_at": 1561481571}]


@pytest.mark.parametrize("headers", [{"X-Webhook-Secret": "not-the-secret"}, {"X-Webhook-Secret": ""}])
def test_a_bigcommerce_callback_without_the_shared_secret_is_a_401_and_queues_nothing(deliver, headers):
    response = deliver("bigcommerce-wrong-secret", headers=headers)

    assert response["statusCode"] == 401
    assert queued_messages() == []


def test_other_bigcommerce_scopes_are_acknowledged_and_not_queued(deliver):
    response = deliver("bigcommerce-customer-created", body=fixture("bigcommerce", "store-cart-created.json"))

    assert response["json"]["status"] == "ignored"
    assert queued_messages() == []


def bc_customer(**changes):
    record = fixture("bigcommerce", "get-customers.json")["data"][0]
    record.update(changes)
    return record


def test_the_sync_fetches_the_customer_and_maps_its_group(
    platform_secrets, fake_bigcommerce, lambda_context, monkeypatch
):
    groups("trade")
    use_mapping(monkeypatch, "BIGCOMMERCE_MAPPING", {"groups": {"2": "trade"}})
    fake_bigcommerce.customers["32"] = bc_customer(customer_group_id=2)

    answer = run_sync(
        sqs_event([{"scope": "store/customer/created", "customer_id": "32", "created_at": 1}]), lambda_context
    )

    assert answer == {"batchItemFailures": []}
    assert fake_bigcommerce.requests[0]["path"] == f"/stores/{STORE_HASH}/v3/customers"
    assert fake_bigcommerce.requests[0]["query"]["id:in"] == ["32"]
    assert fake_bigcommerce.requests[0]["token"] == ACCESS_TOKEN
    stored = customer("bigcommerce-32")
    assert (stored.email, stored.company, stored.group) == ("jane.smith@example.com", "Acme Corp", "trade")
    assert stored.addresses[0].line1 == "Addr1"


def test_the_vendor_sample_in_no_group_goes_to_the_default_group(platform_secrets, fake_bigcommerce, lambda_context):
    fake_bigcommerce.customers["32"] = bc_customer()  # customer_group_id 0

    run_sync(sqs_event([{"scope": "store/customer/updated", "customer_id": "32"}]), lambda_context)

    assert customer("bigcommerce-32").group == "base"


@pytest.mark.parametrize("failures", [[503], [503, 502], [429, 500]])
def test_the_fetch_retries_transient_failures_with_backoff(
    platform_secrets, fake_bigcommerce, lambda_context, failures
):
    fake_bigcommerce.customers["32"] = bc_customer()
    fake_bigcommerce.failures.extend(failures)

    answer = run_sync(sqs_event([{"scope": "store/customer/updated", "customer_id": "32"}]), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert len(fake_bigcommerce.requests) == len(failures) + 1
    assert customer("bigcommerce-32") is not None


def test_a_fetch_that_keeps_failing_hands_the_message_back(platform_secrets, fake_bigcommerce, lambda_context):
    fake_bigcommerce.customers["32"] = bc_customer()
    fake_bigcommerce.failures.extend([503] * 4)  # every attempt for the first customer
    fake_bigcommerce.customers["40"] = bc_customer(id=40, email="fine@example.com")
    batch = [
        {"scope": "store/customer/updated", "customer_id": "32"},
        {"scope": "store/customer/updated", "customer_id": "40"},
    ]

    answer = run_sync(sqs_event(batch), lambda_context)

    assert answer == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert len(fake_bigcommerce.requests) == 4 + 1  # BIGCOMMERCE_ATTEMPTS for 32, then 40 at once
    assert customer("bigcommerce-40") is not None
    fake_bigcommerce.failures.extend([503] * 4)
    with pytest.raises(BatchProcessingError):  # a batch that failed whole is an invocation error: all retried
        run_sync(sqs_event(batch[:1]), lambda_context)
    assert customer("bigcommerce-32") is None


def test_a_customer_bigcommerce_keeps_failing_on_ends_in_the_dead_letter_queue(
    platform_secrets, fake_bigcommerce, lambda_context, stack
):
    """The queue as Lambda's event source drives it: receive, invoke, delete what succeeded; five receives max."""
    sqs = boto3.client("sqs")
    queue_url = os.environ["PLATFORM_SYNC_QUEUE_URL"]
    dead_letters = stack.physical_name("PlatformSyncDeadLetterQueue")
    fake_bigcommerce.failures.extend([503] * 100)
    sqs.send_message(
        QueueUrl=queue_url, MessageBody=json.dumps({"scope": "store/customer/updated", "customer_id": "32"})
    )

    for _ in range(10):
        received = sqs.receive_message(QueueUrl=queue_url, VisibilityTimeout=0, MaxNumberOfMessages=10)
        messages = received.get("Messages", [])
        if not messages:
            break
        try:
            answer = run_sync(sqs_event([message["Body"] for message in messages]), lambda_context)
            failed = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
        except BatchProcessingError:
            failed = {f"message-{index}" for index in range(len(messages))}
        for index, message in enumerate(messages):
            if f"message-{index}" not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    parked = sqs.receive_message(QueueUrl=sqs.get_queue_url(QueueName=dead_letters)["QueueUrl"])["Messages"]
    assert [json.loads(message["Body"])["customer_id"] for message in parked] == ["32"]
    assert customer("bigcommerce-32") is None


def test_the_sync_batch_event_creates_and_deletes(platform_secrets, fake_bigcommerce, lambda_context):
    fake_bigcommerce.customers["32"] = bc_customer()
    run_sync(sqs_event([{"scope": "store/customer/created", "customer_id": "33"}]), lambda_context)  # gone already
    fake_bigcommerce.customers["33"] = bc_customer(id=33, email="other@example.com")
    run_sync(sqs_event([{"scope": "store/customer/created", "customer_id": "33"}]), lambda_context)
    assert customer("bigcommerce-33") is not None

    answer = run_sync(load_event("platform_webhooks/bigcommerce-sync-batch"), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert customer("bigcommerce-32") is not None
    assert customer("bigcommerce-33") is None
