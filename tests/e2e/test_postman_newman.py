"""The Postman collection as shipped (docs/postman) runs clean with newman against the local stack.

newman is Postman's command-line runner, installed from npm into node_modules by `make test` (`make node-deps`,
package-lock.json's exact versions). It runs every request in order with the admin key: each request's test
script checks its answer, and the demo data the stack was seeded with is the same afterwards.
"""

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devstack.seed import DEMO_CUSTOMERS, DEMO_GROUPS, DEMO_PRICE_LISTS, DEMO_RULES, seed
from tests.e2e.client import Api

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
NEWMAN = ROOT / "node_modules" / ".bin" / "newman"
COLLECTION = ROOT / "docs" / "postman" / "tradeprice.postman_collection.json"


def demo_data(api: Api, key: str) -> dict[str, Any]:
    """Every demo record as the API answers it (updated_at included: untouched records keep theirs)."""
    snapshot: dict[str, Any] = {}
    for slug in DEMO_PRICE_LISTS:
        snapshot[f"list {slug}"] = api.get(f"/v1/price-lists/{slug}", key=key).json()
        snapshot[f"prices {slug}"] = api.get(f"/v1/price-lists/{slug}/prices", key=key, params={"limit": "1000"}).json()
    for slug in DEMO_GROUPS:
        snapshot[f"group {slug}"] = api.get(f"/v1/customer-groups/{slug}", key=key).json()
    for customer in DEMO_CUSTOMERS:
        snapshot[f"customer {customer['id']}"] = api.get(f"/v1/customers/{customer['id']}", key=key).json()
    for sku in {rule["sku"] for rule in DEMO_RULES}:
        snapshot[f"rules {sku}"] = api.get(f"/v1/skus/{sku}/rules", key=key).json()
    return snapshot


def requests_in(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [request for item in items for request in (requests_in(item["item"]) if "item" in item else [item])]


def test_the_collection_runs_clean_with_newman_and_leaves_the_demo_data_alone(local_stack, api, keys, tmp_path):
    assert NEWMAN.exists(), "newman is not installed: `make node-deps` runs npm ci (make test does it first)"
    seed(local_stack.api_url, keys.write)
    before = demo_data(api, keys.admin)
    report = tmp_path / "newman.json"

    done = subprocess.run(
        [
            str(NEWMAN),
            "run",
            str(COLLECTION),
            "--env-var",
            f"base_url={local_stack.api_url}",
            "--env-var",
            f"api_key={keys.admin}",
            "--reporters",
            "cli,json",
            "--reporter-json-export",
            str(report),
            "--color",
            "off",
            "--disable-unicode",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    run = json.loads(report.read_text(encoding="utf-8"))["run"]
    items = requests_in(json.loads(COLLECTION.read_text(encoding="utf-8"))["item"])
    setups = [item for item in items if any(event["listen"] == "prerequest" for event in item["event"])]
    # Every request, and the record each delete's pre-request script makes first.
    assert run["stats"]["requests"] == {"total": len(items) + len(setups), "pending": 0, "failed": 0}
    assert run["stats"]["testScripts"]["total"] == len(items)  # a test script on every request, each one run
    assert run["stats"]["assertions"]["failed"] == 0
    assert run["failures"] == []
    assert demo_data(api, keys.admin) == before
