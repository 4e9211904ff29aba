"""API keys and customer tokens for a running stack: the local one (moto's server) or one deployed to AWS.

    python -m devstack.credentials key --name erp --scopes write,read     # make key NAME=erp SCOPES=write,read
    python -m devstack.credentials token --customer C-1001 --ttl 900      # make token CUSTOMER=C-1001 TTL=900
    python -m devstack.credentials revoke --key-id 0a1b2c3d4e5f           # make revoke KEY_ID=0a1b2c3d4e5f
    python -m devstack.credentials key ... --stack tradeprice-prod --region eu-west-2   # a deployed stack

The key or token is the only thing written to stdout (so `KEY=$(make -s key ...)` works); notes go to stderr.
Both go through tradeprice's own code, pointed at the stack by the environment variables its authorizer gets:
`tradeprice.logic.keys.create_key` stores only the key's hash, and `tradeprice.auth.tokens.mint` signs with the
secret `tradeprice.data.secrets` reads from Secrets Manager. The local stack's table and secret names come from
template.yaml (`devstack.infra.plan`, as `python -m devstack` deploys it); a deployed stack's from its outputs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from devstack.infra import DEFAULT_STACK_NAME, plan
from devstack.stack import DEFAULT_REGION, DEFAULT_TEMPLATE
from tradeprice.auth.tokens import mint
from tradeprice.data import keys as key_store
from tradeprice.data.secrets import token_secrets
from tradeprice.domain.authors import Author, acting_as
from tradeprice.errors import TradepriceError
from tradeprice.logic.keys import create_key

__all__ = ["CredentialsError", "StackAccess", "deployed_access", "local_access", "main", "mint_token"]

_LOCAL_CREDENTIALS: Final = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}  # nosec B105  # moto's dummy credentials
# The deployed stack's outputs that name what the authorizer reads (template.yaml, Outputs).
_KEYS_TABLE_OUTPUT: Final = "ApiKeysTableName"
_SECRET_OUTPUT: Final = "CustomerTokenSecretArn"  # noqa: S105 - an output's name, not a secret
# The function whose environment names the keys table and the token secrets (it reads both).
_AUTHORIZER: Final = "AuthorizerFunction"


class CredentialsError(Exception):
    """The stack could not be reached, or lacks what keys and tokens need."""


@dataclass(frozen=True)
class StackAccess:
    """Where a stack keeps its key hashes and token secrets, and how to reach the AWS it lives in."""

    description: str
    region: str
    api_keys_table: str
    token_secrets_id: str
    endpoint_url: str | None = None
    """moto's server for the local stack; None for AWS itself (the usual credential chain applies)."""

    def environment(self) -> dict[str, str]:
        """What tradeprice's settings and boto3 read to reach this stack's keys table and token secrets."""
        variables = {
            "API_KEYS_TABLE": self.api_keys_table,
            "TOKEN_SECRETS_ID": self.token_secrets_id,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }
        if self.endpoint_url is not None:
            variables |= {"AWS_ENDPOINT_URL": self.endpoint_url, **_LOCAL_CREDENTIALS}
        return variables


