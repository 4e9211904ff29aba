"""Change events and history through the local stack over HTTP (issue 13), the way they run on AWS.

A write over HTTP (the API, an S3 put, an integration's POST) → the record table's DynamoDB stream, read by the
stack's poller for the change-stream function → events on the stack's EventBridge bus (moto) → a rule of this
module's own routing them to an SQS queue, read back as a storefront would; and the template's webhook path (its
rule → its queue → the webhook function) POSTing each event, signed, to a receiver on loopback. The tests wait with
the stack's `wait_until_idle()` (every source drained, nothing handled meanwhile), never with sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.seed import DemoKeys
from devstack.stack import DevStack
from tests.asyncapi_validation import assert_valid_event
from tests.e2e.client import Api, lookup
from tests.webhook_receiver import WebhookReceiver, documented_verification
from tradeprice.domain.types import utc_now

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
UNLEASHED_PRODUCTS = ROOT / "events" / "integrations_api" / "post-unleashed-products.json"
"""Unleashed's GET /Products answer as its API documents it (the vendor sample the integration tests use)."""


@dataclass
class Subscriber:
    """A storefront's subscription: an EventBridge rule on the stack's bus delivering to an SQS queue."""

    stack: DevStack
    queue_url: str

    def events(self) -> list[dict[str, Any]]:
        """Every event queued since the last call, once the stack is idle (EventBridge envelopes, in order)."""
        self.stack.wait_until_idle(timeout=60)
        sqs = self.stack.client("sqs")
        found: list[dict[str, Any]] = []
        while messages := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                event = json.loads(message["Body"])
                assert event["source"] == "tradeprice"
                assert_valid_event(event["detail-type"], event["detail"])  # what the AsyncAPI document promises
                found.append(event)
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
        return found

    def details(self, detail_type: str, **matching: Any) -> list[dict[str, Any]]:
        """The `detail` of each new event of this type whose fields have these values."""
        return [
            event["detail"]
            for event in self.events()
            if event["detail-type"] == detail_type
            and all(event["detail"].get(name) == value for name, value in matching.items())
        ]


@pytest.fixture(scope="module")
def subscriber(local_stack: DevStack) -> Iterator[Subscriber]:
    """A rule of our own on the bus (every tradeprice event) → a queue, as docs/events.md's "Subscribing" shows."""
    sqs = local_stack.client("sqs")
    events = local_stack.client("events")
    bus = local_stack.deployment.physical_name("EventBus")
    queue_url = sqs.create_queue(QueueName="e2e-storefront-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="e2e-storefront", EventBusName=bus, EventPattern=json.dumps({"source": ["tradeprice"]}), State="ENABLED"
    )
    events.put_targets(Rule="e2e-storefront", EventBusName=bus, Targets=[{"Id": "storefront", "Arn": queue_arn}])
    found = Subscriber(local_stack, queue_url)
    found.events()  # what earlier tests changed is not this module's
    yield found
    events.remove_targets(Rule="e2e-storefront", EventBusName=bus, Ids=["storefront"])
    events.delete_rule(Name="e2e-storefront", EventBusName=bus)
    sqs.delete_queue(QueueUrl=queue_url)


def key_id(key: str) -> str:
    """The id part of an API key (`tp_<id>_<secret>`): what `changed_by.id` names."""
    return key.split("_")[1]


def ladder(*prices: str) -> dict[str, Any]:
    return {"tiers": [{"min_qty": 1 + 99 * index, "price": price} for index, price in enumerate(prices)]}


def put_price(api: Api, keys: DemoKeys, price_list: str, sku: str, *prices: str) -> None:
    response = api.put(f"/v1/price-lists/{price_list}/prices/{sku}", key=keys.write, json=ladder(*prices))
    assert response.status_code in (200, 201), response.text


