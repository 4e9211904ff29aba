"""The local stack serves the platform webhooks outside the key authorizer, verified by their own secrets.

BigCommerce runs end to end as on AWS: the webhook function queues the callback, the stack's SQS poller invokes
the sync function as Lambda's event source would, and the sync fetches the customer over HTTP from a fake
BigCommerce on loopback (tests/fake_bigcommerce.py, started by tests/e2e/conftest.py) with the store hash and
token the stack put in its Secrets Manager. `local_stack.wait_until_idle()` waits for the queue to drain.
"""

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.client import PROBLEM
from tests.e2e.conftest import BIGCOMMERCE_GROUPS, BIGCOMMERCE_WEBHOOK_SECRET

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"
SAMPLE = FIXTURES / "shopify" / "customers-create.json"


def secret(local_stack, function: str, variable: str, name: str) -> str:
    """The value the stack generated at deploy (reading it, not setting it, leaves warm functions' caches right)."""
    secret_id = local_stack.deployment.function_environment(function)[variable]
    document = json.loads(local_stack.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    return str(document[name])


def test_a_signed_shopify_webhook_creates_a_customer_the_storefront_finds_by_its_shopify_id(
    local_stack, api, keys, unique
):
    app_secret = secret(local_stack, "PlatformWebhooksFunction", "SHOPIFY_SECRET_ID", "app_secret")
    shopify_id = int(hashlib.sha256(unique.encode()).hexdigest()[:12], 16)
    email = f"{unique}@biller.example"
    payload = json.loads(SAMPLE.read_text()) | {"id": shopify_id, "email": email, "state": "enabled"}
    body = json.dumps(payload)
    signature = base64.b64encode(hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "customers/create",
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": f"delivery-{unique}",
    }

    created = api.session.post(f"{api.base_url}/v1/webhooks/shopify", data=body, headers=headers, timeout=30)
    again = api.session.post(f"{api.base_url}/v1/webhooks/shopify", data=body, headers=headers, timeout=30)
    found = api.get("/v1/customers", key=keys.write, params={"external_id": f"shopify:{shopify_id}"})

    assert created.status_code == 200, created.text
    assert created.json()["status"] == "created"
    assert again.json() == {"status": "duplicate"}
    assert found.status_code == 200, found.text
    assert [item["email"] for item in found.json()["items"]] == [f"{unique}@biller.example"]


def signed_shopify_post(local_stack, api, payload: dict[str, Any], topic: str, webhook_id: str):
    app_secret = secret(local_stack, "PlatformWebhooksFunction", "SHOPIFY_SECRET_ID", "app_secret")
    body = json.dumps(payload)
    signature = base64.b64encode(hmac.new(app_secret.encode(), body.encode(), hashlib.sha256).digest()).decode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signature,
        "X-Shopify-Webhook-Id": webhook_id,
    }
    return api.session.post(f"{api.base_url}/v1/webhooks/shopify", data=body, headers=headers, timeout=30)


def test_a_late_shopify_retry_with_an_older_updated_at_is_not_applied(local_stack, api, keys, unique):
    shopify_id = int(hashlib.sha256(unique.encode()).hexdigest()[:12], 16)
    sample = json.loads(SAMPLE.read_text()) | {"id": shopify_id, "state": "enabled"}
    newer = sample | {"email": f"{unique}-new@biller.example", "updated_at": "2022-01-02T10:00:00-05:00"}
    older = sample | {"email": f"{unique}-old@biller.example", "updated_at": "2021-12-31T19:00:00-05:00"}

    applied = signed_shopify_post(local_stack, api, newer, "customers/update", f"update-{unique}")
    late = signed_shopify_post(local_stack, api, older, "customers/create", f"create-{unique}")
    found = api.get("/v1/customers", key=keys.write, params={"external_id": f"shopify:{shopify_id}"})

    assert applied.json()["status"] == "created", applied.text
    assert late.status_code == 200, late.text
    assert late.json()["status"] == "stale", late.text
    assert [item["email"] for item in found.json()["items"]] == [f"{unique}-new@biller.example"]


def test_an_unsigned_shopify_webhook_is_a_401_problem(api):
    response = api.session.post(
        f"{api.base_url}/v1/webhooks/shopify",
        data=SAMPLE.read_text(),
        headers={"Content-Type": "application/json", "X-Shopify-Topic": "customers/create"},
        timeout=30,
    )

    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith(PROBLEM)


def test_a_bigcommerce_callback_without_its_shared_secret_is_a_401(api):
    body = {"scope": "store/customer/updated", "store_id": "1025646", "data": {"type": "customer", "id": 32}}

    response = api.session.post(
        f"{api.base_url}/v1/webhooks/bigcommerce", json=body, headers={"X-Webhook-Secret": "guess"}, timeout=30
    )

    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith(PROBLEM)


# -- BigCommerce through the local stack -----------------------------------------------------------------------------

GROUPS = BIGCOMMERCE_GROUPS


@pytest.fixture
def bigcommerce_groups(api, keys, price_list) -> None:
    """The tradeprice groups the stack's BigCommerceMapping names (a merchant creates them before mapping)."""
    for slug in GROUPS.values():
        response = api.put(
            f"/v1/customer-groups/{slug}", key=keys.write, json={"name": slug, "price_lists": [price_list]}
        )
        assert response.status_code in (200, 201), response.text


def bigcommerce_customer(customer_id: int, email: str, group_id: int, modified: datetime) -> dict[str, Any]:
    """BigCommerce's own Customers v3 example (get-customers.json) as this customer."""
    record = copy.deepcopy(json.loads((FIXTURES / "bigcommerce" / "get-customers.json").read_text())["data"][0])
    return record | {
        "id": customer_id,
        "email": email,
        "customer_group_id": group_id,
        "date_modified": modified.isoformat(),
    }


