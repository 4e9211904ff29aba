"""The Shopify and BigCommerce mappings and signatures, on the vendors' own samples (tests/fixtures/platforms)."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from tradeprice.integrations import bigcommerce, shopify
from tradeprice.integrations.base import PayloadError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "platforms"


def sample(platform: str, name: str):
    return json.loads((FIXTURES / platform / name).read_text())


def test_shopifys_signature_is_the_base64_hmac_sha256_of_the_raw_body():
    body = (FIXTURES / "shopify" / "customers-create.json").read_bytes()
    good = base64.b64encode(hmac.new(b"app-secret", body, hashlib.sha256).digest()).decode()

    assert shopify.signature_valid(body, good, "app-secret")
    assert not shopify.signature_valid(body + b" ", good, "app-secret")
    assert not shopify.signature_valid(body, good, "another-secret")
    assert not shopify.signature_valid(body, None, "app-secret")
    assert not shopify.signature_valid(body, good, "")  # an unset secret verifies nothing


def test_the_shopify_sample_maps_to_the_fields_tradeprice_keeps():
    mapped = shopify.customer_from(sample("shopify", "customers-create.json"), shopify.ShopifyMapping())

    assert mapped.external_id == "shopify:706405506930370084"
    assert mapped.document["email"] == "bob@biller.com"
    assert mapped.document["status"] == "inactive"
    assert mapped.document["group"] == "base"
    assert mapped.version.isoformat() == "2021-12-31T19:00:00-05:00"
    assert "discount_percent" not in mapped.document  # the platform does not carry it: never reset


@pytest.mark.parametrize("state", ["enabled", "invited", "declined"])
def test_every_shopify_state_but_disabled_is_active(state):
    payload = {**sample("shopify", "customers-create.json"), "state": state}

    assert shopify.customer_from(payload, shopify.ShopifyMapping()).document["status"] == "active"


def test_shopify_tag_rules_first_match_wins_else_the_default_group():
    mapping = shopify.ShopifyMapping.model_validate(
        {"tag_rules": [{"tag": "VIP", "group": "gold"}, {"tag": "wholesale", "group": "trade"}], "default_group": "web"}
    )

    assert mapping.group_for(["wholesale", "vip"]) == "gold"
    assert mapping.group_for(["Wholesale"]) == "trade"
    assert mapping.group_for(["retail"]) == "web"


def test_a_shopify_payload_without_an_id_is_a_payload_error():
    with pytest.raises(PayloadError):
        shopify.customer_from({"email": "a@b.co"}, shopify.ShopifyMapping())


def test_the_bigcommerce_callback_sample_names_the_customer():
    callback = bigcommerce.callback_from(sample("bigcommerce", "store-customer-created.json"))

    assert callback == bigcommerce.Callback("store/customer/created", "32", 1561481571)
    assert bigcommerce.callback_from(sample("bigcommerce", "store-cart-created.json")) is None


def test_the_customers_v3_sample_maps_and_its_group_follows_the_merchants_table():
    record = sample("bigcommerce", "get-customers.json")["data"][0]
    mapping = bigcommerce.BigCommerceMapping.model_validate({"groups": {"0": "retail", "2": "trade"}})

    mapped = bigcommerce.customer_from({**record, "customer_group_id": 2}, mapping)

    assert mapped.external_id == "bigcommerce:32"
    assert (mapped.document["email"], mapped.document["company"], mapped.document["group"]) == (
        "jane.smith@example.com",
        "Acme Corp",
        "trade",
    )
    assert mapped.document["addresses"][0]["line1"] == "Addr1"
    assert bigcommerce.customer_from({**record, "customer_group_id": 9}, mapping).document["group"] == "base"
    assert "status" not in mapped.document  # BigCommerce has no disabled state: status is not its to write


@pytest.mark.parametrize("payload", [{"scope": "store/customer/updated", "data": {"id": "x"}}, [], {"data": {}}])
def test_a_malformed_bigcommerce_callback_is_a_payload_error(payload):
    with pytest.raises(PayloadError):
        bigcommerce.callback_from(payload)