def test_an_api_write_announces_the_change_with_before_after_and_the_keys_name(
    api, keys, price_list, subscriber: Subscriber
):
    # Given BOLT-M8 priced on this test's list through the API
    put_price(api, keys, price_list, "BOLT-M8", "0.50")
    (created,) = subscriber.details("prices.changed", price_list=price_list)

    # When the same key changes its price
    put_price(api, keys, price_list, "BOLT-M8", "0.45")
    (updated,) = subscriber.details("prices.changed", price_list=price_list)

    # Then each change was announced with the values before and after it, naming the key and its name
    assert [(c["key"], c["change"], c["before"]) for c in created["changes"]] == [
        ({"price_list": price_list, "sku": "BOLT-M8"}, "created", None)
    ]
    (change,) = updated["changes"]
    assert change["change"] == "updated"
    assert change["before"]["tiers"] == [{"min_qty": 1, "price": "0.5"}]  # canonical form
    assert change["after"]["tiers"] == [{"min_qty": 1, "price": "0.45"}]
    for event in (created, updated):
        assert {name: event["changed_by"][name] for name in ("kind", "id", "name")} == {
            "kind": "api_key",
            "id": key_id(keys.write),
            "name": "demo-write",
        }
    assert created["changed_by"]["request"] != updated["changed_by"]["request"]  # one group per request


def test_a_file_import_is_announced_in_groups_naming_the_job(api, keys, price_list, drop_file, subscriber):
    # Given a price already on the list, and what that announced
    put_price(api, keys, price_list, "BOLT-M8", "0.50")
    subscriber.events()

    # When a CSV changing it and adding 149 SKUs is dropped in the imports bucket (an S3 put)
    rows = ["sku,price,qty", "BOLT-M8,0.48,1", *(f"SKU-{n:03d},1.{n:02d},1" for n in range(149))]
    job = drop_file(f"imports/prices/{price_list}/weekly.csv", "\n".join(rows).encode())
    events = subscriber.details("prices.changed", price_list=price_list)

    # Then its 150 changes come in events of at most 100 (grouped per stream batch: the poller may read the stream
    # while the import is still writing, as Lambda may), each naming the import job as the author
    assert job.status == "succeeded", job.failure
    assert sum(event["count"] for event in events) == 150
    assert 2 <= len(events) <= 10  # a job's events on one list: at most 10 naming changes (docs/events.md)
    assert all(event["count"] <= 100 and not event["truncated"] for event in events)
    assert {json.dumps(event["changed_by"], sort_keys=True) for event in events} == {
        json.dumps(events[0]["changed_by"], sort_keys=True)
    }
    assert events[0]["changed_by"]["kind"] == "import"
    assert events[0]["changed_by"]["id"] == job.id
    assert events[0]["changed_by"]["request"] == job.id
    changes = {change["key"]["sku"]: change for event in events for change in event["changes"]}
    assert len(changes) == 150
    assert changes["BOLT-M8"]["change"] == "updated"
    assert changes["BOLT-M8"]["before"]["tiers"] == [{"min_qty": 1, "price": "0.5"}]
    assert changes["BOLT-M8"]["after"]["tiers"] == [{"min_qty": 1, "price": "0.48"}]
    assert changes["SKU-000"]["change"] == "created"


def test_an_integration_write_names_the_integration_as_the_author(api, keys, unique, subscriber):
    # Given Unleashed's products (its API's own answer), with product codes of this test's own
    event = json.loads(UNLEASHED_PRODUCTS.read_text(encoding="utf-8"))
    body = json.loads(event["body"])
    for item in body["Items"]:
        item["ProductCode"] = f"{item['ProductCode']}-{unique}"
    skus = {item["ProductCode"] for item in body["Items"]}

    # When they are posted to the integration's route
    response = api.post(
        "/v1/integrations/unleashed/products", key=keys.write, params=event["queryStringParameters"], json=body
    )

    # Then the price changes they made are announced with Unleashed as the author, posted by the key "demo-write"
    assert response.status_code in (200, 207), response.text
    events = [
        detail
        for detail in subscriber.details("prices.changed")
        if {change["key"]["sku"] for change in detail["changes"]} & skus
    ]
    assert events
    assert {(e["changed_by"]["kind"], e["changed_by"]["id"], e["changed_by"]["name"]) for e in events} == {
        ("integration", "unleashed", "demo-write")
    }
    announced = {(c["key"]["price_list"], c["key"]["sku"]) for e in events for c in e["changes"]}
    assert ("unleashed-tier-trade", f"BOLT-M8-{unique}") in announced
    assert ("unleashed-default", f"NUT-M8-{unique}") in announced


