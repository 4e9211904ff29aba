"""Demo credentials and data for the local stack: keys made with tradeprice's own code, data sent through the API.

`create_demo_keys()` stores one key per scope in the running stack's keys table (only hashes, as always); the
demo data then goes in through the HTTP API with the write key, exactly as an ERP would send it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "DEMO_CUSTOMERS",
    "DEMO_GROUPS",
    "DEMO_PRICES",
    "DEMO_PRICE_LISTS",
    "DEMO_RULES",
    "DEMO_STAFF",
    "DemoKeys",
    "DemoStaff",
    "SeedError",
    "create_demo_keys",
    "create_demo_staff",
    "request_json",
    "seed",
]

DEMO_PRICE_LISTS: Final[dict[str, dict[str, Any]]] = {
    "trade": {"name": "Trade", "currency": "GBP"},
    # Derived at read time: the trade ladder × 1.17, in euros.
    "trade-eur": {"name": "Trade (EUR)", "currency": "EUR", "rules": {"source": "trade", "fx_rate": "1.17"}},
    "harbour-contract": {"name": "Harbour Joinery contract", "currency": "GBP"},
}
DEMO_PRICES: Final[dict[str, list[dict[str, Any]]]] = {
    "trade": [
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
    ],
    "harbour-contract": [{"sku": "DRILL-BIT-SET", "tiers": [{"min_qty": 1, "price": "29.95"}]}],
}
DEMO_GROUPS: Final[dict[str, dict[str, Any]]] = {
    "trade": {"name": "Trade", "price_lists": ["trade"]},
    "trade-eu": {"name": "Trade (EU)", "parent": "trade", "price_lists": ["trade-eur"]},
}
DEMO_CUSTOMERS: Final[list[dict[str, Any]]] = [
    {
        "id": "C-1001",
        "email": "buyer@acme-builders.example",
        "company": "Acme Builders Ltd",
        "group": "trade",
        "discount_percent": "2.5",
        "payment_terms": {"methods": ["invoice", "card"], "credit_limit": "5000.00", "net_days": 30},
    },
    {
        "id": "C-1002",
        "email": "orders@dublin-fixings.example",
        "company": "Dublin Fixings",
        "group": "trade-eu",
        "currency": "EUR",
    },
    {
        # Customer-specific lists replace the group's: the contract price first, the trade list for the rest.
        "id": "C-1003",
        "email": "accounts@harbour-joinery.example",
        "company": "Harbour Joinery",
        "group": "trade",
        "price_lists": ["harbour-contract", "trade"],
    },
]
DEMO_RULES: Final[list[dict[str, Any]]] = [
    {"sku": "BOLT-M8", "pack_size": 50},  # the base group: boxes of 50 for everyone
    {"sku": "GLOVES-L", "group": "trade", "pack_size": 12, "min_qty": 12},
]


class SeedError(Exception):
    """The API refused a seed request."""


@dataclass(frozen=True)
class DemoKeys:
    """One API key per scope, as `tp_<id>_<secret>` (their hashes are what the stack stores)."""

    write: str
    read: str
    admin: str


def create_demo_keys() -> DemoKeys:
    """Create the demo keys in the running stack's keys table, in-process, with tradeprice's own `create_key`.

    Call it while a DevStack runs: its environment points boto3 at moto's server and names the keys table.
    """
    # Imported here: the layer is on sys.path once the stack has started (as /opt/python is in Lambda).
    from tradeprice.logic.keys import create_key

    return DemoKeys(
        write=create_key("demo-write", {"write"}),
        read=create_key("demo-read", {"read"}),
        admin=create_key("demo-admin", {"admin"}),
    )


@dataclass(frozen=True)
class DemoStaff:
    """A console sign-in of the local stack: a user of its staff user pool, in one of its groups."""

    email: str
    password: str
    group: str


DEMO_STAFF: Final = (
    # Demo passwords for the local stack only (moto's memory); they are printed in `make run`'s banner.
    DemoStaff("admin@merchant.example", "Console-demo-2026", "admin"),  # nosec B106  # local demo sign-in
    DemoStaff("staff@merchant.example", "Console-demo-2026", "staff"),  # nosec B106  # local demo sign-in
)


def create_demo_staff(staff: tuple[DemoStaff, ...] = DEMO_STAFF) -> tuple[DemoStaff, ...]:
    """Create the demo staff in the running stack's user pool, with permanent passwords and their groups.

    Call it while a DevStack runs: boto3 points at moto's server and STAFF_USER_POOL_ID names the pool. Staff of
    a deployed stack are invited with `make staff`, and choose their own password at their first sign-in.
    """
    import os

    import boto3

    user_pool_id = os.environ["STAFF_USER_POOL_ID"]

    cognito: Any = boto3.client("cognito-idp")
    for member in staff:
        cognito.admin_create_user(
            UserPoolId=user_pool_id,
            Username=member.email,
            UserAttributes=[{"Name": "email", "Value": member.email}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=user_pool_id, Username=member.email, Password=member.password, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=user_pool_id, Username=member.email, GroupName=member.group)
    return staff


def seed(api_url: str, write_key: str, *, timeout: float = 30) -> None:
    """Write the demo lists, prices, groups, customers and rules through the API at `api_url` (stage included)."""

    def send(method: str, path: str, payload: Any) -> None:
        status, answer = request_json(method, f"{api_url}{path}", payload, key=write_key, timeout=timeout)
        if isinstance(answer, dict) and "results" in answer and status != 200:  # a batch with failed records
            failed = [result for result in answer["results"] if result.get("status") == "error"]
            raise SeedError(f"{method} {path} -> {status}: {json.dumps(failed)}")

    for slug, price_list in DEMO_PRICE_LISTS.items():  # sources before the lists derived from them
        send("PUT", f"/v1/price-lists/{slug}", price_list)
    for slug, prices in DEMO_PRICES.items():
        send("PUT", f"/v1/price-lists/{slug}/prices", {"prices": prices})
    for slug, group in DEMO_GROUPS.items():  # parents before children
        send("PUT", f"/v1/customer-groups/{slug}", group)
    send("POST", "/v1/customers:batch", {"customers": DEMO_CUSTOMERS})
    send("POST", "/v1/product-rules:batch", {"rules": DEMO_RULES})


def request_json(
    method: str, url: str, payload: Any = None, *, key: str | None = None, timeout: float = 30
) -> tuple[int, Any]:
    """Send JSON (with `Authorization: Bearer <key>`), return (status, decoded body); SeedError on a non-2xx."""
    data = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - the local stack's http URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310  # as above
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raise SeedError(f"{method} {url} -> {error.code}: {error.read().decode(errors='replace')}") from error
    return status, json.loads(body) if body else None
