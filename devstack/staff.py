"""Console staff for a running stack: invite a person into its Cognito user pool, in the admin or staff group.

    python -m devstack.staff --email jo@merchant.example --group staff                     # make staff ... (local)
    python -m devstack.staff --email jo@merchant.example --group admin --stack tp-prod --region eu-west-2

On a deployed stack Cognito emails the person a temporary password and the console asks them to choose their own
at their first sign-in. On the local stack (moto's server, no email) the new user gets a generated password,
printed once on stdout. The pool is found by its name, `<stack name>-staff` (template.yaml, StaffUserPool).
"""

from __future__ import annotations

import argparse
import secrets
import string
import sys
from collections.abc import Sequence
from typing import Any, Final

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from devstack.infra import DEFAULT_STACK_NAME
from devstack.stack import DEFAULT_REGION

GROUPS: Final = ("admin", "staff")
_LOCAL_CREDENTIALS: Final = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}  # nosec B105  # moto's dummy credentials


class StaffError(Exception):
    """The stack's user pool could not be reached or found, or Cognito refused the user."""


def cognito_client(*, region: str, endpoint_url: str | None) -> Any:
    if endpoint_url is None:
        return boto3.client("cognito-idp", region_name=region)
    return boto3.client(
        "cognito-idp",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=_LOCAL_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=_LOCAL_CREDENTIALS["aws_secret_access_key"],
    )


def find_pool(cognito: Any, stack_name: str) -> str:
    wanted = f"{stack_name}-staff"
    request: dict[str, Any] = {"MaxResults": 60}
    while True:
        answer = cognito.list_user_pools(**request)
        for pool in answer.get("UserPools", []):
            if pool.get("Name") == wanted:
                return str(pool["Id"])
        if not answer.get("NextToken"):
            raise StaffError(f"no user pool named {wanted}: is the stack {stack_name} running (or deployed)?")
        request["NextToken"] = answer["NextToken"]


def invite(cognito: Any, pool_id: str, email: str, group: str, *, local: bool) -> str | None:
    """Create the user in the group; on the local stack set and return a generated password."""
    if group not in GROUPS:
        raise StaffError(f"group must be one of {', '.join(GROUPS)}")
    attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        UserAttributes=attributes,
        **({"MessageAction": "SUPPRESS"} if local else {}),
    )
    cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    if not local:
        return None
    alphabet = string.ascii_letters + string.digits
    password = "Tp-" + "".join(secrets.choice(alphabet) for _ in range(20)) + "9a"
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=password, Permanent=True)
    return password


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.staff", description=__doc__.splitlines()[0])
    parser.add_argument("--email", required=True)
    parser.add_argument("--group", required=True, choices=GROUPS)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--moto-port", type=int, default=5000, help="the local stack's moto port (default 5000)")
    where.add_argument("--stack", help="a deployed stack's name (your AWS credentials are used)")
    parser.add_argument("--region", default=DEFAULT_REGION)
    args = parser.parse_args(argv)
    local = args.stack is None
    endpoint = f"http://127.0.0.1:{args.moto_port}" if local else None
    try:
        cognito = cognito_client(region=args.region, endpoint_url=endpoint)
        pool_id = find_pool(cognito, args.stack or DEFAULT_STACK_NAME)
        password = invite(cognito, pool_id, args.email, args.group, local=local)
    except (StaffError, BotoCoreError, ClientError) as error:
        sys.stderr.write(f"make staff: {error}\n")
        return 1
    if password is None:
        sys.stderr.write(f"Invited {args.email} ({args.group}): Cognito emails a temporary password.\n")
    else:
        sys.stdout.write(f"{password}\n")
        sys.stderr.write(f"{args.email} ({args.group}) signs in with the password above (this local run only).\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
