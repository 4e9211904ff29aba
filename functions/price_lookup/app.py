"""Price lookup: what a signed-in trade customer pays for each line of a cart (docs/pricing-rules.md).

Who may ask (docs/auth.md): a key with the `read` scope, for any customer or price list it names; a customer
token, for its own customer only (the authorizer verified it and put the customer id in the request context).

Kept lean for cold start: its whole cold path, up to the answer of a first lookup, is measured against the floor
(an interpreter that only builds a botocore DynamoDB client) by benchmarks/bench_lookup.py, and
docs/operations.md (Cold start) says what costs what. What it leaves out, and what it does instead:
- no Powertools: its REST resolver, Logger and Metrics cost more than the rest of the cold path together; its two
  routes and the problem mapping come from api/proxy.py, its JSON logs and EMF metrics from tradeprice/telemetry.py
  (the standard library only);
- no pydantic: requests are read by api/lookup_requests.py, which hands anything but the plain forms to the
  request models (api/lookup_schemas.py, the contract and the OpenAPI document's source), and records are read
  as plain dataclasses (data/lookup_reads.py);
- the lookup logic and its data layer (botocore) are imported by the first request rather than at module import,
  once it knows who is calling, and what that built is then frozen out of the garbage collector's reach (`_prime`);
  with SnapStart (template parameter LookupSnapStart), `_prime` does that work once, before the snapshot, and
  tradeprice/snapstart.py makes each restored instance unique again.
"""

import gc
from functools import cache
from typing import TYPE_CHECKING, Any

from tradeprice import snapstart
from tradeprice.api.access import Caller, Scope, caller_from
from tradeprice.api.json import parse_json
from tradeprice.api.proxy import Request, Router, with_cors
from tradeprice.errors import Forbidden, InvalidInput
from tradeprice.telemetry import JsonLogger, Metrics

if TYPE_CHECKING:
    from tradeprice.logic.lookup import LineAnswer

logger = JsonLogger()
metrics = Metrics(namespace="tradeprice")  # the namespace is the product, not a setting
app = Router(logger)


def _prime() -> None:
    """What the first request imports and builds (no data, no secrets read), then out of the collector's reach.

    Run by the first request of a process once it knows who is calling (`_primed`), or before a SnapStart snapshot.
    What it built (modules, the service model, the client) lives as long as the process, so it is frozen out of
    the garbage collector's reach: otherwise every full collection the first request triggers walks all of it
    again, about a tenth of the floor (docs/operations.md, Cold start).
    """
    from tradeprice.api import lookup_requests, views  # noqa: F401
    from tradeprice.data.aws import dynamodb
    from tradeprice.logic import lookup  # noqa: F401

    dynamodb()
    gc.freeze()


_primed = cache(_prime)
snapstart.register(_prime)


@app.route("POST", "/v1/pricing/lookup")
def post_lookup(request: Request) -> dict[str, Any]:
    caller = _caller(request)
    _primed()
    from tradeprice.api import views  # deferred: see the module docstring
    from tradeprice.api.lookup_requests import LineError, read_line, read_lookup
    from tradeprice.logic.lookup import LineRequest, lookup

    asked = read_lookup(parse_json(request.body))
    context = asked.context
    customer_id, price_list = _whose_prices(caller, context.customer_id, context.price_list)
    valid: list[LineRequest] = []
    line_errors: dict[int, dict[str, Any]] = {}
    for index, raw in enumerate(asked.lines):
        line = read_line(index, raw)
        if isinstance(line, LineError):
            line_errors[index] = line.view
        else:
            valid.append(line)
    answer = lookup(
        valid,
        customer_id=customer_id,
        price_list=price_list,
        currency=context.currency,
        at=context.at,
        as_of=context.as_of,
        explain=context.explain,
    )
    _count(answer.lines)
    document = views.lookup_view(answer)
    answered = iter(document["lines"])
    document["lines"] = [line_errors[i] if i in line_errors else next(answered) for i in range(len(asked.lines))]
    return document


@app.route("GET", "/v1/pricing/<sku>")
def get_sku_price(request: Request) -> dict[str, Any]:
    caller = _caller(request)
    _primed()
    from tradeprice.api import views  # deferred: see the module docstring
    from tradeprice.api.lookup_requests import read_sku_lookup
    from tradeprice.logic.lookup import LineRequest, lookup

    asked = read_sku_lookup(request.path_parameters["sku"], request.query)
    context = asked.context
    customer_id, price_list = _whose_prices(caller, context.customer_id, context.price_list)
    answer = lookup(
        [LineRequest(asked.sku, asked.qty)],
        customer_id=customer_id,
        price_list=price_list,
        currency=context.currency,
        at=context.at,
        as_of=context.as_of,
        explain=context.explain,
    )
    _count(answer.lines)
    return views.line_view(answer.lines[0]) | {"customer_id": answer.customer_id, "at": answer.at.isoformat()}


def _count(lines: "list[LineAnswer]") -> None:
    """One metric per meaningful outcome: lookups, lines priced, lines with no price (a catalogue gap)."""
    metrics.add_count("Lookups", 1)
    metrics.add_count("LinesPriced", sum(line.priced.found for line in lines))
    metrics.add_count("LinesNotFound", sum(not line.priced.found for line in lines))


def _caller(request: Request) -> Caller:
    """Who is calling, checked before the body is even parsed: 401 without a credential, 403 for a key that may
    not look up at all. Whom they may price for depends on the body (`_whose_prices`)."""
    caller = caller_from(request.request_context)
    if caller.customer_id is None:
        caller.require(Scope.READ)
    return caller


def _whose_prices(caller: Caller, customer_id: str | None, price_list: str | None) -> tuple[str | None, str | None]:
    """The customer (or list) to price for, as this caller may ask: a customer token prices its own customer."""
    if caller.customer_id is not None:
        if price_list is not None:
            # A list's prices are whatever any customer on it pays; a browser sees only its own customer's.
            raise Forbidden("a customer token looks up its own customer's prices, not a price list")
        customer_id = customer_id or caller.customer_id
    caller.require_lookup_of(customer_id)
    if customer_id is None and price_list is None:
        reason = "name customer_id or price_list"
        raise InvalidInput(reason, [{"field": "customer_id", "reason": reason}])
    return customer_id, price_list


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.start(context, correlation_id=(event.get("requestContext") or {}).get("requestId"))
    try:
        return with_cors(event, app.resolve(event))
    finally:
        metrics.flush()
