"""Ingestion API: ERPs and middleware write price lists, prices, groups, customers and rules (docs/api.md).

Each route is thin: check the caller's scope, parse, one call into logic, map the result.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api import asyncapi, idempotency, openapi, paging, problems, schemas, views
from tradeprice.api.access import Caller, Scope, author_from, caller_from
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.resolver import new_resolver
from tradeprice.domain.authors import acting_as
from tradeprice.errors import InvalidInput
from tradeprice.logic import catalog, customers, history, platform
from tradeprice.logic.records import RecordResult, summary

logger = Logger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
app = new_resolver(logger)


def caller(*scopes: Scope) -> Caller:
    """The authenticated caller, refused (403) unless it holds one of `scopes`."""
    who = caller_from(app.current_event.raw_event.get("requestContext"))
    who.require_any(*scopes)
    return who


def body() -> Any:
    return parse_json(app.current_event.body)


def json_response(status: int, document: Any, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=dump_json(document), headers=headers)


def batch_response(results: list[RecordResult]) -> Response[str]:
    outcome = summary(results)
    logger.info("batch written", extra={"outcome": outcome})
    for status, count in outcome.items():
        metrics.add_metric(name=f"Records{status.capitalize()}", unit=MetricUnit.Count, value=count)
    return problems.batch_answer(results)


def single(result: RecordResult) -> RecordResult:
    """A one-record write: its record error is the request's error."""
    if result.status == "error":
        raise InvalidInput(f"{result.errors[0]['field']}: {result.errors[0]['reason']}", result.errors)
    return result


def written(outcome: str, document: dict[str, Any]) -> Response[str]:
    """A PUT's answer: the record as stored now and, in `outcome`, what the write did (created, updated,
    unchanged, stale; deleted for a price). A stale or unchanged write answers the stored record, never the
    values it refused."""
    return json_response(201 if outcome == "created" else 200, document | {"outcome": outcome})


def listing(items: list[Any], next_cursor: str | None) -> Response[str]:
    return paging.page_response(app.current_event, items, next_cursor)


def page_query() -> paging.PageQuery:
    return paging.page_query(app.current_event.query_string_parameters)


READERS = (Scope.READ, Scope.WRITE)


# Meta -------------------------------------------------------------------------------------------------------------


@app.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/openapi.json")
def openapi_document() -> Response[str]:
    return json_response(200, openapi.document())


@app.get("/v1/asyncapi.json")
def asyncapi_document() -> Response[str]:
    return json_response(200, asyncapi.document())


@app.get("/v1/docs")
def interactive_docs() -> Response[str]:
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=openapi.docs_page("openapi.json"))


# Price lists ------------------------------------------------------------------------------------------------------


@app.get("/v1/price-lists")
def list_price_lists() -> Response[str]:
    caller(*READERS)
    query = page_query()
    lists, next_cursor = catalog.page_price_lists(query.limit, query.cursor, query.updated_since)
    return listing([views.price_list_view(p) for p in lists], next_cursor)


@app.put("/v1/price-lists/<slug>")
def put_price_list(slug: str) -> Response[str]:
    caller(Scope.WRITE)
    request = schemas.PriceListIn.model_validate(body())
    price_list, outcome = catalog.put_price_list(request.to_domain(slug))
    return written(outcome, views.price_list_view(price_list))


@app.get("/v1/price-lists/<slug>")
def get_price_list(slug: str) -> dict[str, Any]:
    caller(*READERS)
    return views.price_list_view(catalog.get_price_list(slug))


@app.delete("/v1/price-lists/<slug>")
def delete_price_list(slug: str) -> dict[str, Any]:
    caller(Scope.ADMIN)
    return {"slug": slug, "status": "deleted", "prices_removed": catalog.delete_price_list(slug)}


# Prices -----------------------------------------------------------------------------------------------------------


