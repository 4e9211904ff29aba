"""Read-your-writes over HTTP (issue 10 §1): an ERP's writes, then a storefront's lookup on a lookup function that
is already warm (it has cached list definitions and groups), with the stack's real caching behaviour."""

import pytest

from tests.e2e.client import lookup

pytestmark = pytest.mark.e2e


def test_an_erp_creating_a_list_a_group_and_a_customer_is_priced_by_the_very_next_lookup(api, keys, price_list, unique):
    # Given a base list at 9.00 and a customer priced from it, already looked up (the lookup function is warm)
    base = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "9.00"}]}]}
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=base).status_code == 200
    trade = f"trade-{unique}"
    put = api.put(f"/v1/customer-groups/{trade}", key=keys.write, json={"name": "Trade", "price_lists": [price_list]})
    assert put.status_code == 201, put.text
    customer = f"C-{unique}"
    put = api.put(f"/v1/customers/{customer}", key=keys.write, json={"email": f"{unique}@acme.example", "group": trade})
    assert put.status_code == 201, put.text
    warm = lookup(api, keys.read, [("BOLT-M8", 1)], customer_id=customer)
    assert warm.json()["lines"][0]["unit_price"] == "9.00", warm.text

    # When the ERP creates a contract list, a group on it and moves the customer into that group
    contract = f"contract-{unique}"
    made = api.put(f"/v1/price-lists/{contract}", key=keys.write, json={"name": "Contract", "currency": "GBP"})
    assert made.status_code == 201, made.text
    prices = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "5.00"}]}]}
    assert api.put(f"/v1/price-lists/{contract}/prices", key=keys.write, json=prices).status_code == 200
    group = f"contract-{unique}"
    body = {"name": "Contract buyers", "parent": trade, "price_lists": [contract]}
    assert api.put(f"/v1/customer-groups/{group}", key=keys.write, json=body).status_code == 201
    moved = api.put(
        f"/v1/customers/{customer}", key=keys.write, json={"email": f"{unique}@acme.example", "group": group}
    )
    assert moved.status_code == 200, moved.text

    # Then the storefront's next lookup is priced from the contract
    answer = lookup(api, keys.read, [("BOLT-M8", 1)], customer_id=customer)
    line = answer.json()["lines"][0]
    assert (line["price_list"], line["unit_price"]) == (contract, "5.00"), answer.text

    # And when the ERP gives the customer a list of its own, created a moment before, that list prices it
    own = f"own-{unique}"
    assert api.put(f"/v1/price-lists/{own}", key=keys.write, json={"name": "Own", "currency": "GBP"}).status_code == 201
    prices = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": "4.00"}]}]}
    assert api.put(f"/v1/price-lists/{own}/prices", key=keys.write, json=prices).status_code == 200
    body = {"email": f"{unique}@acme.example", "group": group, "price_lists": [own]}
    assert api.put(f"/v1/customers/{customer}", key=keys.write, json=body).status_code == 200
    line = lookup(api, keys.read, [("BOLT-M8", 1)], customer_id=customer).json()["lines"][0]
    assert (line["found"], line["price_list"], line["unit_price"]) == (True, own, "4.00")

    # And when it sets the customer inactive, the next lookup gives no trade price
    body = {"email": f"{unique}@acme.example", "group": group, "status": "inactive"}
    assert api.put(f"/v1/customers/{customer}", key=keys.write, json=body).status_code == 200
    line = lookup(api, keys.read, [("BOLT-M8", 1)], customer_id=customer).json()["lines"][0]
    assert (line["found"], line["reason"], line["orderable"]) == (False, "customer_inactive", False)
