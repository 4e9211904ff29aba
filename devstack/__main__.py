"""`python -m devstack`: run tradeprice locally (moto as AWS, the API on localhost) until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import threading
from types import FrameType

from devstack.seed import DEMO_PRICE_LIST, SeedError, seed
from devstack.stack import DEFAULT_TEMPLATE, DevStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port (default 3000)")
    parser.add_argument("--moto-port", type=int, default=5000, help="moto server port (default 5000)")
    parser.add_argument("--host", default="127.0.0.1", help="address both servers listen on (default 127.0.0.1)")
    parser.add_argument("--no-seed", action="store_true", help="start empty instead of with the demo price list")
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
        seeded = False
        if not args.no_seed and not stop_requested.is_set():
            try:
                seed(stack.api_url)
                seeded = True
            except (SeedError, OSError) as error:
                print(f"\nSeeding the demo data failed: {error}\n", file=sys.stderr)
        if not stop_requested.is_set():
            print(banner(stack, seeded=seeded), flush=True)
        stop_requested.wait()
        print("\nStopping the local stack...", flush=True)
    finally:
        stack.stop()
    return 0


def banner(stack: DevStack, *, seeded: bool) -> str:
    api = stack.api_url
    endpoint = stack.endpoint_url
    bucket = stack.deployment.physical_name("ImportsBucket")
    slug = DEMO_PRICE_LIST[0]
    lookup = '{"price_list":"trade","lines":[{"sku":"BOLT-M8","qty":150}]}'
    upload = (
        f'import boto3; boto3.client("s3", endpoint_url="{endpoint}", region_name="{stack.region}", '
        'aws_access_key_id="testing", aws_secret_access_key="testing")'
        f'.upload_file("file.csv", "{bucket}", "imports/prices/{slug}/file.csv")'
    )
    lines = [
        "",
        f"tradeprice is running locally (stack {stack.stack_name}; moto at {endpoint}).",
        "",
        f"  API     {api}",
        f"  Bucket  {bucket}",
        "",
        "Try it" + (" (the demo 'trade' price list is loaded):" if seeded else ":"),
        f"  curl -s {api}/v1/health",
        f"  curl -s {api}/v1/price-lists/{slug}",
        f"  curl -s {api}/v1/price-lists/{slug}/prices/BOLT-M8",
        f"  curl -s -X POST {api}/v1/pricing/lookup -H 'Content-Type: application/json' -d {shlex.quote(lookup)}",
        "",
        "Import a file: drop it under imports/ in the bucket (S3 -> SQS -> the import function, as on AWS):",
        "  printf 'sku,price,qty\\nBOLT-M8,0.48,1\\nBOLT-M8,0.43,100\\n' > file.csv",
        f"  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION={stack.region} \\",
        f"    aws --endpoint-url {endpoint} s3 cp file.csv s3://{bucket}/imports/prices/{slug}/file.csv",
        "  or, without the AWS CLI:",
        f"  {shlex.quote(sys.executable)} -c {shlex.quote(upload)}",
        "",
        "Ctrl-C stops the stack.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