@app.put("/v1/price-lists/<slug>/prices")
def put_prices(slug: str) -> Response[str]:
    caller(Scope.WRITE)
    request = schemas.PricesIn.model_validate(body())
    catalog.get_price_list(slug)  # an unknown list is the request's error, not each record's
    parsed = schemas.parse_records(request.prices, schemas.price_write_parser(slug), key_field="sku")
    return batch_response(schemas.merge(parsed, catalog.put_prices(slug, schemas.accepted(parsed))))


@app.get("/v1/price-lists/<slug>/prices")
def list_prices(slug: str) -> Response[str]:
    caller(*READERS)
    query = page_query()
    prices, next_cursor = catalog.page_prices(slug, query.limit, query.cursor, query.updated_since)
    return listing([views.price_view(p) for p in prices], next_cursor)


@app.get("/v1/price-lists/<slug>/prices/<sku>")
def get_price(slug: str, sku: str) -> dict[str, Any]:
    caller(*READERS)
    return views.price_view(catalog.get_price(slug, sku))


@app.put("/v1/price-lists/<slug>/prices/<sku>")
def put_price(slug: str, sku: str) -> Response[str]:
    caller(Scope.WRITE)
    record = schemas.PriceOneIn.model_validate(body())
    result = single(catalog.put_prices(slug, [record.to_write(slug, sku)])[0])
    if not record.tiers:  # empty tiers remove the SKU: nothing stored is left to show
        return written(result.status, {"price_list": slug, "sku": sku})
    return written(result.status, views.price_view(catalog.get_price(slug, sku)))


@app.delete("/v1/price-lists/<slug>/prices/<sku>")
def delete_price(slug: str, sku: str) -> dict[str, Any]:
    caller(Scope.ADMIN)
    catalog.delete_price(slug, sku)
    return {"price_list": slug, "sku": sku, "status": "deleted"}


@app.post("/v1/prices:batch")
def post_prices_batch() -> Response[str]:
    caller(Scope.WRITE)
    request = schemas.PricesIn.model_validate(body())
    parsed = schemas.parse_records(request.prices, schemas.cross_list_price_parser, key_field="sku")
    return batch_response(schemas.merge(parsed, catalog.put_prices_across_lists(schemas.accepted(parsed))))


@app.get("/v1/skus/<sku>/prices")
def prices_of_sku(sku: str) -> dict[str, Any]:
    caller(*READERS)
    sku = schemas.sku_path(sku)
    return {"sku": sku, "items": [views.price_view(p) for p in catalog.prices_of_sku(sku)]}


# Customer groups --------------------------------------------------------------------------------------------------


@app.get("/v1/customer-groups")
def list_groups() -> Response[str]:
    caller(*READERS)
    query = page_query()
    groups, next_cursor = customers.page_groups(query.limit, query.cursor, query.updated_since)
    return listing([views.record_view(g) for g in groups], next_cursor)


@app.put("/v1/customer-groups/<slug>")
def put_group(slug: str) -> Response[str]:
    caller(Scope.WRITE)
    request = schemas.CustomerGroupIn.model_validate(body())
    group, outcome = customers.put_group(request.to_domain(slug))
    return written(outcome, views.record_view(group))


@app.get("/v1/customer-groups/<slug>")
def get_group(slug: str) -> dict[str, Any]:
    caller(*READERS)
    return views.record_view(customers.get_group(slug))


@app.delete("/v1/customer-groups/<slug>")
def delete_group(slug: str) -> dict[str, Any]:
    caller(Scope.ADMIN)
    customers.delete_group(slug)
    return {"slug": slug, "status": "deleted"}


# Customers --------------------------------------------------------------------------------------------------------


@app.get("/v1/customers")
def list_customers() -> Response[str]:
    caller(Scope.WRITE)
    query_string = app.current_event.query_string_parameters or {}
    query = page_query()
    if "email" in query_string:  # a filter: the one customer with it, or an empty page
        found_one = customers.find_customer_by_email(schemas.email_query(query_string["email"]))
        return listing([views.record_view(found_one)] if found_one else [], None)
    if "external_id" in query_string:  # a platform's customer id (shopify:<id>): the customer linked to it, or none
        linked = platform.find_customer_by_external_id(query_string["external_id"])
        return listing([views.record_view(linked)] if linked else [], None)
    found, next_cursor = customers.page_customers(query.limit, query.cursor, query.updated_since)
    return listing([views.record_view(c) for c in found], next_cursor)


