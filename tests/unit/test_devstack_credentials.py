"""`make key` / `make token` (devstack.credentials): finding the stack, choosing the signing secret, the Makefile's
wiring. Creating keys and minting tokens against a running stack is tested end to end (tests/e2e/test_access.py)."""

import shutil
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from devstack import credentials
from devstack.credentials import CredentialsError, StackAccess, deployed_access, main, mint_token
from tradeprice.auth.tokens import verify

ROOT = Path(__file__).resolve().parents[2]
SECRET = b"s" * 48


class FakeCloudFormation:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.asked: list[str] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        self.asked.append(StackName)
        return {"Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in self.outputs.items()]}]}


@pytest.fixture
def cloudformation(monkeypatch):
    def install(outputs: dict[str, str]) -> FakeCloudFormation:
        fake = FakeCloudFormation(outputs)
        monkeypatch.setattr(boto3, "client", lambda service, **kwargs: fake)
        return fake

    return install


def test_a_deployed_stack_is_found_by_its_outputs(cloudformation):
    fake = cloudformation(
        {
            "ApiKeysTableName": "tradeprice-prod-ApiKeysTable-1A2B",
            "CustomerTokenSecretArn": "arn:aws:secretsmanager:eu-west-2:111122223333:secret:tradeprice-prod/x-AbCd",
            "ApiUrl": "https://abc.execute-api.eu-west-2.amazonaws.com/prod",
        }
    )

    access = deployed_access("tradeprice-prod", "eu-west-2")

    assert fake.asked == ["tradeprice-prod"]
    assert access.environment() == {
        "API_KEYS_TABLE": "tradeprice-prod-ApiKeysTable-1A2B",
        "TOKEN_SECRETS_ID": "arn:aws:secretsmanager:eu-west-2:111122223333:secret:tradeprice-prod/x-AbCd",
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_REGION": "eu-west-2",
    }


def test_a_stack_without_the_outputs_is_refused_with_what_is_missing(cloudformation):
    cloudformation({"ApiUrl": "https://example.test/prod"})

    with pytest.raises(CredentialsError, match="ApiKeysTableName, CustomerTokenSecretArn"):
        deployed_access("old-stack", "eu-west-2")


def test_the_local_stack_is_reached_through_moto_with_dummy_credentials():
    access = StackAccess("local", "eu-west-2", "t", "s", endpoint_url="http://127.0.0.1:5000")

    environment = access.environment()

    assert environment["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert (environment["AWS_ACCESS_KEY_ID"], environment["AWS_SECRET_ACCESS_KEY"]) == ("testing", "testing")
    assert (environment["API_KEYS_TABLE"], environment["TOKEN_SECRETS_ID"]) == ("t", "s")


def test_no_local_stack_running_says_how_to_start_one(capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    status = main(["--moto-port", str(port), "key", "--name", "erp", "--scopes", "write"])

    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "make run" in captured.err
    assert "STACK=" in captured.err


@pytest.mark.parametrize(
    ("secrets", "kid", "signed_with"),
    [({"k1": SECRET}, None, "k1"), ({"k1": SECRET, "k2": b"t" * 48}, "k2", "k2")],
    ids=["the-only-secret", "the-chosen-one"],
)
def test_a_token_is_signed_with_the_only_or_the_chosen_secret(monkeypatch, secrets, kid, signed_with):
    monkeypatch.setattr(credentials, "token_secrets", lambda: secrets)

    token, used = mint_token("C-1001", 900, kid)

    assert used == signed_with
    assert verify(token, secrets, datetime.now(UTC)).customer_id == "C-1001"


@pytest.mark.parametrize(
    ("secrets", "kid", "message"),
    [({"k1": SECRET, "k2": SECRET}, None, "k1, k2"), ({"k1": SECRET}, "k9", "no key 'k9'")],
    ids=["rotation-needs-a-choice", "unknown-kid"],
)
def test_an_ambiguous_or_unknown_kid_is_refused(monkeypatch, secrets, kid, message):
    monkeypatch.setattr(credentials, "token_secrets", lambda: secrets)

    with pytest.raises(CredentialsError, match=message):
        mint_token("C-1001", 900, kid)


# The Makefile's wiring (`make -n` prints the commands without running them) ----------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*arguments: str) -> str:
    done = subprocess.run(["make", "-s", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


@needs_make
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["key", "NAME=erp", "SCOPES=write,read"],
            '-m devstack.credentials --moto-port 5000 key --name "erp" --scopes "write,read"',
        ),
        (
            ["token", "CUSTOMER=C-1001", "MOTO_PORT=5123"],
            '-m devstack.credentials --moto-port 5123 token --customer "C-1001" --ttl "900"',
        ),
        (
            ["token", "CUSTOMER=C-1001", "TTL=60", "KID=k2", "STACK=tradeprice-prod", "REGION=eu-west-1"],
            '-m devstack.credentials --stack tradeprice-prod --region eu-west-1 token --customer "C-1001" --ttl "60"',
        ),
    ],
    ids=["key-local", "token-local-port", "token-deployed"],
)
def test_make_key_and_token_run_the_credentials_cli(arguments, expected):
    printed = " ".join(make("-n", *arguments).replace("\\\n", " ").split())

    assert expected in printed
    if "KID=k2" in arguments:
        assert '--kid "k2"' in printed


@needs_make
def test_make_help_documents_key_and_token():
    listed = make("help")

    assert "make key NAME=erp SCOPES=write,read" in listed
    assert "make token CUSTOMER=C-1001" in listed
