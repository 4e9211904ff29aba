"""An ERP's sync over HTTP (issue 3): customers in bulk, found by email, priced through their group; safe retries
with Idempotency-Key; out-of-order deliveries skipped by source_version."""

import pytest

from tests.e2e.client import lookup

pytestmark = pytest.mark.e2e


@pytest.fixture
def group(api, keys, price_list, unique) -> str:
    """Given a customer group priced from this test's list, with BOLT-M8 at 0.50 / 0.45 from 100."""
    ladder = [{"min_qty": 1, "price": "0.50"}, {"min_qty": 100, "price": "0.45"}]
    prices = {"prices": [{"sku": "BOLT-M8", "tiers": ladder}]}
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=prices).status_code == 200
    slug = f"trade-{unique}"
    response = api.put(
        f"/v1/customer-groups/{slug}", key=keys.write, json={"name": "Trade", "price_lists": [price_list]}
    )
    assert response.status_code == 201, response.text
    return slug


def test_customers_pushed_in_bulk_are_found_by_email_and_priced_through_their_group(
    api, keys, price_list, group, unique
):
    # Given the ERP pushes three customers in one batch
    batch = {
        "customers": [
            {"id": f"C-{unique}-1", "email": f"Buyer.{unique}@Acme.example", "group": group, "discount_percent": "2.5"},
            {"id": f"C-{unique}-2", "email": f"orders.{unique}@sparks.example", "group": group},
            {"id": f"C-{unique}-3", "email": f"accounts.{unique}@harbour.example", "status": "inactive"},
        ]
    }
    pushed = api.post("/v1/customers:batch", key=keys.write, json=batch)
    assert pushed.status_code == 200, pushed.text
    assert [(r["index"], r["key"], r["status"]) for r in pushed.json()["results"]] == [
        (0, f"C-{unique}-1", "created"),
        (1, f"C-{unique}-2", "created"),
        (2, f"C-{unique}-3", "created"),
    ]

    # When the storefront finds the signed-in buyer by email (any case) and prices their cart
    found = api.get("/v1/customers", key=keys.write, params={"email": f"buyer.{unique}@acme.EXAMPLE"})
    assert found.status_code == 200, found.text
    ((customer,),) = [found.json()["items"]]
    answer = lookup(api, keys.read, [("BOLT-M8", 150), ("BOLT-M8", 10)], customer_id=customer["id"])

    # Then it is the first customer, priced from its group's list with its discount
    assert customer["id"] == f"C-{unique}-1"
    assert answer.status_code == 200, answer.text
    assert [(line["price_list"], line["unit_price"]) for line in answer.json()["lines"]] == [
        (price_list, "0.44"),  # 0.45 × 0.975 = 0.43875 → 0.44
        (price_list, "0.49"),  # 0.50 × 0.975 = 0.4875 → 0.49
    ]


def test_a_batch_resent_with_the_same_idempotency_key_replays_the_first_answer(api, keys, price_list, unique):
    # Given a batch the ERP sent with an Idempotency-Key
    headers = {"Idempotency-Key": f"sync-{unique}-0001"}
    body = {"prices": [{"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "0.12"}]}]}
    first = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["results"][0]["status"] == "created"
    # ...and someone changed the price since
    changed = {"prices": [{"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "0.15"}]}]}
    assert api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=changed).status_code == 200

    # When the ERP, having timed out, sends the same batch with the same key again
    again = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=body, headers=headers)

    # Then it gets the first answer, marked as a replay, and nothing was written again
    assert again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    stored = api.get(f"/v1/price-lists/{price_list}/prices/NUT-M8", key=keys.read).json()
    assert stored["tiers"] == [{"min_qty": 1, "price": "0.15"}]


def test_an_older_source_version_arriving_late_is_skipped_as_stale(api, keys, price_list):
    def send(version: int | str, price: str) -> str:
        body = {"prices": [{"sku": "BOLT-M8", "tiers": [{"min_qty": 1, "price": price}], "source_version": version}]}
        response = api.put(f"/v1/price-lists/{price_list}/prices", key=keys.write, json=body)
        assert response.status_code == 200, response.text
        status: str = response.json()["results"][0]["status"]
        return status

    # Given version 5 is stored
    assert send(5, "0.55") == "created"

    # When version 4 arrives after it, then version 6
    late = send(4, "0.40")
    newer = send(6, "0.60")

    # Then 4 was skipped and 6 applied
    assert (late, newer) == ("stale", "updated")
    answer = lookup(api, keys.read, [("BOLT-M8", 1)], price_list=price_list)
    assert answer.json()["lines"][0]["unit_price"] == "0.60"


def test_a_stale_customer_record_is_skipped_too(api, keys, unique):
    customer = {"id": f"C-{unique}", "email": f"{unique}@example.com", "company": "New name"}

    def send(version: str, company: str) -> str:
        record = {**customer, "company": company, "source_version": version}
        response = api.post("/v1/customers:batch", key=keys.write, json={"customers": [record]})
        assert response.status_code == 200, response.text
        status: str = response.json()["results"][0]["status"]
        return status

    assert send("2026-11-26T10:00:00Z", "New name") == "created"
    assert send("2026-11-26T09:00:00Z", "Old name") == "stale"
    assert api.get(f"/v1/customers/C-{unique}", key=keys.write).json()["company"] == "New name"
