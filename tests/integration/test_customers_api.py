"""Customer groups, customers and product rules through the ingestion API."""

import pytest


@pytest.fixture
def trade(call_api):
    assert call_api("ingest_api/put-price-list")["statusCode"] == 201
    assert call_api("ingest_api/put-customer-group")["statusCode"] == 201


def test_base_group_always_exists_and_cannot_be_deleted(call_api):
    base = call_api("ingest_api/get-customer-group", path_parameters={"slug": "base"})
    assert base["statusCode"] == 200
    assert base["json"]["parent"] is None if "parent" in base["json"] else True
    refused = call_api("ingest_api/delete-customer-group", path_parameters={"slug": "base"}, scopes="admin")
    assert refused["statusCode"] == 409


def test_group_parent_must_exist_and_not_loop(call_api, trade):
    missing = call_api(
        "ingest_api/put-customer-group", path_parameters={"slug": "gold"}, body={"name": "Gold", "parent": "silver"}
    )
    assert missing["statusCode"] == 422
    assert missing["json"]["errors"][0]["field"] == "parent"
    assert (
        call_api(
            "ingest_api/put-customer-group", path_parameters={"slug": "gold"}, body={"name": "Gold", "parent": "trade"}
        )["statusCode"]
        == 201
    )
    cycle = call_api("ingest_api/put-customer-group", body={"name": "Trade", "parent": "gold"})
    assert cycle["statusCode"] == 409
    assert call_api("ingest_api/get-customer-group")["json"]["parent"] == "base"
    in_use = call_api("ingest_api/delete-customer-group", scopes="admin")
    assert in_use["statusCode"] == 409
    assert "gold" in in_use["json"]["detail"]


def test_customers_batch_stores_everything_and_answers_per_record(call_api, trade):
    response = call_api("ingest_api/post-customers-batch")
    assert response["statusCode"] == 200
    assert [r["status"] for r in response["json"]["results"]] == ["created"] * 3
    acme = call_api("ingest_api/get-customer")["json"]
    assert acme["payment_terms"] == {"methods": ["invoice", "card"], "credit_limit": "5000", "net_days": 30}
    assert acme["tags"] == ["contractor", "north"]
    assert acme["addresses"][0]["postcode"] == "LS11 5PS"
    assert acme["discount_percent"] == "2.5"
    again = call_api("ingest_api/post-customers-batch")
    assert [r["status"] for r in again["json"]["results"]] == ["unchanged"] * 3


