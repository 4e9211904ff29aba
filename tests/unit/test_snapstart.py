"""SnapStart runtime hooks of the lookup: what runs before the snapshot, and what every restored instance redoes."""

import gc
import random
import sys
import types
from collections.abc import Callable, Iterator

import pytest

from tradeprice import snapstart
from tradeprice.config import get_settings
from tradeprice.data import aws, reference_cache, secrets


@pytest.fixture
def lambda_runtime_hooks(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Callable[[], None]]]:
    """The `snapshot_restore_py` module Lambda's Python runtime provides, recording what is registered."""
    registered: dict[str, list[Callable[[], None]]] = {"before_snapshot": [], "after_restore": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered["before_snapshot"].append  # type: ignore[attr-defined]
    module.register_after_restore = registered["after_restore"].append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "snapshot-time")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "snapshot-time")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    aws.forget_clients()
    get_settings.cache_clear()
    yield
    aws.forget_clients()
    get_settings.cache_clear()
    reference_cache.clear()
    secrets.clear()


def test_the_lookup_registers_its_prime_and_the_restore_hook_when_imported(lambda_runtime_hooks, monkeypatch):
    import importlib

    monkeypatch.delitem(sys.modules, "functions.price_lookup.app", raising=False)  # restored after the test

    app = importlib.import_module("functions.price_lookup.app")

    assert lambda_runtime_hooks == {"before_snapshot": [app._prime], "after_restore": [snapstart.after_restore]}


def test_without_the_lambda_runtime_nothing_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as outside Lambda

    assert snapstart.register(lambda: None) is False


def test_prime_builds_the_client_and_imports_the_first_requests_code_but_reads_no_secret(environment, monkeypatch):
    import tradeprice.api
    import tradeprice.logic
    from functions.price_lookup import app

    for package, name in ((tradeprice.logic, "lookup"), (tradeprice.api, "views")):
        monkeypatch.delitem(sys.modules, f"{package.__name__}.{name}", raising=False)
        monkeypatch.delattr(package, name, raising=False)  # or `from package import name` would not re-import
    monkeypatch.setattr(secrets, "token_secrets", lambda: pytest.fail("a secret was read before the snapshot"))

    app._prime()

    assert aws.dynamodb.cache_info().currsize == 1
    assert {"tradeprice.logic.lookup", "tradeprice.api.views"} <= set(sys.modules)


def test_prime_freezes_what_it_built_out_of_the_garbage_collectors_reach(environment):
    from functions.price_lookup import app

    gc.unfreeze()
    try:
        app._prime()

        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_first_request_primes_once_after_the_caller_is_known(environment, monkeypatch):
    from functions.price_lookup import app

    primed: list[str] = []
    monkeypatch.setattr(app, "_primed", lambda: primed.append("primed"))
    event = {"httpMethod": "GET", "resource": "/v1/pricing/{sku}", "path": "/v1/pricing/BOLT-M8", "headers": {}}

    answer = app.lambda_handler({**event, "pathParameters": {"sku": "BOLT-M8"}, "requestContext": {}}, None)

    assert answer["statusCode"] == 401
    assert primed == []  # a refused caller costs no imports and no client


def test_after_restore_every_instance_draws_its_own_random_numbers(environment):
    snapshot = random.getstate()

    random.setstate(snapshot)
    snapstart.after_restore()
    first_instance = [random.random() for _ in range(4)]
    random.setstate(snapshot)
    snapstart.after_restore()
    second_instance = [random.random() for _ in range(4)]

    assert first_instance != second_instance


def test_after_restore_clients_credentials_settings_and_caches_are_rebuilt(environment, monkeypatch):
    # Given an instance primed before the snapshot: a client holding snapshot-time credentials, settings, caches
    before = aws.dynamodb()
    models = aws._session().get_component("data_loader")
    settings = get_settings()
    reference_cache.current("price-lists", 7, lambda: {"trade": "cached"})
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "restored-instance")

    # When Lambda restores it
    snapstart.after_restore()

    # Then it builds a new client with the credentials it has now, reusing only the parsed service models
    after = aws.dynamodb()
    assert after is not before
    assert after._request_signer._credentials.access_key == "restored-instance"
    assert aws._session().get_component("data_loader") is models
    assert get_settings() is not settings
    assert reference_cache.current("price-lists", 7, lambda: {"trade": "reloaded"}) == {"trade": "reloaded"}
    assert secrets._cached == {}  # no secret (token or cursor) read before the snapshot survives it
