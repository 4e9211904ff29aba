"""Talking to the local stack over HTTP, as a storefront or an ERP would."""

import json
from dataclasses import dataclass
from typing import Any

import requests

PROBLEM = "application/problem+json"


@dataclass
class Api:
    """The stack's API over HTTP: `api.put("/v1/...", key=keys.write, json={...})` → a requests.Response."""

    base_url: str
    session: requests.Session

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {key}"
        return self.session.request(
            method, self.base_url + path, json=json, headers=sent, params=params, timeout=30, allow_redirects=False
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


def lookup(api: Api, credential: str, lines: list[tuple[str, int]], **context: str) -> requests.Response:
    """POST /v1/pricing/lookup for (sku, qty) lines in one context (customer_id= or price_list=)."""
    body = {**context, "lines": [{"sku": sku, "qty": qty} for sku, qty in lines]}
    return api.post("/v1/pricing/lookup", key=credential, json=body)


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    """An RFC 7807 answer with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].split(";")[0] == PROBLEM, response.headers
    problem: dict[str, Any] = json.loads(response.text)
    assert problem["title"]
    return problem
