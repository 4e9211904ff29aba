"""API fuzzing: schemathesis drives every operation of the served /v1/openapi.json on the local stack.

With an admin key, so authorization passes and the handlers themselves are exercised. Two checks: no answer is
a 5xx, and every answer conforms to the document (status code, content type, body schema). Bounded: a fixed
number of examples per operation, derandomized so a run is reproducible, no per-example deadline (a cold local
stack is slow once). One test per operation, so a failure names it and xdist spreads them.
"""

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from devstack.seed import DemoKeys
from devstack.stack import DevStack
from tradeprice.api.openapi import document

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 20
METHODS = {"get", "put", "post", "delete", "patch"}
OPERATIONS = [
    f"{method.upper()} {path}" for path, item in document()["paths"].items() for method in item if method in METHODS
]


@pytest.fixture(scope="session")
def served_schema(local_stack: DevStack) -> Any:
    served = requests.get(f"{local_stack.api_url}/v1/openapi.json", timeout=30)
    served.raise_for_status()
    assert served.json() == document(), "the stack serves the document this package builds"
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
            checks=[not_a_server_error, response_schema_conformance],
            timeout=30,
        )

    answers_as_documented()
