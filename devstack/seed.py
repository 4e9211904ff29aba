"""Demo data, written through the HTTP API like any client would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Final

__all__ = ["DEMO_PRICES", "DEMO_PRICE_LIST", "SeedError", "seed"]

DEMO_PRICE_LIST: Final = ("trade", {"name": "Trade", "currency": "GBP"})
DEMO_PRICES: Final = {
    "prices": [
        {
            "sku": "BOLT-M8",
            "tiers": [
                {"min_qty": 1, "price": "0.50"},
                {"min_qty": 100, "price": "0.45"},
                {"min_qty": 1000, "price": "0.40"},
            ],
        },
        {"sku": "NUT-M8", "tiers": [{"min_qty": 1, "price": "0.12"}, {"min_qty": 500, "price": "0.10"}]},
        {"sku": "WASHER-M8", "tiers": [{"min_qty": 1, "price": "0.05"}]},
        {"sku": "DRILL-BIT-SET", "tiers": [{"min_qty": 1, "price": "33.61"}, {"min_qty": 10, "price": "31.90"}]},
        {"sku": "GLOVES-L", "tiers": [{"min_qty": 1, "price": "4.20"}, {"min_qty": 12, "price": "3.95"}]},
    ]
}


class SeedError(Exception):
    """The API refused a seed request."""


def seed(api_url: str, *, timeout: float = 30) -> None:
    """Create the demo price list and its prices through the API at `api_url` (which includes the stage)."""
    slug, price_list = DEMO_PRICE_LIST
    request_json("PUT", f"{api_url}/v1/price-lists/{slug}", price_list, timeout=timeout)
    request_json("PUT", f"{api_url}/v1/price-lists/{slug}/prices", DEMO_PRICES, timeout=timeout)


def request_json(method: str, url: str, payload: Any = None, *, timeout: float = 30) -> tuple[int, Any]:
    """Send JSON, return (status, decoded JSON body); raise SeedError on a non-2xx answer."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is the local stack's own http URL
        url, data=data, method=method, headers={"Content-Type": "application/json", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raise SeedError(f"{method} {url} -> {error.code}: {error.read().decode(errors='replace')}") from error
    return status, json.loads(body) if body else None