def callback(api, scope: str, customer_id: int, *, secret: str = BIGCOMMERCE_WEBHOOK_SECRET, at: datetime):
    """BigCommerce's own webhook payload (store-customer-created.json) for this scope and customer."""
    body = json.loads((FIXTURES / "bigcommerce" / "store-customer-created.json").read_text())
    body |= {"scope": scope, "data": {"type": "customer", "id": customer_id}, "created_at": int(at.timestamp())}
    return api.session.post(
        f"{api.base_url}/v1/webhooks/bigcommerce", json=body, headers={"X-Webhook-Secret": secret}, timeout=30
    )


def bigcommerce_id(unique: str) -> int:
    return int(hashlib.sha256(unique.encode()).hexdigest()[:8], 16)


def by_external_id(api, keys, customer_id: int) -> list[dict[str, Any]]:
    response = api.get("/v1/customers", key=keys.write, params={"external_id": f"bigcommerce:{customer_id}"})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def test_bigcommerce_created_updated_deleted_flow_through_the_queue_and_the_sync(
    local_stack, api, keys, unique, fake_bigcommerce, bigcommerce_groups
):
    native = bigcommerce_id(unique)
    start = datetime.now(UTC).replace(microsecond=0)
    fake_bigcommerce.customers[str(native)] = bigcommerce_customer(native, f"{unique}@bc.example", 2, start)

    created = callback(api, "store/customer/created", native, at=start)
    local_stack.wait_until_idle()
    (after_create,) = by_external_id(api, keys, native)
    read = api.get(f"/v1/customers/{after_create['id']}", key=keys.write)

    fake_bigcommerce.customers[str(native)] = bigcommerce_customer(
        native, f"{unique}@bc.example", 5, start + timedelta(minutes=1)
    )
    updated = callback(api, "store/customer/updated", native, at=start + timedelta(minutes=1))
    local_stack.wait_until_idle()
    (after_update,) = by_external_id(api, keys, native)

    del fake_bigcommerce.customers[str(native)]
    deleted = callback(api, "store/customer/deleted", native, at=start + timedelta(minutes=2))
    local_stack.wait_until_idle()
    gone = api.get(f"/v1/customers/{after_create['id']}", key=keys.write)

    assert [response.json()["status"] for response in (created, updated, deleted)] == ["queued"] * 3
    assert after_create["id"] == f"bigcommerce-{native}"
    assert read.status_code == 200, read.text
    assert (read.json()["email"], read.json()["group"], read.json()["company"]) == (
        f"{unique}@bc.example",
        GROUPS["2"],
        "Acme Corp",
    )
    assert after_update["group"] == GROUPS["5"]
    # No field ownership is configured, so nothing else owns the customer: the delete removes it.
    assert gone.status_code == 404, gone.text
    assert by_external_id(api, keys, native) == []
    assert {request["token"] for request in fake_bigcommerce.requests if str(native) in request["ids"]} == {
        fake_bigcommerce.access_token
    }


def test_bigcommerce_answering_500_is_retried_until_the_customer_arrives(
    local_stack, api, keys, unique, fake_bigcommerce, bigcommerce_groups
):
    native = bigcommerce_id(unique)
    now = datetime.now(UTC).replace(microsecond=0)
    fake_bigcommerce.customers[str(native)] = bigcommerce_customer(native, f"{unique}@bc.example", 2, now)
    # Six failures: the first delivery's four calls all fail, so the queue delivers the message a second time.
    fake_bigcommerce.fail(str(native), [500] * 6)

    queued = callback(api, "store/customer/created", native, at=now)
    local_stack.wait_until_idle()

    assert queued.json()["status"] == "queued", queued.text
    assert [item["group"] for item in by_external_id(api, keys, native)] == [GROUPS["2"]]
    assert fake_bigcommerce.calls(str(native)) == 7


def test_a_customer_bigcommerce_keeps_failing_on_ends_in_the_dlq_and_is_not_lost(
    local_stack, api, keys, unique, fake_bigcommerce, bigcommerce_groups
):
    native = bigcommerce_id(unique)
    now = datetime.now(UTC).replace(microsecond=0)
    fake_bigcommerce.customers[str(native)] = bigcommerce_customer(native, f"{unique}@bc.example", 2, now)
    fake_bigcommerce.fail_always(str(native), 500)
    sqs = local_stack.client("sqs")
    queues = local_stack.deployment.queue_urls

    callback(api, "store/customer/created", native, at=now)
    local_stack.wait_until_idle()
    dead = [
        message
        for message in sqs.receive_message(
            QueueUrl=queues["PlatformSyncDeadLetterQueue"], MaxNumberOfMessages=10, VisibilityTimeout=30
        ).get("Messages", [])
        if json.loads(message["Body"]).get("customer_id") == str(native)
    ]
    missing = by_external_id(api, keys, native)
    # Redriving (what `aws sqs start-message-move-task` does) once BigCommerce answers again brings it in.
    fake_bigcommerce.recover(str(native))
    for message in dead:
        sqs.send_message(QueueUrl=queues["PlatformSyncQueue"], MessageBody=message["Body"])
        sqs.delete_message(QueueUrl=queues["PlatformSyncDeadLetterQueue"], ReceiptHandle=message["ReceiptHandle"])
    local_stack.wait_until_idle()

    assert len(dead) == 1
    assert missing == []
    # maxReceiveCount 5 deliveries x BIGCOMMERCE_ATTEMPTS 4 calls each.
    assert fake_bigcommerce.calls(str(native)) == 5 * 4 + 1
    assert [item["group"] for item in by_external_id(api, keys, native)] == [GROUPS["2"]]
