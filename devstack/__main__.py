"""`python -m devstack`: run tradeprice locally (moto as AWS, the API on localhost) until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import signal
import sys
import threading
from types import FrameType
from typing import Any, Final
from urllib.parse import urlsplit

from devstack.seed import (
    DEMO_PRICE_LISTS,
    DEMO_PRICES,
    DemoKeys,
    DemoStaff,
    SeedError,
    create_demo_keys,
    create_demo_staff,
    seed,
)
from devstack.stack import DEFAULT_TEMPLATE, DevStack

DEFAULT_MOTO_PORT: Final = 5000
"""Where `make key` and `make token` look for the local stack unless MOTO_PORT says otherwise."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    parser.add_argument("--moto-port", type=int, default=DEFAULT_MOTO_PORT, help="moto server port (default 5000)")
    parser.add_argument("--host", default="127.0.0.1", help="address both servers listen on (default 127.0.0.1)")
    parser.add_argument(
        "--no-seed", action="store_true", help="start without the demo data (the demo keys are still made)"
    )
    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE), help="SAM template (default: the project's)")
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="template parameter override, e.g. --parameter PriceStrategy=lowest (repeatable)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)

    malformed = [item for item in args.parameter if "=" not in item]
    if malformed:
        parser.error(f"--parameter takes NAME=VALUE, got {malformed[0]!r}")
    parameters = dict(item.split("=", 1) for item in args.parameter)
    stop_requested = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    stack = DevStack(args.template, host=args.host, api_port=args.port, moto_port=args.moto_port, parameters=parameters)
    try:
        stack.start()
    except Exception as error:
        print(f"\nThe local stack did not start: {error}", file=sys.stderr)
        return 1
    try:
        try:
            keys = create_demo_keys()
            staff = create_demo_staff()
        except Exception as error:
            print(f"\nCreating the demo API keys and staff failed: {error}", file=sys.stderr)
            return 1
        seeded = False
        if not args.no_seed and not stop_requested.is_set():
            try:
                seed(stack.api_url, keys.write)
                # The demo data's stream records become history and events before anyone asks for them.
                stack.wait_until_idle(timeout=120)
                seeded = True
            except (SeedError, OSError) as error:
                print(f"\nSeeding the demo data failed: {error}\n", file=sys.stderr)
        if not stop_requested.is_set():
            print(banner(stack, keys, seeded=seeded, staff=staff), flush=True)
        stop_requested.wait()
        print("\nStopping the local stack...", flush=True)
    finally:
        stack.stop()
    return 0


def banner(stack: DevStack, keys: DemoKeys, *, seeded: bool, staff: tuple[DemoStaff, ...] = ()) -> str:
    """What to try: the URLs, the demo keys, and commands that work as printed (tests run them)."""
    api = stack.api_url
    endpoint = stack.endpoint_url
    bucket = stack.deployment.physical_name("ImportsBucket")
    moto_port = urlsplit(endpoint).port
    make_vars = "" if moto_port == DEFAULT_MOTO_PORT else f" MOTO_PORT={moto_port}"
    json_body = "-H 'Content-Type: application/json'"

    def curl(method: str, path: str, key: str | None = None, body: Any = None) -> str:
        command = "curl -s" + ("" if method == "GET" else f" -X {method}") + f" {api}{path}"
        if key is not None:
            command += f' -H "Authorization: Bearer {key}"'
        if body is not None:
            command += f" {json_body} \\\n      -d {shlex.quote(json.dumps(body, separators=(',', ':')))}"
        return "  " + command

    trade_prices = {"prices": DEMO_PRICES["trade"][:1]}
    hammer = {"sku": "HAMMER-16OZ", "tiers": [{"min_qty": 1, "price": "12.00"}, {"min_qty": 6, "price": "11.50"}]}
    new_prices = {"prices": [hammer]}
    cart = [{"sku": "BOLT-M8", "qty": 150}, {"sku": "DRILL-BIT-SET", "qty": 2}]
    upload = (
        f'import boto3; boto3.client("s3", endpoint_url="{endpoint}", region_name="{stack.region}", '
        'aws_access_key_id="testing", aws_secret_access_key="testing")'
        f'.upload_file("file.csv", "{bucket}", "imports/prices/trade/file.csv")'
    )
    lines = [
        "",
        f"tradeprice is running locally (stack {stack.stack_name}; moto at {endpoint}).",
        "",
        f"  API      {api}",
        f"  Console  {api}/console",
        f"  Bucket   {bucket}",
        "",
        *(
            ["Demo console sign-ins (staff may import and browse; only admins manage API keys):"]
            + [f"  {member.group:<6} {member.email}   password {member.password}" for member in staff]
            + [""]
            if staff
            else []
        ),
        "Demo API keys. They live only in this run (in moto's memory) and vanish when the stack stops:",
        f"  write  {keys.write}   ERP / middleware: batch writes",
        f"  read   {keys.read}   storefront server: lookups for any customer",
        f"  admin  {keys.admin}   everything, deletes included",
        f"  More: make key NAME=erp SCOPES=write,read{make_vars}   (printed once; only its hash is stored)",
        "",
    ]
    if seeded:
        lines += [
            "Demo data: price lists trade (GBP), trade-eur (derived: trade x 1.17 in EUR), harbour-contract;",
            "groups trade, trade-eu; customers C-1001 (trade, 2.5 % off), C-1002 (trade-eu), C-1003 (contract).",
            "",
            "Try it:",
            curl("GET", "/v1/health"),
            curl("GET", "/v1/price-lists/trade", keys.read),
            curl("GET", "/v1/price-lists/trade/prices/BOLT-M8", keys.read),
            curl("POST", "/v1/pricing/lookup", keys.read, {"customer_id": "C-1001", "lines": cart}),
            curl("PUT", "/v1/price-lists/trade/prices", keys.write, new_prices),
            "",
            "A browser never holds a key: your server mints a short-lived customer token for the signed-in",
            "customer, and the lookup then prices that customer only:",
            f"  TOKEN=$(make -s token CUSTOMER=C-1001 TTL=900{make_vars})",
            curl("POST", "/v1/pricing/lookup", "$TOKEN", {"lines": cart}),
        ]
    else:
        lines += [
            "No demo data (--no-seed). Write some with the write key, then price it with the read key:",
            curl("GET", "/v1/health"),
            curl("PUT", "/v1/price-lists/trade", keys.write, DEMO_PRICE_LISTS["trade"]),
            curl("PUT", "/v1/price-lists/trade/prices", keys.write, trade_prices),
            curl("POST", "/v1/pricing/lookup", keys.read, {"price_list": "trade", "lines": cart[:1]}),
            "",
            "Customer tokens for the browser (once a customer exists): TOKEN=$(make -s token CUSTOMER=<id>"
            f"{make_vars})",
        ]
    lines += [
        "",
        "Import a file: drop it under imports/ in the bucket (S3 -> SQS -> the import function, as on AWS):",
        "  printf 'sku,price,qty\\nBOLT-M8,0.48,1\\nBOLT-M8,0.43,100\\nDRILL-BIT-SET,33.61,1\\n' > file.csv",
        f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={stack.region} \\",
        f"    aws --endpoint-url {endpoint} s3 cp file.csv s3://{bucket}/imports/prices/trade/file.csv",
        "  or, without the AWS CLI:",
        f"  {shlex.quote(sys.executable)} -c {shlex.quote(upload)}",
        "",
        "Ctrl-C stops the stack.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