def test_the_webhook_posts_each_event_signed_as_the_documented_check_verifies(
    api, keys, price_list, local_stack: DevStack, webhook_receiver: WebhookReceiver, subscriber
):
    # Given the stack deployed with WebhookUrl pointing at a receiver on loopback, and its signing secret
    secrets = local_stack.client("secretsmanager")
    secret_id = local_stack.deployment.physical_name("WebhookSecret")
    secret = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])["secret"].encode()

    # When a price on this test's list changes
    put_price(api, keys, price_list, "BOLT-M8", "0.50")
    (announced,) = subscriber.details("prices.changed", price_list=price_list)

    # Then the receiver got that event, POSTed with a signature the snippet in docs/events.md accepts
    verify = documented_verification()
    deliveries = [
        delivery
        for delivery in webhook_receiver.received()
        if json.loads(delivery.body)["detail"].get("price_list") == price_list
    ]
    (delivery,) = deliveries
    assert delivery.path == "/hooks/tradeprice"
    assert verify(secret, delivery.headers["Tradeprice-Signature"], delivery.body)
    tampered = delivery.body.replace(b'"0.5"', b'"0.05"')  # the price as stored: 0.50 is 0.5
    assert tampered != delivery.body
    assert not verify(secret, delivery.headers["Tradeprice-Signature"], tampered)
    assert not verify(b"not-the-secret", delivery.headers["Tradeprice-Signature"], delivery.body)
    posted = json.loads(delivery.body)
    assert posted["detail-type"] == delivery.headers["Tradeprice-Event-Type"] == "prices.changed"
    assert posted["detail"] == announced
    assert delivery.headers["Tradeprice-Event-Id"] == announced["id"]


def test_the_history_route_shows_each_change_newest_first_with_before_after_and_who(api, keys, price_list, subscriber):
    # Given BOLT-M8 priced three times through the API
    for price in ("0.50", "0.45", "0.40"):
        put_price(api, keys, price_list, "BOLT-M8", price)
    subscriber.events()

    # When a read key asks for the SKU's history, and for its page of one
    response = api.get(f"/v1/price-lists/{price_list}/prices/BOLT-M8/history", key=keys.read)
    first_page = api.get(f"/v1/price-lists/{price_list}/prices/BOLT-M8/history", key=keys.read, params={"limit": "1"})

    # Then it has every change, newest first, each with before, after and who
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["change"] for item in items] == ["updated", "updated", "created"]
    assert [item["after"]["tiers"][0]["price"] for item in items] == ["0.4", "0.45", "0.5"]
    assert [item["before"] and item["before"]["tiers"][0]["price"] for item in items] == ["0.45", "0.5", None]
    assert {(item["changed_by"]["kind"], item["changed_by"]["name"]) for item in items} == {("api_key", "demo-write")}
    assert items[0]["at"] > items[1]["at"] > items[2]["at"]
    assert first_page.status_code == 200, first_page.text
    assert first_page.json()["items"] == items[:1]
    assert first_page.json()["links"]["next"]


def test_as_of_over_http_answers_as_the_lookup_did_at_that_time(api, keys, price_list, subscriber):
    # Given BOLT-M8 priced, its change in the history, and a lookup made then
    put_price(api, keys, price_list, "BOLT-M8", "0.50", "0.45")
    subscriber.events()
    then = lookup(api, keys.read, [("BOLT-M8", 1), ("BOLT-M8", 150), ("NUT-M8", 1)], price_list=price_list)
    assert then.status_code == 200, then.text
    instant = utc_now().isoformat()

    # When the price changes and NUT-M8 is added afterwards
    put_price(api, keys, price_list, "BOLT-M8", "0.40", "0.35")
    put_price(api, keys, price_list, "NUT-M8", "0.10")
    subscriber.events()
    now = lookup(api, keys.read, [("BOLT-M8", 1), ("BOLT-M8", 150), ("NUT-M8", 1)], price_list=price_list)
    past = lookup(
        api,
        keys.read,
        [("BOLT-M8", 1), ("BOLT-M8", 150), ("NUT-M8", 1)],
        price_list=price_list,
        as_of=instant,
        at=then.json()["at"],
    )

    # Then the as_of answer is the answer given then, line for line, and says it came from the history
    assert past.status_code == 200, past.text
    assert past.json()["lines"] == then.json()["lines"]
    assert (past.json()["as_of"], past.json()["source"]) == (instant, "history")
    assert [line["unit_price"] for line in now.json()["lines"]] == ["0.40", "0.35", "0.10"]
    assert [line["found"] for line in past.json()["lines"]] == [True, True, False]
