"""Read-your-writes for a warm lookup: once a write is acknowledged, the next lookup reflects it, whatever was cached.

Each test warms the lookup first (its cache of list definitions and groups filled, as in a function that has
served requests), then writes through the ingestion handler, then looks up again in the same process: the copy
the first lookup cached is exactly what a stale answer would come from. One test per kind of record.
"""

from typing import Any

import pytest

from tradeprice.data import aws, reference

CUSTOMER = "C-1001"


def _list(call_api, slug: str, prices: dict[str, str], **fields: Any) -> None:
    body = {"name": slug.title(), "currency": "GBP", **fields}
    assert call_api("ingest_api/put-price-list", body=body, path_parameters={"slug": slug})["statusCode"] in {200, 201}
    ladders = [{"sku": sku, "tiers": [{"min_qty": 1, "price": price}]} for sku, price in prices.items()]
    if ladders:
        response = call_api("ingest_api/put-prices", body={"prices": ladders}, path_parameters={"slug": slug})
        assert response["statusCode"] == 200, response["json"]


def _group(call_api, slug: str, price_lists: list[str], **fields: Any) -> None:
    body = {"name": slug.title(), "price_lists": price_lists, **fields}
    response = call_api("ingest_api/put-customer-group", body=body, path_parameters={"slug": slug})
    assert response["statusCode"] in {200, 201}, response["json"]


def _customer(call_api, **fields: Any) -> None:
    body = {"email": "buyer@example.com", **fields}
    response = call_api("ingest_api/put-customer", body=body, path_parameters={"customer_id": CUSTOMER})
    assert response["statusCode"] in {200, 201}, response["json"]


def _line(call_api, sku: str = "BOLT-M8", qty: int = 1) -> dict[str, Any]:
    response = call_api(
        "price_lookup/lookup-by-customer", body={"customer_id": CUSTOMER, "lines": [{"sku": sku, "qty": qty}]}
    )
    assert response["statusCode"] == 200, response["json"]
    line: dict[str, Any] = response["json"]["lines"][0]
    return line


@pytest.fixture
def warm(call_api) -> None:
    """Given a trade list (BOLT-M8 at 9.00), a trade group on it, and the customer in that group, already looked up."""
    _list(call_api, "trade", {"BOLT-M8": "9.00"})
    _group(call_api, "trade", ["trade"])
    _customer(call_api, group="trade")
    assert (_line(call_api)["price_list"], _line(call_api)["unit_price"]) == ("trade", "9.00")


def test_an_erp_sequence_of_new_list_group_and_customer_is_priced_at_once(call_api, warm):
    # When the ERP creates a contract list, a group on it and moves the customer into that group
    _list(call_api, "contract", {"BOLT-M8": "5.00"})
    _group(call_api, "contract-buyers", ["contract"], parent="trade")
    _customer(call_api, group="contract-buyers")

    # Then the very next lookup prices from the contract, not the base list
    assert (_line(call_api)["price_list"], _line(call_api)["unit_price"]) == ("contract", "5.00")


def test_a_customer_given_a_new_list_of_its_own_is_priced_from_it_at_once(call_api, warm):
    _list(call_api, "acme-only", {"BOLT-M8": "4.00"})
    _customer(call_api, group="trade", price_lists=["acme-only"])

    line = _line(call_api)
    assert (line["found"], line["price_list"], line["unit_price"]) == (True, "acme-only", "4.00")


def test_a_customer_set_inactive_loses_trade_prices_at_once(call_api, warm):
    _customer(call_api, group="trade", status="inactive")

    line = _line(call_api)
    assert (line["found"], line["reason"], line["orderable"]) == (False, "customer_inactive", False)


def test_a_customer_discount_applies_at_once(call_api, warm):
    _customer(call_api, group="trade", discount_percent="10")

    assert _line(call_api)["unit_price"] == "8.10"


def test_a_group_given_another_list_prices_from_it_at_once(call_api, warm):
    _list(call_api, "promo", {"BOLT-M8": "7.00"})
    _group(call_api, "trade", ["promo", "trade"])

    assert (_line(call_api)["price_list"], _line(call_api)["unit_price"]) == ("promo", "7.00")


def test_a_changed_list_definition_applies_at_once(call_api, warm):
    # Given a derived list the group prices from, looked up once
    _list(call_api, "trade-less", {}, rules={"source": "trade", "adjustment_percent": "-10"})
    _group(call_api, "trade", ["trade-less", "trade"])
    assert _line(call_api)["unit_price"] == "8.10"

    # When its derivation changes, and then the list expires
    _list(call_api, "trade-less", {}, rules={"source": "trade", "adjustment_percent": "-20"})
    derived = _line(call_api)["unit_price"]
    expired = "2000-01-01T00:00:00Z"
    _list(call_api, "trade-less", {}, rules={"source": "trade", "adjustment_percent": "-20"}, valid_until=expired)

    # Then each lookup follows
    assert derived == "7.20"
    assert (_line(call_api)["price_list"], _line(call_api)["unit_price"]) == ("trade", "9.00")


