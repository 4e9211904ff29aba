"""Who may look up what (docs/auth.md): a read key any customer or list it names, a customer token its own
customer only, nobody without a credential. Refusals carry a problem, never prices."""

import json
from typing import Any

import pytest

from functions.price_lookup import app as price_lookup
from tests.conftest import load_event

READ_KEY = {"principal": "key:test", "scopes": "read"}
WRITE_ONLY_KEY = {"principal": "key:erp", "scopes": "write"}
TOKEN_FOR_C1001 = {"principal": "customer:C-1001", "scopes": "", "customer_id": "C-1001"}
NO_CONTEXT = None


@pytest.fixture
def catalogue(call_api):
    """Given the trade list, customer C-1001 (trade, 2.5 % off) and C-2002 (base group, no discount)."""
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    assert call_api("ingest_api/put-prices")["statusCode"] == 200
    assert call_api("ingest_api/put-customer-group")["statusCode"] in {200, 201}
    assert call_api("ingest_api/put-customer")["statusCode"] in {200, 201}
    other = {"email": "other@example.com", "group": "base", "price_lists": ["trade"]}
    response = call_api("ingest_api/put-customer", body=other, path_parameters={"customer_id": "C-2002"})
    assert response["statusCode"] in {200, 201}


@pytest.fixture
def lookup_as(stack, lambda_context):
    """lookup_as(authorizer context or None, body=..., query=...) → the lookup's response, `json` decoded."""

    def invoke(
        authorizer: dict[str, str] | None,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        event_name: str = "price_lookup/lookup-by-customer",
    ) -> dict[str, Any]:
        event = load_event(event_name)
        event["requestContext"].pop("authorizer", None)
        if authorizer is not None:
            event["requestContext"]["authorizer"] = authorizer
        if body is not None:
            event["body"] = json.dumps(body)
        if query is not None:
            event["queryStringParameters"] = query
        response = price_lookup.lambda_handler(event, lambda_context)
        response["json"] = json.loads(response["body"])
        return response

    return invoke


def cart(**context: str) -> dict[str, Any]:
    return {**context, "lines": [{"sku": "BOLT-M8", "qty": 150}]}


# A read key (the storefront's server) -------------------------------------------------------------------------------


@pytest.mark.parametrize(("customer_id", "unit_price"), [("C-1001", "0.44"), ("C-2002", "0.45")])
def test_a_read_key_may_look_up_any_customer_it_names(catalogue, lookup_as, customer_id, unit_price):
    response = lookup_as(READ_KEY, body=cart(customer_id=customer_id))

    assert response["statusCode"] == 200
    assert response["json"]["customer_id"] == customer_id
    assert response["json"]["lines"][0]["unit_price"] == unit_price  # C-1001: 0.45 × 0.975 = 0.43875 → 0.44


def test_a_read_key_may_look_up_a_price_list(catalogue, lookup_as):
    response = lookup_as(READ_KEY, body=cart(price_list="trade"))

    assert response["statusCode"] == 200
    assert response["json"]["lines"][0]["unit_price"] == "0.45"


def test_a_read_key_must_name_whom_to_price_for(catalogue, lookup_as):
    response = lookup_as(READ_KEY, body=cart())

    assert response["statusCode"] == 422
    assert response["json"]["errors"][0]["field"] == "customer_id"


def test_a_key_without_the_read_scope_is_forbidden(catalogue, lookup_as):
    response = lookup_as(WRITE_ONLY_KEY, body=cart(customer_id="C-1001"))

    assert response["statusCode"] == 403
    assert "lines" not in response["json"]


# A customer token (a browser) ---------------------------------------------------------------------------------------


def test_a_token_prices_its_own_customer_when_the_body_names_none(catalogue, lookup_as):
    response = lookup_as(TOKEN_FOR_C1001, body=cart())

    assert response["statusCode"] == 200
    assert response["json"]["customer_id"] == "C-1001"
    assert response["json"]["lines"][0]["unit_price"] == "0.44"


def test_a_token_may_name_its_own_customer(catalogue, lookup_as):
    assert lookup_as(TOKEN_FOR_C1001, body=cart(customer_id="C-1001"))["statusCode"] == 200


def test_a_token_may_not_look_up_another_customer(catalogue, lookup_as):
    response = lookup_as(TOKEN_FOR_C1001, body=cart(customer_id="C-2002"))

    assert response["statusCode"] == 403
    assert response["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]
    assert "lines" not in response["json"]


def test_a_token_may_not_price_straight_from_a_list(catalogue, lookup_as):
    response = lookup_as(TOKEN_FOR_C1001, body=cart(price_list="trade"))

    assert response["statusCode"] == 403
    assert "lines" not in response["json"]


def test_the_sample_browser_event_prices_the_tokens_customer(catalogue, lookup_as):
    event = load_event("price_lookup/lookup-with-customer-token")
    response = lookup_as(event["requestContext"]["authorizer"], event_name="price_lookup/lookup-with-customer-token")

    assert response["statusCode"] == 200
    assert response["json"]["customer_id"] == "C-1001"
    # 96 + 24 in the "bolts" tier group reach the 100 tier: 0.45 × 0.975 = 0.43875 → 0.44, × 96 = 42.24
    assert response["json"]["lines"][0]["line_total"] == "42.24"


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"qty": "150"}, 200),
        ({"qty": "150", "customer_id": "C-1001"}, 200),
        ({"qty": "150", "customer_id": "C-2002"}, 403),
        ({"qty": "150", "price_list": "trade"}, 403),
    ],
)
def test_the_single_sku_lookup_applies_the_same_rules_to_a_token(catalogue, lookup_as, query, status):
    response = lookup_as(TOKEN_FOR_C1001, query=query, event_name="price_lookup/get-sku-price")

    assert response["statusCode"] == status
    if status == 200:
        assert (response["json"]["customer_id"], response["json"]["unit_price"]) == ("C-1001", "0.44")


# No credential ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_name", ["price_lookup/lookup-by-customer", "price_lookup/lookup-by-price-list", "price_lookup/get-sku-price"]
)
def test_without_an_authorizer_context_every_lookup_is_unauthorized(catalogue, lookup_as, event_name):
    response = lookup_as(NO_CONTEXT, event_name=event_name)

    assert response["statusCode"] == 401
    assert response["json"]["status"] == 401
    assert "unit_price" not in response["body"]


def test_an_authorizer_context_without_a_principal_is_unauthorized(catalogue, lookup_as):
    assert lookup_as({"scopes": "read"}, body=cart(customer_id="C-1001"))["statusCode"] == 401
