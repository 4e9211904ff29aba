"""Who may do what, over HTTP, through the template's authorizer (docs/auth.md).

No credential, an unknown or forged key, an expired or forged token: 401. A wrong scope, or a token asking for
another customer: 403. Either way a problem document, never data.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.client import assert_problem, lookup
from tradeprice.auth.tokens import mint

pytestmark = pytest.mark.e2e

# One route of each group, with a body each would accept from a caller allowed to use it.
EVERY_ROUTE_GROUP = [
    ("GET", "/v1/price-lists", None),
    ("PUT", "/v1/price-lists/e2e-access", {"name": "Access", "currency": "GBP"}),
    ("PUT", "/v1/price-lists/e2e-access/prices", {"prices": [{"sku": "A", "tiers": [{"min_qty": 1, "price": "1"}]}]}),
    ("POST", "/v1/prices:batch", {"prices": [{"price_list": "e2e-access", "sku": "A", "tiers": []}]}),
    ("GET", "/v1/skus/A/prices", None),
    ("GET", "/v1/customer-groups", None),
    ("PUT", "/v1/customer-groups/e2e-access", {"name": "Access"}),
    ("GET", "/v1/customers", None),
    ("POST", "/v1/customers:batch", {"customers": [{"id": "C-ACCESS", "email": "access@example.com"}]}),
    ("POST", "/v1/product-rules:batch", {"rules": [{"sku": "A", "pack_size": 2}]}),
    ("GET", "/v1/skus/A/rules", None),
    ("POST", "/v1/pricing/lookup", {"price_list": "e2e-access", "lines": [{"sku": "A", "qty": 1}]}),
    ("GET", "/v1/pricing/A", None),
]
WRITE_ROUTES = [route for route in EVERY_ROUTE_GROUP if route[0] in {"PUT", "POST"} and "pricing" not in route[1]]


def route_id(route: tuple[str, str, object]) -> str:
    return f"{route[0]} {route[1]}"


@pytest.fixture(scope="module")
def token_secret(local_stack) -> tuple[str, bytes]:
    """The signing secret the stack generated at deploy, read from its Secrets Manager (kid, secret)."""
    secret_id = local_stack.deployment.function_environment("AuthorizerFunction")["TOKEN_SECRETS_ID"]
    document = json.loads(local_stack.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    ((kid, secret),) = document.items()
    return kid, secret.encode()


@pytest.fixture
def customers(api, keys, price_list, unique) -> tuple[str, str]:
    """Given two customers on a list with BOLT-M8 at 0.45 from 100 and 2.5 % off for the first one."""
    ladder = [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}]
    assert (
        api.put(
            f"/v1/price-lists/{price_list}/prices",
            key=keys.write,
            json={"prices": [{"sku": "BOLT-M8", "tiers": ladder}]},
        ).status_code
        == 200
    )
    mine, theirs = f"C-{unique}-1", f"C-{unique}-2"
    batch = {
        "customers": [
            {"id": mine, "email": f"{mine}@example.com", "price_lists": [price_list], "discount_percent": "2.5"},
            {"id": theirs, "email": f"{theirs}@example.com", "price_lists": [price_list]},
        ]
    }
    assert api.post("/v1/customers:batch", key=keys.write, json=batch).status_code == 200
    return mine, theirs


# No credential, or one that proves nothing -------------------------------------------------------------------------


@pytest.mark.parametrize("route", EVERY_ROUTE_GROUP, ids=route_id)
def test_no_credential_is_401_on_every_route_group(api, route):
    method, path, body = route

    response = api.request(method, path, json=body)

    problem = assert_problem(response, 401)
    assert "items" not in problem
    assert "lines" not in problem


@pytest.mark.parametrize(
    "credential",
    [
        "tp_0123456789ab_" + "A" * 43,  # well-formed, unknown id
        "not-a-key",
        "tp1.k1.Qy0xMDAx.9999999999." + "A" * 43,  # a customer token with a forged signature
    ],
    ids=["unknown-key", "malformed", "forged-token"],
)
def test_a_credential_that_proves_nothing_is_401(api, credential):
    for method, path, body in (EVERY_ROUTE_GROUP[0], EVERY_ROUTE_GROUP[-2]):
        assert_problem(api.request(method, path, key=credential, json=body), 401)


def test_a_real_key_id_with_a_wrong_secret_is_401(api, keys):
    key_id = keys.read.split("_")[1]
    forged = f"tp_{key_id}_" + "B" * 43

    assert_problem(api.get("/v1/price-lists", key=forged), 401)


# Scopes -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", WRITE_ROUTES, ids=route_id)
def test_a_read_key_on_a_write_route_is_403(api, keys, route):
    method, path, body = route

    problem = assert_problem(api.request(method, path, key=keys.read, json=body), 403)

    assert "write" in problem["detail"]


def test_a_write_key_may_not_look_up_prices(api, keys, customers):
    mine, _ = customers

    assert_problem(lookup(api, keys.write, [("BOLT-M8", 150)], customer_id=mine), 403)


def test_deleting_needs_the_admin_key(api, keys, price_list):
    assert_problem(api.request("DELETE", f"/v1/price-lists/{price_list}", key=keys.write), 403)
    assert api.request("DELETE", f"/v1/price-lists/{price_list}", key=keys.admin).status_code == 200
    assert_problem(api.get(f"/v1/price-lists/{price_list}", key=keys.read), 404)


# Customer tokens ----------------------------------------------------------------------------------------------------


def test_a_customer_token_prices_its_own_customer_only(api, customers, token_secret):
    mine, theirs = customers
    kid, secret = token_secret
    token = mint(mine, 300, secret, kid)

    own = lookup(api, token, [("BOLT-M8", 150)])
    named = lookup(api, token, [("BOLT-M8", 150)], customer_id=mine)
    other = lookup(api, token, [("BOLT-M8", 150)], customer_id=theirs)
    listed = lookup(api, token, [("BOLT-M8", 150)], price_list="trade")

    assert own.status_code == 200, own.text
    assert (own.json()["customer_id"], own.json()["lines"][0]["unit_price"]) == (mine, "0.44")  # 0.45 × 0.975
    assert named.status_code == 200
    assert "lines" not in assert_problem(other, 403)
    assert "lines" not in assert_problem(listed, 403)


def test_a_customer_token_cannot_write(api, customers, token_secret):
    mine, _ = customers
    kid, secret = token_secret
    token = mint(mine, 300, secret, kid)

    assert_problem(api.post("/v1/customers:batch", key=token, json={"customers": []}), 403)


def test_an_expired_or_foreign_token_is_401(api, customers, token_secret):
    mine, _ = customers
    kid, secret = token_secret
    expired = mint(mine, 60, secret, kid, now=datetime.now(UTC) - timedelta(hours=1))
    foreign = mint(mine, 300, b"x" * 48, kid)
    unknown_kid = mint(mine, 300, secret, "k-retired")

    for token in (expired, foreign, unknown_kid):
        assert_problem(lookup(api, token, [("BOLT-M8", 150)]), 401)


# Public routes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/health", "/v1/openapi.json", "/v1/docs"])
def test_health_and_the_api_description_need_no_credential(api, path):
    response = api.get(path)

    assert response.status_code == 200, response.text
    if path == "/v1/openapi.json":
        assert response.json()["openapi"].startswith("3.1")


# make key / make token against the running stack ------------------------------------------------------------------


def test_make_key_creates_a_working_key_printed_once(api, local_stack, credentials_cli, price_list):
    key = credentials_cli("key", "--name", "e2e-storefront", "--scopes", "read")

    assert key.startswith("tp_")
    assert "\n" not in key
    assert api.get(f"/v1/price-lists/{price_list}", key=key).status_code == 200
    assert_problem(api.put(f"/v1/price-lists/{price_list}", key=key, json={"name": "x", "currency": "GBP"}), 403)
    stored = local_stack.client("dynamodb").scan(
        TableName=local_stack.deployment.physical_name("ApiKeysTable"),
        FilterExpression="#n = :name",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":name": {"S": "e2e-storefront"}},
    )["Items"]
    assert len(stored) == 1
    assert key.split("_", 2)[2] not in json.dumps(stored)  # only a hash of the secret is kept


def test_make_token_mints_a_token_the_lookup_accepts(api, credentials_cli, customers):
    mine, theirs = customers

    token = credentials_cli("token", "--customer", mine, "--ttl", "120")

    assert token.startswith("tp1.")
    assert lookup(api, token, [("BOLT-M8", 150)]).json()["lines"][0]["unit_price"] == "0.44"
    assert_problem(lookup(api, token, [("BOLT-M8", 150)], customer_id=theirs), 403)