def local_access(
    endpoint_url: str,
    *,
    template_path: str | Path = DEFAULT_TEMPLATE,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = DEFAULT_REGION,
) -> StackAccess:
    """The local stack `python -m devstack` runs against moto's server at `endpoint_url`."""
    sts: Any = boto3.client(  # untyped: only get_caller_identity is used
        "sts",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=_LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=_LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1}),
    )
    try:
        account_id = str(sts.get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as error:
        raise CredentialsError(
            f"no local stack answers at {endpoint_url} ({error}). Start it with `make run` "
            "(set MOTO_PORT if it runs moto elsewhere), or name a deployed stack with STACK=<name> REGION=<region>."
        ) from error
    deployment = plan(template_path, stack_name=stack_name, region=region, account_id=account_id)
    environment = deployment.function_environment(_AUTHORIZER)
    return StackAccess(
        description=f"the local stack {stack_name} (moto at {endpoint_url})",
        region=region,
        api_keys_table=environment["API_KEYS_TABLE"],
        token_secrets_id=environment["TOKEN_SECRETS_ID"],
        endpoint_url=endpoint_url,
    )


def deployed_access(stack_name: str, region: str) -> StackAccess:
    """A stack deployed with `sam deploy`, found by its CloudFormation outputs."""
    cloudformation: Any = boto3.client("cloudformation", region_name=region)  # untyped: only describe_stacks
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except (BotoCoreError, ClientError) as error:
        raise CredentialsError(f"cannot read stack {stack_name} in {region}: {error}") from error
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    missing = [name for name in (_KEYS_TABLE_OUTPUT, _SECRET_OUTPUT) if name not in outputs]
    if missing:
        raise CredentialsError(
            f"stack {stack_name} in {region} has no output {', '.join(missing)}: deploy the current template first"
        )
    return StackAccess(
        description=f"stack {stack_name} in {region}",
        region=region,
        api_keys_table=outputs[_KEYS_TABLE_OUTPUT],
        token_secrets_id=outputs[_SECRET_OUTPUT],
    )


def mint_token(customer_id: str, ttl_seconds: int, kid: str | None) -> tuple[str, str]:
    """(token, kid) signed with the stack's secret; call with the stack's `environment()` applied."""
    secrets = token_secrets()
    if kid is None:
        if len(secrets) != 1:
            raise CredentialsError(
                f"the token secret holds the keys {', '.join(sorted(secrets))} (a rotation?): choose one with KID="
            )
        (kid,) = secrets
    if kid not in secrets:
        raise CredentialsError(f"the token secret has no key {kid!r}; it has {', '.join(sorted(secrets))}")
    return mint(customer_id, ttl_seconds, secrets[kid], kid), kid


def key_id_of(text: str) -> str:
    """A key's id from its id or from the whole key (`tp_<id>_<secret>`)."""
    text = text.strip()
    match = re.fullmatch(r"tp_([a-z0-9]{12})_\S+", text)
    key_id = match.group(1) if match else text
    if not re.fullmatch(r"[a-z0-9]{12}", key_id):
        raise ValueError(f"{text!r} is not a key id (12 characters after tp_) nor a key")
    return key_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.credentials",
        description="Create or revoke an API key, or mint a customer token, for the local stack (default) or a "
        "deployed one.",
    )
    where = parser.add_argument_group("which stack (default: the local one `make run` started)")
    where.add_argument("--stack", help="a deployed stack's name: read its outputs with your AWS credentials")
    where.add_argument("--region", help="the deployed stack's region (default: your AWS configuration's)")
    where.add_argument("--moto-host", default="127.0.0.1", help="the local stack's moto server (default 127.0.0.1)")
    where.add_argument("--moto-port", type=int, default=5000, help="the local stack's moto port (default 5000)")
    commands = parser.add_subparsers(dest="command", required=True)
    key = commands.add_parser("key", help="create an API key and print it once (only its hash is stored)")
    key.add_argument("--name", required=True, help="who holds it, e.g. erp or storefront")
    key.add_argument("--scopes", required=True, help="comma-separated, some of: write, read, admin")
    key.add_argument("--source", help="the source its writes come from, for field ownership (e.g. erp)")
    token = commands.add_parser("token", help="mint a customer token (for the browser) and print it")
    token.add_argument("--customer", required=True, help="the customer id the token may look up")
    token.add_argument("--ttl", type=int, default=900, help="seconds until it expires (default 900)")
    token.add_argument("--kid", help="which signing secret to use (default: the only one the secret holds)")
    revoke = commands.add_parser("revoke", help="revoke an API key: it is refused from then on")
    revoke.add_argument("--key-id", required=True, help="the 12 characters after tp_ (or the whole key)")
    args = parser.parse_args(argv)

    try:
        if args.stack:
            region = args.region or boto3.Session().region_name
            if not region:
                parser.error("name the deployed stack's region (REGION=... or --region)")
            access = deployed_access(args.stack, region)
        else:
            access = local_access(f"http://{args.moto_host}:{args.moto_port}")
        # This process exists to run one command against that stack: point tradeprice's settings at it.
        if access.endpoint_url is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        os.environ.update(access.environment())
        if args.command == "key":
            scopes = {scope.strip() for scope in args.scopes.split(",") if scope.strip()}
            created = create_key(args.name, scopes, args.source)
            sys.stdout.write(created + "\n")
            sys.stderr.write(
                f"Created API key {args.name!r} ({', '.join(sorted(scopes))}) in {access.description}.\n"
                "Store it now: only its hash is kept, so it cannot be shown again.\n"
            )
        elif args.command == "revoke":
            key_id = key_id_of(args.key_id)
            try:
                with acting_as(Author("system", "devstack-credentials")):
                    key_store.revoke(key_id)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                raise CredentialsError(f"no API key {key_id} in {access.description}") from None
            sys.stdout.write(f"revoked {key_id}\n")
            sys.stderr.write(
                f"Revoked API key {key_id} in {access.description}. A deployed API may accept it for up to its "
                "authorizer cache's lifetime (5 minutes); the local stack refuses it at once.\n"
            )
        else:
            minted, kid = mint_token(args.customer, args.ttl, args.kid)
            expires = datetime.now(UTC) + timedelta(seconds=args.ttl)
            sys.stdout.write(minted + "\n")
            sys.stderr.write(
                f"Customer token for {args.customer} from {access.description}, signed with {kid}, "
                f"valid until about {expires:%Y-%m-%d %H:%M:%S} UTC.\n"
            )
    except (CredentialsError, ValueError) as error:
        sys.stderr.write(f"{parser.prog}: {error}\n")
        return 2
    except TradepriceError as error:
        sys.stderr.write(f"{parser.prog}: {error.detail}\n")
        return 1
    except ClientError as error:
        hint = ""
        if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            hint = " (is that stack deployed from this template, and `make run` still running for the local one?)"
        sys.stderr.write(f"{parser.prog}: AWS refused: {error}{hint}\n")
        return 1
    except BotoCoreError as error:
        sys.stderr.write(f"{parser.prog}: cannot reach AWS: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
