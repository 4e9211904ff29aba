"""API fuzzing: schemathesis drives every operation of the served /v1/openapi.json on the local stack.

Two runs, one document:

- In `make test`, a quick one: each operation gets a fixed number of derandomized examples (one test per
  operation, so a failure names it and xdist spreads them), checked for no 5xx and for answering as documented
  (status code, content type, body schema).
- In `make fuzz`, the whole thing: schemathesis's own runner with every check (schemathesis.toml says which
  defaults this API differs from, and why), every phase including the stateful one (links between operations),
  and FUZZ_EXAMPLES (100) examples per operation. It must find nothing.

With an admin key, so authorization passes and the handlers themselves are exercised. No per-example deadline
(a cold local stack is slow once).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.seed import DemoKeys
from devstack.stack import DevStack
from tradeprice.api.openapi import document, served_document

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_PER_OPERATION = 20
FUZZ_EXAMPLES = os.environ.get("FUZZ_EXAMPLES")
FUZZ_REPORT = ROOT / ".schemathesis" / "fuzz-report.txt"
METHODS = {"get", "put", "post", "delete", "patch"}
OPERATIONS = [
    f"{method.upper()} {path}" for path, item in document()["paths"].items() for method in item if method in METHODS
]


@pytest.fixture(scope="session")
def served_schema(local_stack: DevStack) -> Any:
    served = requests.get(f"{local_stack.api_url}/v1/openapi.json", timeout=30)
    served.raise_for_status()
    served_path = urlsplit(served.url).path
    assert served_path.startswith("/dev/"), "the stack serves the API under its stage"
    assert served.json() == served_document(served_path), "the stack serves the document this package builds"
    return schemathesis.openapi.from_dict(served.json())


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_without_5xx_and_as_documented(served_schema, local_stack, keys: DemoKeys, label):
    operation = served_schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(
            base_url=local_stack.api_url,
            headers={"Authorization": f"Bearer {keys.admin}"},
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
            timeout=30,
        )

    answers_as_documented()


@pytest.mark.parametrize("method", ["TRACE", "PATCH", "BREW"])
@pytest.mark.parametrize("path", ["/v1/health", "/v1/price-lists/trade", "/v1/no-such-route"])
def test_an_unknown_method_or_route_is_the_gateways_404_problem_not_html(local_stack, keys: DemoKeys, method, path):
    response = requests.request(
        method, f"{local_stack.api_url}{path}", headers={"Authorization": f"Bearer {keys.admin}"}, timeout=30
    )

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not Found"


def schemathesis_command(api_url: str, examples: str) -> list[str]:
    return [
        shutil.which("st", path=str(Path(sys.executable).parent)) or "st",
        "run",
        f"{api_url}/v1/openapi.json",
        "--url",
        api_url,
        "--checks",
        "all",
        # API Gateway answers a method a resource lacks with its documented 404 gateway response, never a 405
        # (test_an_unknown_method_or_route_is_the_gateways_404_problem_not_html checks that answer instead).
        "--exclude-checks",
        "unsupported_method",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        examples,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--seed",
        "20261202",
    ]


@pytest.mark.skipif(not FUZZ_EXAMPLES, reason="the full fuzz runs in `make fuzz` (FUZZ_EXAMPLES=100)")
def test_schemathesis_with_every_check_and_the_stateful_phase_finds_nothing(local_stack, keys: DemoKeys):
    assert FUZZ_EXAMPLES is not None
    command = schemathesis_command(local_stack.api_url, FUZZ_EXAMPLES)
    command += ["-H", f"Authorization: Bearer {keys.admin}"]

    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)

    FUZZ_REPORT.parent.mkdir(exist_ok=True)
    FUZZ_REPORT.write_text(f"{run.stdout}\n{run.stderr}")  # `make fuzz` prints it, failing or not
    assert run.returncode == 0, f"schemathesis found failures: see {FUZZ_REPORT}"