def test_a_deleted_list_is_gone_from_the_next_lookup(call_api, warm):
    _list(call_api, "clearance", {"BOLT-M8": "1.00"})
    response = call_api(
        "price_lookup/lookup-by-price-list", body={"price_list": "clearance", "lines": [{"sku": "BOLT-M8", "qty": 1}]}
    )
    assert response["json"]["lines"][0]["unit_price"] == "1.00"

    deleted = call_api("ingest_api/delete-price-list", path_parameters={"slug": "clearance"}, scopes="write admin")
    assert deleted["statusCode"] in {200, 204}, deleted["json"]

    response = call_api(
        "price_lookup/lookup-by-price-list", body={"price_list": "clearance", "lines": [{"sku": "BOLT-M8", "qty": 1}]}
    )
    assert response["statusCode"] == 404


def test_a_new_product_rule_applies_at_once(call_api, warm):
    call_api(
        "ingest_api/post-product-rules-batch", body={"rules": [{"group": "trade", "sku": "BOLT-M8", "pack_size": 25}]}
    )

    line = _line(call_api, qty=10)
    assert (line["orderable"], line["suggested_qty"]) == (False, 25)


def test_a_new_price_applies_at_once(call_api, warm):
    _list(call_api, "trade", {"BOLT-M8": "8.50"})

    assert _line(call_api)["unit_price"] == "8.50"


# How it is done: which reads, how consistent, how many rounds ---------------------------------------------------------


@pytest.fixture
def dynamodb_calls(stack) -> Any:
    """Every DynamoDB call's operation name and parameters, from the shared client's event hooks."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, params))

    client = aws.dynamodb()
    client.meta.events.register("provide-client-params.dynamodb.*", record)
    yield calls
    client.meta.events.unregister("provide-client-params.dynamodb.*", record)


def test_every_read_of_a_lookup_is_strongly_consistent(call_api, warm, dynamodb_calls):
    _list(call_api, "promo", {"BOLT-M8": "7.00"})  # moves a stamp: this lookup reloads the lists too
    dynamodb_calls.clear()

    _line(call_api)

    names = [name for name, _ in dynamodb_calls]
    assert "Scan" in names
    assert "BatchGetItem" in names
    for name, params in dynamodb_calls:
        if name == "BatchGetItem":
            assert all(request.get("ConsistentRead") is True for request in params["RequestItems"].values()), params
        else:
            assert params.get("ConsistentRead") is True, (name, params)


def test_a_warm_lookup_reads_the_customer_and_stamps_together_and_scans_nothing(call_api, warm, dynamodb_calls, stack):
    _line(call_api)

    first, *rest = dynamodb_calls
    tables = stack.merged_environment()
    assert first[0] == "BatchGetItem"
    assert set(first[1]["RequestItems"]) == {tables["CUSTOMERS_TABLE"], tables["STAMPS_TABLE"]}
    assert rest
    assert {name for name, _ in rest} == {"BatchGetItem"}  # prices and rules; no Scan, no GetItem


# Writers bump the stamps, whatever happens ---------------------------------------------------------------------------


def test_writes_of_lists_and_groups_move_their_stamps_and_others_do_not(call_api, warm):
    before = reference.read_stamps()

    _list(call_api, "trade", {})  # unchanged: still bumped (a retry may be repairing a lost bump)
    after_list = reference.read_stamps()
    _group(call_api, "trade", ["trade"])
    after_group = reference.read_stamps()
    _customer(call_api, group="trade", discount_percent="1")
    call_api(
        "ingest_api/post-product-rules-batch", body={"rules": [{"group": "trade", "sku": "BOLT-M8", "min_qty": 2}]}
    )

    assert after_list == reference.Stamps(before.price_lists + 1, before.customer_groups)
    assert after_group == reference.Stamps(before.price_lists + 1, before.customer_groups + 1)
    assert reference.read_stamps() == after_group


def test_a_write_that_fails_half_way_still_moves_the_stamp(stack, monkeypatch):
    from tradeprice.domain.models import CustomerGroup
    from tradeprice.errors import StoreUnavailable

    def throttled(*_: Any, **__: Any) -> Any:
        raise StoreUnavailable("DynamoDB is throttling")

    monkeypatch.setattr(reference, "apply", throttled)
    before = reference.read_stamps()

    with pytest.raises(StoreUnavailable):
        reference.write(reference.GROUPS, [(("trade",), CustomerGroup(slug="trade", name="Trade"))])

    assert reference.read_stamps().customer_groups == before.customer_groups + 1


def test_only_the_reference_module_names_the_cached_tables():
    """Every write of lists and groups must go through reference.write, which bumps their stamps: no other module
    may address their tables (a new writer elsewhere would be a writer that forgets). The lookup's reader
    (data/lookup_reads.py) names them too, and may only read."""
    from pathlib import Path

    import tradeprice

    package = Path(tradeprice.__file__).parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.relative_to(package).as_posix() not in {"data/reference.py", "data/lookup_reads.py", "config.py"}
        and any(
            name in path.read_text()
            for name in (".price_lists_table", ".customer_groups_table", "PRICE_LISTS.table", "GROUPS.table")
        )
    ]
    assert offenders == []
    reader = (package / "data" / "lookup_reads.py").read_text()
    writes = ("put_item", "update_item", "delete_item", "batch_write", "transact")
    assert not [call for call in writes if call in reader]
