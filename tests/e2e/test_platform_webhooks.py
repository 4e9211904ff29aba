"""The local stack serves the platform webhooks outside the key authorizer, verified by their own secrets."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

from tests.e2e.client import PROBLEM

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "platforms" / "shopify" / "customers-create.json"


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
