"""What the lookup and the authorizer import on their cold path (docs/operations.md, Cold start): their first
answer, in a fresh interpreter, must not import pydantic, Powertools or boto3, the three that made them slow.
Timing is benchmarks/bench_lookup.py's job; this checks what is imported, which does not depend on the machine.

DynamoDB is a fake client (tradeprice.data.aws builds it) serving a customer, a list, a group and one price."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FAKE_DYNAMODB = """
import json, sys, threading
from tradeprice.data import aws
from tradeprice.data.prices import key as price_key

TABLES = {
    "tradeprice-customers": [{"id": {"S": "C-1"}, "group": {"S": "trade"}, "discount_percent": {"S": "10"}}],
    "tradeprice-stamps": [{"id": {"S": "reference"}, "price_lists": {"N": "3"}, "customer_groups": {"N": "2"}}],
    "tradeprice-price-lists": [{"slug": {"S": "trade"}, "name": {"S": "Trade"}, "currency": {"S": "GBP"}}],
    "tradeprice-customer-groups": [
        {"slug": {"S": "base"}, "name": {"S": "Base"}},
        {"slug": {"S": "trade"}, "name": {"S": "Trade"}, "parent": {"S": "base"},
         "price_lists": {"L": [{"S": "trade"}]}},
    ],
    "tradeprice-prices": [
        {**price_key("trade", "BOLT-M8"), "price_list": {"S": "trade"}, "sku": {"S": "BOLT-M8"},
         "tiers": {"S": "1:0.50 100:0.45"}, "updated_at": {"S": "2026-01-01T00:00:00.000000Z"}}
    ],
    "tradeprice-product-rules": [{"sku": {"S": "BOLT-M8"}, "group": {"S": "base"}, "pack_size": {"N": "5"}}],
    "tradeprice-api-keys": [],
}
lock = threading.Lock()

def matches(item, key):
    return all(item.get(name) == value for name, value in key.items())

class FakeDynamoDB:
    def batch_get_item(self, RequestItems):
        responses = {}
        for table, asked in RequestItems.items():
            responses[table] = [item for key in asked["Keys"] for item in TABLES[table] if matches(item, key)]
        return {"Responses": responses, "UnprocessedKeys": {}}
    def scan(self, TableName, **_):
        return {"Items": TABLES[TableName]}
    def get_item(self, TableName, Key, **_):
        found = [item for item in TABLES[TableName] if matches(item, Key)]
        return {"Item": found[0]} if found else {}
    def put_item(self, TableName, Item, **_):
        with lock:
            TABLES[TableName].append(Item)
        return {}

aws.build_client = lambda service, config=None: FakeDynamoDB()
"""

_LOOKUP = """
import functions.price_lookup.app as app
event = json.loads(open("events/price_lookup/lookup-by-customer.json").read())
event["body"] = json.dumps({"customer_id": "C-1", "lines": [{"sku": "BOLT-M8", "qty": 10}]})
answer = app.lambda_handler(event, None)
"""

_AUTHORIZER = """
from tradeprice.logic.keys import create_key
key = create_key("storefront", {"read"})
import functions.authorizer.app as app
answer = app.lambda_handler({
    "type": "REQUEST",
    "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:abc123/dev/POST/v1/pricing/lookup",
    "headers": {"Authorization": "Bearer " + key},
}, None)
"""


def _run(program: str) -> dict[str, object]:
    reporting = "\nprint(json.dumps({'answer': answer, 'modules': sorted({m.split('.')[0] for m in sys.modules})}))\n"
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))},
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "tradeprice")]),
        "AWS_DEFAULT_REGION": "eu-west-2",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", _FAKE_DYNAMODB + program + reporting],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_lookup_answers_its_first_request_without_pydantic_powertools_or_boto3():
    report = _run(_LOOKUP)

    answer = report["answer"]
    assert isinstance(answer, dict)
    assert answer["statusCode"] == 200, answer
    (line,) = json.loads(answer["body"])["lines"]
    assert (line["unit_price"], line["line_total"], line["pack_size"]) == ("0.45", "4.50", 5)  # 0.50 − 10 %
    assert not {"pydantic", "pydantic_core", "aws_lambda_powertools", "boto3"} & set(report["modules"])


def test_the_authorizer_answers_its_first_request_without_pydantic_powertools_or_boto3():
    report = _run(_AUTHORIZER)

    answer = report["answer"]
    assert isinstance(answer, dict)
    assert answer["policyDocument"]["Statement"][0]["Effect"] == "Allow", answer
    assert answer["context"]["scopes"] == "read"
    assert not {"pydantic", "pydantic_core", "aws_lambda_powertools", "boto3"} & set(report["modules"])
