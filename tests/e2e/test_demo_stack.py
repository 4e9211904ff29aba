"""What `python -m devstack` prints works as printed: its demo keys, its curl commands, its token and file steps."""

import json
import os
import re
import shutil
import subprocess

import pytest

from devstack.__main__ import banner
from devstack.seed import seed

pytestmark = pytest.mark.e2e

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the banner's commands use curl")


def commands(text: str) -> list[str]:
    """The banner's indented commands, continuation lines joined."""
    found: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if pending:
            pending += " " + stripped.removesuffix("\\").strip()
        elif line.startswith("  ") and re.match(r"(curl|TOKEN=|printf|\S*python\S* -c)", stripped):
            pending = stripped.removesuffix("\\").strip()
        else:
            continue
        if not stripped.endswith("\\"):
            found.append(pending)
            pending = ""
    return found


def run(command: str, cwd, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run one printed command in bash; for curl, also report the HTTP status. → (status or exit code, stdout)."""
    if command.startswith("curl"):
        command += " -w '\\n%{http_code}'"
    done = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, (command, done.stderr)
    if command.startswith("curl"):
        body, _, status = done.stdout.rpartition("\n")
        return int(status), body
    return 0, done.stdout


@needs_curl
def test_the_banner_commands_work_as_printed_on_the_seeded_stack(local_stack, keys, credentials_cli, tmp_path):
    # Given the demo data seeded through the API with the write key, as `python -m devstack` does
    seed(local_stack.api_url, keys.write)
    text = banner(local_stack, keys, seeded=True)
    printed = commands(text)

    # Then the banner shows the three keys and says they are demo keys of this run only
    assert all(key in text for key in (keys.write, keys.read, keys.admin))
    assert "only in this run" in text
    curls = [command for command in printed if command.startswith("curl")]
    assert len(curls) == 6
    assert all(f"{local_stack.api_url}/v1/" in command for command in curls)
    assert all('-H "Authorization: Bearer ' in command for command in curls if "/v1/health" not in command)

    # When the token line is run (its make variables fed to what `make token` runs) and every curl as printed
    (token_line,) = [command for command in printed if command.startswith("TOKEN=")]
    make_vars = dict(re.findall(r"(\w+)=(\S+?)(?=[\s)])", token_line.removeprefix("TOKEN=$(make -s token")))
    assert make_vars["MOTO_PORT"] == str(local_stack.endpoint_url.rsplit(":", 1)[1])
    token = credentials_cli("token", "--customer", make_vars["CUSTOMER"], "--ttl", make_vars["TTL"])
    shell = {"PATH": os.environ["PATH"], "TOKEN": token}  # nothing else: no proxy, no AWS settings
    answers = [run(command, tmp_path, env=shell) for command in curls]

    # Then each answers 2xx, and the lookups price C-1001 (2.5 % off the trade list) by key and by token alike
    assert [status for status, _ in answers] == [200, 200, 200, 200, 200, 200]
    by_key, by_token = (
        json.loads(body) for command, (_, body) in zip(curls, answers, strict=True) if "lookup" in command
    )
    for answer in (by_key, by_token):
        assert answer["customer_id"] == "C-1001"
        assert [(line["sku"], line["unit_price"]) for line in answer["lines"]] == [
            ("BOLT-M8", "0.44"),  # 0.45 × 0.975
            ("DRILL-BIT-SET", "32.77"),  # 33.61 × 0.975
        ]


def test_the_banners_file_drop_imports_into_the_demo_list(local_stack, keys, api, tmp_path):
    # Given the seeded demo list and the banner's file steps (the AWS CLI one aside: it may not be installed)
    seed(local_stack.api_url, keys.write)
    printed = commands(banner(local_stack, keys, seeded=True))
    steps = [command for command in printed if command.startswith("printf") or " -c " in command]
    assert len(steps) == 2

    # When they are run as printed
    for step in steps:
        run(step, tmp_path)
    local_stack.wait_until_idle(timeout=60)

    # Then the demo list has the file's prices
    price = api.get("/v1/price-lists/trade/prices/BOLT-M8", key=keys.read).json()
    assert price["tiers"] == [{"min_qty": 1, "price": "0.48"}, {"min_qty": 100, "price": "0.43"}]


def test_the_demo_data_covers_what_the_banner_promises(api, keys, local_stack):
    seed(local_stack.api_url, keys.write)

    derived = api.post(
        "/v1/pricing/lookup", key=keys.read, json={"customer_id": "C-1002", "lines": [{"sku": "BOLT-M8", "qty": 150}]}
    ).json()
    contract = api.post(
        "/v1/pricing/lookup",
        key=keys.read,
        json={"customer_id": "C-1003", "lines": [{"sku": "DRILL-BIT-SET", "qty": 1}, {"sku": "NUT-M8", "qty": 1}]},
    ).json()
    rules = api.get("/v1/skus/BOLT-M8/rules", key=keys.read).json()["items"]

    assert (derived["currency"], derived["lines"][0]["price_list"], derived["lines"][0]["unit_price"]) == (
        "EUR",
        "trade-eur",
        "0.53",  # 0.45 × 1.17 = 0.5265
    )
    assert [(line["price_list"], line["unit_price"]) for line in contract["lines"]] == [
        ("harbour-contract", "29.95"),
        ("trade", "0.12"),
    ]
    assert ("base", 50) in {(rule["group"], rule.get("pack_size")) for rule in rules}


@needs_curl
def test_without_demo_data_the_banner_still_gives_keys_and_first_steps_that_work(local_stack, keys, tmp_path):
    text = banner(local_stack, keys, seeded=False)
    curls = [command for command in commands(text) if command.startswith("curl")]

    answers = [run(command, tmp_path, env={"PATH": os.environ["PATH"]}) for command in curls]

    assert all(key in text for key in (keys.write, keys.read, keys.admin))
    assert "--no-seed" in text
    assert [command.split(f"{local_stack.api_url}/v1/")[1].split()[0] for command in curls] == [
        "health",
        "price-lists/trade",
        "price-lists/trade/prices",
        "pricing/lookup",
    ]
    assert all(200 <= status < 300 for status, _ in answers), answers
    assert json.loads(answers[-1][1])["lines"][0]["unit_price"] == "0.45"  # BOLT-M8 × 150 on the trade list
