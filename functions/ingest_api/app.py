"""Ingestion API: ERPs and middleware write price lists and prices (PRODUCT.md §4)."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tradeprice.api import paging, problems, views
from tradeprice.api.json import dump_json, parse_json
from tradeprice.api.schemas import PriceIn, PriceListIn, PricesIn
from tradeprice.logic import catalog
from tradeprice.logic.catalog import PriceWrite
from tradeprice.logic.records import RecordResult, http_status, summary, validate_each

logger = Logger()
app = APIGatewayRestResolver(serializer=dump_json)
problems.register(app, logger)


def _json(status: int, document: Any) -> Response[str]:
    return Response(status_code=status, content_type="application/json", body=dump_json(document))


@app.get("/v1/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/v1/price-lists")
def list_price_lists() -> Response[str]:
    limit, cursor = paging.page_request(app.current_event.query_string_parameters)
    price_lists, next_cursor = catalog.page_price_lists(limit, cursor)
    return paging.page_response(app.current_event, [views.price_list_view(p) for p in price_lists], next_cursor)


@app.put("/v1/price-lists/<slug>")
def put_price_list(slug: str) -> Response[str]:
    request = PriceListIn.model_validate(parse_json(app.current_event.body))
    price_list, created = catalog.put_price_list(request.to_domain(slug))
    return _json(201 if created else 200, views.price_list_view(price_list))


@app.get("/v1/price-lists/<slug>")
def get_price_list(slug: str) -> dict[str, Any]:
    return views.price_list_view(catalog.get_price_list(slug))


@app.put("/v1/price-lists/<slug>/prices")
def put_prices(slug: str) -> Response[str]:
    request = PricesIn.model_validate(parse_json(app.current_event.body))
    catalog.get_price_list(slug)  # an unknown list is the request's error, not each record's

    def parse(raw: dict[str, Any]) -> PriceWrite:
        record = PriceIn.model_validate(raw)
        return PriceWrite(-1, record.sku, record.to_domain(slug) if record.tiers else None)

    validated = validate_each(request.prices, parse, key_field="sku")
    writes = [PriceWrite(i, v.sku, v.price) for i, v in enumerate(validated) if isinstance(v, PriceWrite)]
    written = iter(catalog.put_prices(slug, writes))
    results = [v if isinstance(v, RecordResult) else next(written) for v in validated]
    logger.info("prices written", extra={"price_list": slug, "outcome": summary(results)})
    return _json(http_status(results), {"summary": summary(results), "results": [r.as_dict() for r in results]})


@app.get("/v1/price-lists/<slug>/prices/<sku>")
def get_price(slug: str, sku: str) -> dict[str, Any]:
    return views.price_view(catalog.get_price(slug, sku))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
