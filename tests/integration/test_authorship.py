"""Every write path stamps who changed a record onto the stored item (`changed_by`), deletes included.

The change-stream function reads this attribute from each stream record's image, so what is asserted here is
what every change event and history entry names as its author.
"""

import json
from typing import Any

import boto3
from botocore.config import Config

from tradeprice.config import get_settings
from tradeprice.data import customers as customer_store
from tradeprice.data import prices, reference
from tradeprice.data.codec import deserialize
from tradeprice.domain.authors import Author, acting_as
from tradeprice.domain.models import Customer, Price, PriceList
from tradeprice.domain.types import utc_now
from tradeprice.logic import catalog


def _raw(table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    return boto3.client("dynamodb").get_item(TableName=table, Key=key).get("Item")


def _author(item: dict[str, Any]) -> dict[str, Any]:
    stamp = deserialize(item["changed_by"])
    assert stamp.pop("at")  # when, always
    return dict(stamp)


def test_an_api_write_is_stamped_with_the_key_its_name_and_the_request(stack, call_api) -> None:
    # Given a key named "erp" behind the request (the authorizer puts its id and name in the context)
    event_context = {"principal": "key:k1", "scopes": "write", "key_name": "erp"}
    call_api("ingest_api/put-price-list", scopes="write")

    # When it writes prices
    from functions.ingest_api import app as ingest_api
    from tests.conftest import LambdaContext, load_event

    event = load_event("ingest_api/put-prices")
    event["requestContext"]["authorizer"] = event_context
    assert ingest_api.lambda_handler(event, LambdaContext())["statusCode"] == 200

    # Then each stored price names that key, its name and the request that grouped the writes
    item = _raw(get_settings().prices_table, prices.key("trade", "BOLT-M8"))
    assert item is not None
    assert _author(item) == {
        "kind": "api_key",
        "id": "k1",
        "name": "erp",
        "request": event["requestContext"]["requestId"],
    }


def test_an_unchanged_rewrite_by_someone_else_is_not_a_change(stack) -> None:
    # Given a list written by one author
    with acting_as(Author("import", "job-1", request="job-1")):
        reference.put_price_list(PriceList(slug="trade", name="Trade", currency="GBP"))
    # When another author writes the same content
    with acting_as(Author("api_key", "k2", request="r2")):
        outcome = reference.put_price_list(PriceList(slug="trade", name="Trade", currency="GBP"))
    # Then nothing is rewritten: the first author still stands
    assert outcome == "unchanged"
    item = _raw(get_settings().price_lists_table, reference.PRICE_LISTS.key("trade"))
    assert item is not None
    assert _author(item)["id"] == "job-1"


def test_a_delete_stamps_its_author_before_the_item_goes(stack) -> None:
    # Given a price written by an import, and the table's stream
    with acting_as(Author("import", "job-1", request="job-1")):
        catalog.put_price_list(PriceList(slug="trade", name="Trade", currency="GBP"))
        price = Price.model_validate({"price_list": "trade", "sku": "A-1", "tiers": [{"min_qty": 1, "price": "2.00"}]})
        prices.write_many([("trade", "A-1", price, utc_now())])
    # moto routes the classic streams endpoint, not botocore's newer account-id based one
    streams = boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))
    arn = boto3.client("dynamodb").describe_table(TableName=get_settings().prices_table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")

    # When an API key deletes it
    with acting_as(Author("api_key", "k9", name="admin", request="r9")):
        catalog.delete_price("trade", "A-1")

    # Then the REMOVE record's old image names the deleter, not the import that wrote the price
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    removed = [record for record in records if record["eventName"] == "REMOVE"]
    assert len(removed) == 1
    assert _author(removed[0]["dynamodb"]["OldImage"]) == {
        "kind": "api_key",
        "id": "k9",
        "name": "admin",
        "request": "r9",
    }


def test_writes_made_in_worker_threads_carry_the_author(stack) -> None:
    # Given new customers: each is written in its own transaction, from the data layer's worker threads
    many = [Customer(id=f"C-{i}", email=f"c{i}@example.com") for i in range(12)]
    # When an integration writes them
    with acting_as(Author("integration", "netsuite", name="erp", request="r1")):
        assert set(customer_store.write_customers(many)) == {"created"}
    # Then every one of them names the integration
    for customer in many:
        item = _raw(get_settings().customers_table, reference.CUSTOMERS.key(customer.id))
        assert item is not None
        assert _author(item) == {"kind": "integration", "id": "netsuite", "name": "erp", "request": "r1"}


def test_a_staff_members_writes_name_them(stack) -> None:
    # Given a staff member signed in to the console (the authorizer names them `staff:<email>`)
    from functions.ingest_api import app as ingest_api
    from tests.conftest import LambdaContext, load_event

    staff = {"principal": "staff:jo@merchant.example", "scopes": "read write"}
    event = load_event("ingest_api/put-price-list")
    event["requestContext"]["authorizer"] = staff

    # When they write through the API (as the console does)
    assert ingest_api.lambda_handler(event, LambdaContext())["statusCode"] in {200, 201}

    # Then the stored list names them, not "unattributed"
    slug = event["pathParameters"]["slug"]
    item = _raw(get_settings().price_lists_table, reference.PRICE_LISTS.key(slug))
    assert item is not None
    assert _author(item) == {
        "kind": "staff",
        "id": "jo@merchant.example",
        "name": "jo@merchant.example",
        "request": event["requestContext"]["requestId"],
    }


def test_a_key_an_admin_creates_in_the_console_names_the_admin(stack):
    # Given an admin signed in to the console
    from functions.console import app as console
    from tests.conftest import LambdaContext, load_event

    event = load_event("ingest_api/put-price-list")
    event.update(
        resource="/v1/keys",
        path="/v1/keys",
        httpMethod="POST",
        pathParameters=None,
        body=json.dumps({"name": "storefront", "scopes": ["read"]}),
    )
    event["requestContext"].update(resourcePath="/v1/keys", httpMethod="POST")
    event["requestContext"]["authorizer"] = {"principal": "staff:ann@merchant.example", "scopes": "admin read write"}

    # When the admin creates a key
    response = console.lambda_handler(event, LambdaContext())

    # Then the stored key names the admin as its author
    assert response["statusCode"] == 201, response["body"]
    item = _raw(get_settings().api_keys_table, {"key_id": {"S": json.loads(response["body"])["id"]}})
    assert item is not None
    assert _author(item) | {"request": "…"} == {
        "kind": "staff",
        "id": "ann@merchant.example",
        "name": "ann@merchant.example",
        "request": "…",
    }