@app.post("/v1/customers:batch")
def post_customers_batch() -> Response[str]:
    who = caller(Scope.WRITE)
    request = schemas.CustomersIn.model_validate(body())
    parsed = schemas.parse_records(request.customers, schemas.customer_parser, key_field="id")
    records = schemas.accepted(parsed)
    return batch_response(schemas.merge(parsed, customers.put_customers(records, partial=True, source=who.source)))


@app.put("/v1/customers/<customer_id>")
def put_customer(customer_id: str) -> Response[str]:
    who = caller(Scope.WRITE)
    record = schemas.CustomerOneIn.model_validate(body()).to_domain(customer_id)
    result = single(customers.put_customers([(0, record)], partial=True, source=who.source)[0])
    return written(result.status, views.record_view(customers.get_customer(customer_id)))


@app.get("/v1/customers/<customer_id>")
def get_customer(customer_id: str) -> dict[str, Any]:
    caller(Scope.WRITE)
    return views.record_view(customers.get_customer(customer_id))


@app.delete("/v1/customers/<customer_id>")
def delete_customer(customer_id: str) -> dict[str, Any]:
    caller(Scope.ADMIN)
    customers.delete_customer(customer_id)
    return {"id": customer_id, "status": "deleted"}


# Product rules ----------------------------------------------------------------------------------------------------


@app.post("/v1/product-rules:batch")
def post_rules_batch() -> Response[str]:
    caller(Scope.WRITE)
    request = schemas.ProductRulesIn.model_validate(body())
    parsed = schemas.parse_records(request.rules, schemas.rule_parser, key_field="sku")
    return batch_response(schemas.merge(parsed, customers.put_rules(schemas.accepted(parsed), partial=True)))


@app.get("/v1/skus/<sku>/rules")
def rules_of_sku(sku: str) -> dict[str, Any]:
    caller(*READERS)
    sku = schemas.sku_path(sku)
    return {"sku": sku, "items": [views.record_view(rule) for rule in customers.rules_for_sku(sku)]}


# History (docs/events.md): who changed a record, from what, to what, when; newest first ----------------------------


def history_page(record: str, **key: str) -> Response[str]:
    query = paging.history_query(app.current_event.query_string_parameters)
    entries, next_cursor = history.page(record, key, query.limit, query.cursor, query.since, query.until)
    return listing(entries, next_cursor)


@app.get("/v1/price-lists/<slug>/prices/<sku>/history")
def price_history(slug: str, sku: str) -> Response[str]:
    caller(*READERS)
    return history_page("price", price_list=slug, sku=sku)


@app.get("/v1/price-lists/<slug>/history")
def price_list_history(slug: str) -> Response[str]:
    caller(*READERS)
    return history_page("price_list", slug=slug)


@app.get("/v1/customer-groups/<slug>/history")
def group_history(slug: str) -> Response[str]:
    caller(*READERS)
    return history_page("customer_group", slug=slug)


@app.get("/v1/customers/<customer_id>/history")
def customer_history(customer_id: str) -> Response[str]:
    caller(Scope.WRITE)  # a customer's past holds the same personal data as the live record: the same access
    return history_page("customer", id=customer_id)


@app.get("/v1/skus/<sku>/rules/<group>/history")
def rule_history(sku: str, group: str) -> Response[str]:
    caller(*READERS)
    return history_page("product_rule", group=group, sku=sku)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with acting_as(author_from(event.get("requestContext"))):
        key = idempotency.key_of(event)
        if key is None:
            return app.resolve(event, context)
        principal = caller_from(event.get("requestContext")).principal
        return idempotency.resolve_once(event, principal, key, lambda: app.resolve(event, context), context)