def test_email_is_unique_case_insensitively_per_record(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    body = {
        "customers": [
            {"id": "C-2001", "email": "BUYER@acme-builders.co.uk"},
            {"id": "C-2002", "email": "new@example.com"},
            {"id": "C-2003", "email": "New@Example.com"},
        ]
    }
    results = call_api("ingest_api/post-customers-batch", body=body)["json"]["results"]
    assert [r["status"] for r in results] == ["error", "created", "error"]
    assert "C-1001" in results[0]["errors"][0]["reason"]
    assert results[2]["errors"][0]["field"] == "email"
    found = call_api("ingest_api/find-customer-by-email")
    assert (found["statusCode"], found["json"]["items"]) == (200, [])  # a filter that matches nobody
    found = call_api("ingest_api/find-customer-by-email", query={"email": "Buyer@ACME-builders.co.uk"})
    assert [c["id"] for c in found["json"]["items"]] == ["C-1001"]


def test_changing_an_email_frees_the_old_one(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    moved = call_api("ingest_api/put-customer", body={"email": "purchasing@acme-builders.co.uk", "group": "trade"})
    assert moved["statusCode"] == 200
    taken = call_api(
        "ingest_api/put-customer", path_parameters={"customer_id": "C-9"}, body={"email": "buyer@acme-builders.co.uk"}
    )
    assert taken["statusCode"] == 201
    clash = call_api(
        "ingest_api/put-customer",
        path_parameters={"customer_id": "C-10"},
        body={"email": "purchasing@acme-builders.co.uk"},
    )
    assert clash["statusCode"] == 422
    assert clash["json"]["errors"][0]["field"] == "email"


def test_deleting_a_customer_releases_its_email(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    assert call_api("ingest_api/delete-customer", scopes="admin")["statusCode"] == 200
    assert call_api("ingest_api/get-customer")["statusCode"] == 404
    reuse = call_api(
        "ingest_api/put-customer", path_parameters={"customer_id": "C-7"}, body={"email": "buyer@acme-builders.co.uk"}
    )
    assert reuse["statusCode"] == 201


def test_customer_with_unknown_group_or_list_is_a_record_error(call_api, trade):
    body = {
        "customers": [
            {"id": "C-1", "email": "a@b.co", "group": "ghost"},
            {"id": "C-2", "email": "c@d.co", "price_lists": ["nope"]},
            {"id": "C-3", "email": "not-an-email"},
        ]
    }
    response = call_api("ingest_api/post-customers-batch", body=body)
    assert response["statusCode"] == 422
    assert [r["errors"][0]["field"] for r in response["json"]["results"]] == ["group", "price_lists.0", "email"]


def test_customers_list_pages_and_filters_by_updated_since(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    page = call_api("ingest_api/list-customers", query={"limit": "2"})
    assert len(page["json"]["items"]) == 2
    assert page["json"]["links"]["next"]
    later = call_api("ingest_api/list-customers", query={"updated_since": "2999-01-01T00:00:00Z"})
    assert later["json"]["items"] == []
    bad = call_api("ingest_api/list-customers", query={"updated_since": "yesterday"})
    assert bad["statusCode"] == 422
    assert bad["json"]["errors"][0]["field"] == "updated_since"


def test_product_rules_batch_and_read_by_sku(call_api, trade):
    response = call_api("ingest_api/post-product-rules-batch")
    assert response["statusCode"] == 200
    rules = call_api("ingest_api/get-sku-rules")["json"]["items"]
    assert [(r["group"], r.get("pack_size"), r.get("min_qty")) for r in rules] == [
        ("base", 50, 50),
        ("trade", None, 100),
    ]
    bad = call_api(
        "ingest_api/post-product-rules-batch",
        body={
            "rules": [
                {"group": "ghost", "sku": "A"},
                {"sku": "B", "min_qty": 5, "max_qty": 2},
                {"sku": "C", "pack_size": 0},
            ]
        },
    )
    assert bad["statusCode"] == 422
    assert [r["errors"][0]["field"] for r in bad["json"]["results"]] == ["group", "record", "pack_size"]


def test_the_base_group_can_be_written_and_read_back(call_api, trade):
    written = call_api(
        "ingest_api/put-customer-group",
        path_parameters={"slug": "base"},
        body={"name": "Everyone", "price_lists": ["trade"]},
    )
    assert written["statusCode"] == 201
    assert call_api("ingest_api/get-customer-group", path_parameters={"slug": "base"})["json"]["price_lists"] == [
        "trade"
    ]
    again = call_api("ingest_api/put-customer-group", path_parameters={"slug": "gold"}, body={"name": "Gold"})
    assert again["statusCode"] == 201


def test_customers_without_an_email_are_accepted_and_emails_stay_unique_when_present(call_api, trade):
    # Given ERP customers with no email (absent, null, or an empty string as Unleashed and Cin7 Core export them)
    body = {
        "customers": [
            {"id": "C-3001", "company": "Yard Account"},
            {"id": "C-3002", "email": None, "group": "trade"},
            {"id": "C-3003", "email": ""},
            {"id": "C-3004", "email": "Shared@Example.com"},
            {"id": "C-3005", "email": "shared@example.com"},
        ]
    }
    # When they are sent
    results = call_api("ingest_api/post-customers-batch", body=body)["json"]["results"]
    # Then every email-less one is stored, and a present email is still unique case-insensitively
    assert [r["status"] for r in results] == ["created", "created", "created", "created", "error"]
    assert results[4]["errors"][0]["field"] == "email"
    stored = call_api("ingest_api/get-customer", path_parameters={"customer_id": "C-3002"})["json"]
    assert "email" not in stored or stored["email"] is None
    assert stored["group"] == "trade"
    # And re-sending them changes nothing
    again = call_api("ingest_api/post-customers-batch", body={"customers": body["customers"][:4]})["json"]["results"]
    assert [r["status"] for r in again] == ["unchanged"] * 4


def test_dropping_an_email_releases_it_and_an_email_less_customer_can_be_deleted(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    dropped = call_api("ingest_api/put-customer", body={"email": None, "group": "trade"})
    assert dropped["statusCode"] == 200
    assert (
        call_api("ingest_api/find-customer-by-email", query={"email": "buyer@acme-builders.co.uk"})["json"]["items"]
        == []
    )
    reuse = call_api(
        "ingest_api/put-customer", path_parameters={"customer_id": "C-8"}, body={"email": "buyer@acme-builders.co.uk"}
    )
    assert reuse["statusCode"] == 201
    assert call_api("ingest_api/delete-customer", scopes="admin")["statusCode"] == 200
    assert call_api("ingest_api/get-customer")["statusCode"] == 404


PACK_FEED = {"rules": [{"sku": "BOLT-M8", "pack_size": 50}, {"group": "trade", "sku": "BOLT-M8", "pack_size": 25}]}
MINIMUM_FEED = {"rules": [{"sku": "BOLT-M8", "min_qty": 100}, {"group": "trade", "sku": "BOLT-M8", "min_qty": 75}]}


@pytest.mark.parametrize("feeds", [(PACK_FEED, MINIMUM_FEED), (MINIMUM_FEED, PACK_FEED)], ids=["packs", "minimums"])
def test_pack_sizes_and_minimums_from_separate_feeds_both_stand_in_either_order(call_api, trade, feeds):
    # Given one ERP feed of pack sizes and another of minimum quantities, in either order
    for feed in feeds:
        assert call_api("ingest_api/post-product-rules-batch", body=feed)["statusCode"] == 200
    # Then the second feed left the first one's fields as stored
    rules = call_api("ingest_api/get-sku-rules")["json"]["items"]
    assert [(r["group"], r.get("pack_size"), r.get("min_qty")) for r in rules] == [("base", 50, 100), ("trade", 25, 75)]
    # And re-sending a feed is unchanged; null clears a field; a merged record is checked as a whole
    again = call_api("ingest_api/post-product-rules-batch", body=feeds[1])["json"]["results"]
    assert [r["status"] for r in again] == ["unchanged", "unchanged"]
    cleared = call_api(
        "ingest_api/post-product-rules-batch",
        body={"rules": [{"sku": "BOLT-M8", "pack_size": None}, {"group": "trade", "sku": "BOLT-M8", "max_qty": 10}]},
    )["json"]["results"]
    assert [r["status"] for r in cleared] == ["updated", "error"]
    assert "max_qty" in cleared[1]["errors"][0]["reason"]
    rules = call_api("ingest_api/get-sku-rules")["json"]["items"]
    assert [(r["group"], r.get("pack_size"), r.get("min_qty")) for r in rules] == [
        ("base", None, 100),
        ("trade", 25, 75),
    ]


def test_customer_writes_are_partial_and_null_clears(call_api, trade):
    call_api("ingest_api/post-customers-batch")
    # A CRM feed sends only the company; the batch sends only the status of another customer
    renamed = call_api("ingest_api/put-customer", body={"company": "Acme Builders (North) Ltd"})
    assert renamed["statusCode"] == 200
    acme = renamed["json"]
    assert acme["company"] == "Acme Builders (North) Ltd"
    assert acme["email"] == "buyer@acme-builders.co.uk"
    assert acme["group"] == "trade"
    assert acme["payment_terms"]["credit_limit"] == "5000"
    assert acme["tags"] == ["contractor", "north"]
    results = call_api(
        "ingest_api/post-customers-batch",
        body={"customers": [{"id": "C-1002", "status": "inactive"}, {"id": "C-1001", "tags": None, "company": None}]},
    )["json"]["results"]
    assert [r["status"] for r in results] == ["updated", "updated"]
    sparks = call_api("ingest_api/get-customer", path_parameters={"customer_id": "C-1002"})["json"]
    assert (sparks["status"], sparks["email"], sparks["group"]) == ("inactive", "orders@brightsparks.example", "trade")
    acme = call_api("ingest_api/get-customer")["json"]
    assert acme.get("tags", []) == []
    assert acme.get("company") is None
    assert acme["addresses"][0]["postcode"] == "LS11 5PS"
    unchanged = call_api(
        "ingest_api/post-customers-batch", body={"customers": [{"id": "C-1002", "status": "inactive"}]}
    )
    assert unchanged["json"]["results"][0]["status"] == "unchanged"
